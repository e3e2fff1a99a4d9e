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

class JavaScriptScannerTest {
    private static final String DYN = ImportRef.DYNAMIC;
    private final JavaScriptScanner scanner = new JavaScriptScanner();

    static Stream<Arguments> imports() {
        return Stream.of(
                arguments("const fs = require('fs');", List.of("fs")),
                arguments("require(\"child_process\").exec('ls')", List.of("child_process")),
                arguments("require(`os`)", List.of("os")),
                arguments("require('node:fs')", List.of("fs")),
                arguments("require('fs/promises')", List.of("fs/promises")),
                arguments("import x from 'a'", List.of("a")),
                arguments("import {x as y} from \"a\";", List.of("a")),
                arguments("import * as ns from 'a'", List.of("a")),
                arguments("import 'a'", List.of("a")),
                arguments("import React, { useState } from 'react'", List.of("react")),
                arguments("import {\n  a,\n  b,\n} from 'a'\nfoo()", List.of("a")),
                arguments("import type { A } from './types'", List.of("./types")),
                arguments("import from from 'from'", List.of("from")),
                arguments("export { x } from 'a'", List.of("a")),
                arguments("export * from 'a'", List.of("a")),
                arguments("export * as ns from 'node:path'", List.of("path")),
                arguments("export { x };\nexport default 1", List.of()),
                arguments("const m = import('a')", List.of("a")),
                arguments("const m = await import(\"a\")", List.of("a")),
                arguments("import('a', { with: { type: 'json' } })", List.of("a")),
                arguments("require(x)", List.of(DYN)),
                arguments("import(x)", List.of(DYN)),
                arguments("require('a' + b)", List.of(DYN)),
                arguments("require(`child_${p}`)", List.of(DYN)),
                arguments("module.require('a')", List.of("a")),
                arguments("process.mainModule.require('a')", List.of("a")),
                arguments("myrequire('a'); required('a'); requireX('a')", List.of()),
                arguments("function require(name) { return 1 }", List.of()),
                arguments("require.resolve('a')", List.of()),
                arguments("const u = import.meta.url", List.of()),
                arguments("this.#require('a'); obj.import('b')", List.of()),
                arguments("// require('fs')\n", List.of()),
                arguments("/* require('fs')\n import x from 'y' */", List.of()),
                arguments("/** unterminated require('fs')", List.of()),
                arguments("const s = \"require('fs')\"", List.of()),
                arguments("const s = 'it\\'s'; require(\"a\")", List.of("a")),
                arguments("const s = 'a // not a comment'; require('m')", List.of("m")),
                arguments("const t = `require('fs')`", List.of()),
                arguments("const t = `${require('x')}`", List.of("x")),
                arguments("const t = `a${`b${require('y')}`}c${{k: 1}.k}`; require('z')", List.of("y", "z")),
                arguments("const t = `open ${ require('x') ", List.of("x")),
                arguments("const re = /\"/; require('z'); const s = \"/\"", List.of("z")),
                arguments("x = /[/'\"]/g; require('q')", List.of("q")),
                arguments("x = /require\\('a'\\)/.test(s)", List.of()),
                arguments("x = 4 / 2 / 1; require('r') // '/", List.of("r")),
                arguments("x = a++ / 2; require('b') // /", List.of("b")),
                arguments("x = y /* c */ / 2; require('k')", List.of("k")),
                arguments("if (x) /\"/.test(s); require('cp'); \"\"", List.of("cp")),
                arguments("function f() {}\n/'/.test(s); require('cp')", List.of("cp")),
                arguments("x = function () {} / require('cp') / 1", List.of("cp")),
                arguments("x = {} / require('cp') / 1", List.of("cp")),
                arguments("return /'/.test(s) && require('cp')", List.of("cp")),
                arguments("#!/usr/bin/env node\nrequire('fs')", List.of("fs")),
                arguments("\\u0072equire('fs')", List.of("fs")),
                arguments("require('\\x63hild_process')", List.of("child_process")),
                arguments("const {exec} = require('child_process');\nexec('ls')", List.of("child_process")),
                arguments("const a = require('oscar'), b = require('os')", List.of("oscar", "os")));
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
                arguments("y = 1 // eval(x)", "eval", false, false),
                arguments("y = 1 /* eval(x) */ + 2", "eval", false, false),
                arguments("y = /eval/.test(s)", "eval", true, false),
                arguments("y = `eval`", "eval", true, false),
                arguments("y = `a ${eval(x)} b`", "eval", true, true),
                arguments("y = a / eval(x) / b", "eval", true, true));
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
    void templateTextIsBlankedButSubstitutionsStayCode() {
        ScannedSource s = scanner.scan("t = `ab${f(`cd`)}ef` // x\nr = /gh/i");
        assertThat(s.codeOnly()).isEqualTo("t = `  ${f(`  `)}  `     \nr = /  /i");
        assertThat(s.withoutComments()).isEqualTo("t = `ab${f(`cd`)}ef`     \nr = /gh/i");
    }

    @Test
    void reportsNamesFormsAndPositions() {
        String code = "'use strict';\nimport React, { useState as s } from 'react';\n  const fs = require('fs');\n"
                + "export * from './x';\nawait import(y);";
        ScannedSource s = scanner.scan(code);
        List<ImportRef> refs = s.imports();
        assertThat(refs).extracting(ImportRef::form)
                .containsExactly("import", "require", "export-from", "dynamic-import");
        assertThat(refs.get(0).names()).containsExactly("default", "useState");
        assertThat(refs.get(2).names()).containsExactly("*");
        assertThat(refs).extracting(r -> s.line(r.offset())).containsExactly(2, 3, 4, 5);
        assertThat(refs).extracting(r -> s.column(r.offset())).containsExactly(1, 14, 1, 7);
        assertThat(code.substring(refs.get(1).offset(), refs.get(1).offset() + refs.get(1).length()))
                .isEqualTo("require('fs')");
        assertThat(refs.get(3).dynamic()).isTrue();
        assertThat(scanner.moduleSeparator()).isEqualTo('/');
    }

    @Test
    void neverThrowsOnRandomOrTruncatedInput() {
        List<String> corpus = imports().map(a -> (String) a.get()[0]).toList();
        ScannerChecks.fuzz(scanner, corpus, new String[] {"'", "\"", "`", "${", "}", "{", "/", "//", "/*", "*/",
            "\\", "\\u", "\\u{", "[", "]", "(", ")", "\n", " ", "require(", "import", "from", "export", "*", ",",
            "x", "=", "#!", "#", "++", "function", "if", "return", "\u2028"});
    }

    static final String SNIPPET = """
                import { a, b as c } from './mod.js';
                const fs = require('node:fs'); // comment 'quote
                /* block
                   comment */
                function f(x) {
                    const re = /[/"']+\\/g;
                    return `t ${x / 2} ${require('path')}` + "esc\\"aped" + x / 3;
                }
                """;

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.scansOneMegabyteInBoundedReads(JavaScriptScanner::scan, SNIPPET);
    }

    @Test
    void adversarialRepetitionStaysLinear() {
        ScannerChecks.staysLinear(JavaScriptScanner::scan, "= /[ ");
        ScannerChecks.staysLinear(JavaScriptScanner::scan, "`${");
        ScannerChecks.staysLinear(JavaScriptScanner::scan, "import {import, ");
        ScannerChecks.staysLinear(JavaScriptScanner::scan, "x = function(){");
        ScannerChecks.staysLinear(JavaScriptScanner::scan, "{(");
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, ScannerChecks.megabyteOf(SNIPPET));
    }
}
