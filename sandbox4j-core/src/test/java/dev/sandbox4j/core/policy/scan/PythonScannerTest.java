package dev.sandbox4j.core.policy.scan;

import static dev.sandbox4j.core.policy.scan.ScannerChecks.assertWellFormed;
import static dev.sandbox4j.core.policy.scan.ScannerChecks.modules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PythonScannerTest {
    private static final String DYN = ImportRef.DYNAMIC;
    private final PythonScanner scanner = new PythonScanner();

    static Stream<Arguments> imports() {
        return Stream.of(
                arguments("import os", List.of("os")),
                arguments("import os.path", List.of("os.path")),
                arguments("import numpy as np", List.of("numpy")),
                arguments("import a, b as c, d.e", List.of("a", "b", "d.e")),
                arguments("from a.b import c, d", List.of("a.b")),
                arguments("from a import (c,\n    d)", List.of("a")),
                arguments("from a import (\n  b,  # import os\n  c,\n)\nx = 1", List.of("a")),
                arguments("from . import x", List.of(".")),
                arguments("from ..pkg import y", List.of("..pkg")),
                arguments("from .models import User", List.of(".models")),
                arguments("from a import *", List.of("a")),
                arguments("__import__(\"a\")", List.of("a")),
                arguments("m = __import__('a.b')", List.of("a.b")),
                arguments("importlib.import_module(\"a\")", List.of("a")),
                arguments("from importlib import import_module\nimport_module('sub')", List.of("importlib", "sub")),
                arguments("importlib.__import__(\"a\")", List.of("a")),
                arguments("builtins.__import__('socket')", List.of("socket")),
                arguments("__import__(name)", List.of(DYN)),
                arguments("importlib.import_module(x + \"y\")", List.of(DYN)),
                arguments("importlib.import_module(\"os\" + suffix)", List.of(DYN)),
                arguments("f = __import__\nf('os')", List.of(DYN)),
                arguments("__import__(\"o\" \"s\")", List.of("os")),
                arguments("__import__(\"\\x6fs\")", List.of("os")),
                arguments("__import__(f\"{m}\")", List.of(DYN)),
                arguments("import_module(name='os')", List.of("os")),
                arguments("exec(\"import os\")", List.of()),
                arguments("# import os", List.of()),
                arguments("s = \"import os\"", List.of()),
                arguments("def f():\n    \"\"\"Docstring.\n    import os\n    \"\"\"\n    return 1", List.of()),
                arguments("def f():\n    if x:\n        import subprocess\n", List.of("subprocess")),
                arguments("x = 1; import socket", List.of("socket")),
                arguments("if True: import ctypes", List.of("ctypes")),
                arguments("try:\n    import ujson as json\nexcept ImportError:\n    import json", List.of("ujson", "json")),
                arguments("important = 1\nmy_import(x)\nimport_os = 2", List.of()),
                arguments("import oscar", List.of("oscar")),
                arguments("import subprocess32", List.of("subprocess32")),
                arguments("s = \"a \\\" import os\"\nimport sys", List.of("sys")),
                arguments("s = 'it\\'s # not a comment'; import io", List.of("io")),
                arguments("p = r'\\d+\\''\nimport re", List.of("re")),
                arguments("p = Rb\"\\\\\" ; import zlib", List.of("zlib")),
                arguments("x = b'import os' + BR\"import os\"", List.of()),
                arguments("t = '''it's \"fine\" import os'''\nimport io", List.of("io")),
                arguments("s = \"\"\"never closed\nimport os", List.of()),
                arguments("s = 'unterminated\nimport os", List.of("os")),
                arguments("print(f\"{__import__('os').getcwd()}\")", List.of("os")),
                arguments("print(f'import {x} from os')", List.of()),
                arguments("print(f\"{x!r:>{width}} import os {{y}}\")", List.of()),
                arguments("print(f\"{d[\"k\"]} {__import__(\"pty\")}\")", List.of("pty")),
                arguments("print(rf'{x}\\' import os')", List.of()),
                arguments("import os, \\\n    sys", List.of("os", "sys")),
                arguments("from __future__ import annotations\nfrom a import b", List.of("__future__", "a")),
                arguments("raise ValueError() from e\nimport json", List.of("json")),
                arguments("def g():\n    yield from gen()", List.of()),
                arguments("def import_module(x):\n    pass\nclass __import__: pass", List.of()),
                arguments("__\uFF49mport__('os')", List.of("os")),
                arguments("import  os . path  as  p", List.of("os.path")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("imports")
    void findsExactlyTheImports(String code, List<String> expected) {
        ScannedSource s = scanner.scan(code);
        assertWellFormed(s);
        assertThat(modules(s)).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> blanking() {
        // code, word, still in withoutComments?, still in codeOnly?
        return Stream.of(
                arguments("eval(x)", "eval", true, true),
                arguments("y = \"eval(x)\"", "eval", true, false),
                arguments("y = 1  # eval(x)", "eval", false, false),
                arguments("'''\neval(x)\n'''", "eval", true, false),
                arguments("y = f\"{eval(x)}\"", "eval", true, false),
                arguments("y = 'a' + eval(x) + 'b'", "eval", true, true),
                arguments("y = r'\\' # eval'", "eval", true, false),
                arguments("y = '#' ; eval(x)", "eval", true, true));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("blanking")
    void blanksCommentsAndStrings(String code, String word, boolean inWithoutComments, boolean inCodeOnly) {
        ScannedSource s = scanner.scan(code);
        assertWellFormed(s);
        assertThat(s.withoutComments().contains(word)).isEqualTo(inWithoutComments);
        assertThat(s.codeOnly().contains(word)).isEqualTo(inCodeOnly);
    }

    @Test
    void keepsQuotesAndLineBreaks() {
        ScannedSource s = scanner.scan("x = 'ab'  # c\ny = \"\"\"d\ne\"\"\"");
        assertThat(s.withoutComments()).isEqualTo("x = 'ab'     \ny = \"\"\"d\ne\"\"\"");
        assertThat(s.codeOnly()).isEqualTo("x = '  '     \ny = \"\"\" \n \"\"\"");
    }

    @Test
    void reportsNamesFormsAndPositions() {
        String code = "import os\n\n  from a.b import (c as d,\n e)\nx = __import__(\"y\")\nfrom m import *\n";
        ScannedSource s = scanner.scan(code);
        List<ImportRef> refs = s.imports();
        assertThat(refs).extracting(ImportRef::form).containsExactly("import", "from", "__import__", "from");
        assertThat(refs.get(1).names()).containsExactly("c", "e");
        assertThat(refs.get(3).names()).containsExactly("*");
        assertThat(refs).extracting(r -> s.line(r.offset())).containsExactly(1, 3, 5, 6);
        assertThat(refs).extracting(r -> s.column(r.offset())).containsExactly(1, 3, 5, 1);
        assertThat(code.substring(refs.get(2).offset(), refs.get(2).offset() + refs.get(2).length()))
                .isEqualTo("__import__(\"y\")");
        assertThat(refs.get(0).dynamic()).isFalse();
        assertThat(scanner.moduleSeparator()).isEqualTo('.');
    }

    @Test
    void neverThrowsOnRandomOrTruncatedInput() {
        List<String> corpus = imports().map(a -> (String) a.get()[0]).toList();
        ScannerChecks.fuzz(scanner, corpus, new String[] {"'", "\"", "'''", "\"\"\"", "\\", "#", "{", "}", "{{", "f",
            "rb", "F'", "(", ")", ":", "!", "\n", "\r\n", " ", "import", "from", ".", ",", "__import__(", "as",
            "x", "\t", "\\N{", "=", ";"});
    }

    static final String SNIPPET = """
                import os, sys
                from a.b import (c,
                    d)  # comment with 'quote
                def f(x):
                    \"\"\"Doc with import os.\"\"\"
                    s = f"{x!r:>{10}} and {__import__('json')}"
                    return r'\\d+' + "esc\\"aped" + str(x)
                """;

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.scansOneMegabyteInBoundedReads(PythonScanner::scan, SNIPPET);
    }

    @Test
    void adversarialRepetitionStaysLinear() {
        ScannerChecks.staysLinear(PythonScanner::scan, "f\"{");
        ScannerChecks.staysLinear(PythonScanner::scan, "from . ");
        ScannerChecks.staysLinear(PythonScanner::scan, "import a,");
        ScannerChecks.staysLinear(PythonScanner::scan, "__import__(");
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, ScannerChecks.megabyteOf(SNIPPET));
    }
}
