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

class JavaScannerTest {
    private static final String DYN = ImportRef.DYNAMIC;
    private final JavaScanner scanner = new JavaScanner();

    static Stream<Arguments> imports() {
        return Stream.of(
                arguments("import java.io.File;", List.of("java.io.File")),
                arguments("import java.net.*;", List.of("java.net")),
                arguments("import static java.lang.Runtime.getRuntime;", List.of("java.lang.Runtime.getRuntime")),
                arguments("import static java.lang.Math.*;", List.of("java.lang.Math")),
                arguments("import java.util.List;\nimport java.util.Map;", List.of("java.util.List", "java.util.Map")),
                arguments("import java . io . File ;", List.of("java.io.File")),
                arguments("import /* c */ java.io\n  // x\n  .File;", List.of("java.io.File")),
                arguments("import java.io.File", List.of("java.io.File")),
                arguments("import module java.base;", List.of("java.base")),
                arguments("import module.foo.Bar;", List.of("module.foo.Bar")),
                arguments("package p;\nimport java.lang.reflect.Method;\nclass A {}", List.of("java.lang.reflect.Method")),
                arguments("// import java.io.File;", List.of()),
                arguments("/* import java.io.File; */", List.of()),
                arguments("/** Javadoc: {@code import java.io.File;} */\nclass A {}", List.of()),
                arguments("/* unterminated import java.io.File;", List.of()),
                arguments("String s = \"import java.io.File;\";", List.of()),
                arguments("String s = \"\"\"\n    import java.io.File;\n    \"\"\";", List.of()),
                arguments("String s = \"unterminated\nimport java.io.File;", List.of("java.io.File")),
                arguments("Class.forName(\"a.B\")", List.of("a.B")),
                arguments("java.lang.Class.forName(\"p.Q\")", List.of("p.Q")),
                arguments("Class.forName(\"a.B\", true, loader)", List.of("a.B")),
                arguments("Class.forName(name)", List.of(DYN)),
                arguments("Class.forName(\"a.\" + b)", List.of(DYN)),
                arguments("Class . forName ( /* x */ \"a.B\" )", List.of("a.B")),
                arguments("Class.forName(\"\"\"\n    a.B\"\"\")", List.of("a.B")),
                arguments("Charset.forName(\"UTF-8\"); myforName(\"x\"); Class.forNames(\"y\")", List.of()),
                arguments("ClassLoader.getSystemClassLoader().loadClass(\"x.Y\")", List.of("x.Y")),
                arguments("Thread.currentThread().getContextClassLoader().loadClass(\"c.D\")", List.of("c.D")),
                arguments("loader.loadClass(n)", List.of(DYN)),
                arguments("lookup.findClass(\"g.H\")", List.of("g.H")),
                arguments("protected Class<?> loadClass(String n, boolean r) { return super.loadClass(n, r); }",
                        List.of(DYN)),
                arguments("Class<?> findClass(String n) { return loadClass(\"k.L\"); }", List.of("k.L")),
                arguments("import static java.lang.Class.forName;\nclass A { Object o = forName(\"z.Z\"); }",
                        List.of("java.lang.Class.forName", "z.Z")),
                arguments("class A { Object forName(String s) { return forName(\"z.Z\"); } }", List.of()),
                arguments("char c = '\"'; Class.forName(\"x.Y\");", List.of("x.Y")),
                arguments("char q = '\\''; Class.forName(\"e.F\");", List.of("e.F")),
                arguments("String s = \"a\\\"b\"; Class.forName(\"q.R\");", List.of("q.R")),
                arguments("String s = \"\\\\\"; Class.forName(\"s.T\");", List.of("s.T")),
                arguments("// \\u000a Class.forName(\"evil.X\");", List.of("evil.X")),
                arguments("String s = \"\\u0022; Object o = Class.forName(\"evil.Y\"); String t = \\u0022\";",
                        List.of("evil.Y")),
                arguments("String s = \"\\\\u0022 Class.forName(\\\"no.Z\\\") \";", List.of()),
                arguments("Class.forName(\"\\u0061.B\")", List.of("a.B")));
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
                arguments("Runtime.getRuntime().exec(c);", "exec", true, true),
                arguments("String s = \"exec(c)\";", "exec", true, false),
                arguments("int x; // exec(c)", "exec", false, false),
                arguments("/** exec */ int x;", "exec", false, false),
                arguments("String s = \"\"\"\n  exec\n  \"\"\";", "exec", true, false),
                arguments("char c = 'e'; exec();", "exec", true, true),
                arguments("// \\u000a exec();", "exec", true, true));
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
    void blanksOriginalTextEvenWithUnicodeEscapes() {
        ScannedSource s = scanner.scan("s = \"a\\u0041\"; // c\\u0041\nt = 'x';");
        assertThat(s.codeOnly()).isEqualTo("s = \"       \";" + " ".repeat(11) + "\nt = ' ';");
        assertThat(s.withoutComments()).isEqualTo("s = \"a\\u0041\";" + " ".repeat(11) + "\nt = 'x';");
    }

    @Test
    void reportsNamesFormsAndPositions() {
        String code = "package p;\n\nimport java.util.*;\nimport static java.lang.Math.max;\n"
                + "class A {\n    Object o = Class.forName(\"a.B\");\n}\n";
        ScannedSource s = scanner.scan(code);
        List<ImportRef> refs = s.imports();
        assertThat(refs).extracting(ImportRef::form).containsExactly("import", "import-static", "reflection");
        assertThat(refs.get(0).names()).containsExactly("*");
        assertThat(refs.get(1).names()).isEmpty();
        assertThat(refs).extracting(r -> s.line(r.offset())).containsExactly(3, 4, 6);
        assertThat(refs).extracting(r -> s.column(r.offset())).containsExactly(1, 1, 22);
        assertThat(code.substring(refs.get(0).offset(), refs.get(0).offset() + refs.get(0).length()))
                .isEqualTo("import java.util.*;");
        assertThat(code.substring(refs.get(2).offset(), refs.get(2).offset() + refs.get(2).length()))
                .isEqualTo("forName(\"a.B\")");
        assertThat(scanner.moduleSeparator()).isEqualTo('.');
    }

    @Test
    void neverThrowsOnRandomOrTruncatedInput() {
        List<String> corpus = imports().map(a -> (String) a.get()[0]).toList();
        ScannerChecks.fuzz(scanner, corpus, new String[] {"'", "\"", "\"\"\"", "\\", "\\u", "\\u0022", "\\uuu000a",
            "//", "/*", "*/", "/", "*", ".", ";", "(", ")", "\n", " ", "import", "static", "module", "Class",
            "forName", "loadClass", "x", "<", ">", "]"});
    }

    static final String SNIPPET = """
                import java.util.List;
                /** Javadoc with "quotes" and import x.Y; */
                class A { // line comment 'q
                    String s = "esc\\"aped" + '\\'' + \"\"\"
                        text block
                        \"\"\";
                    Object o = Class.forName("a.B");
                }
                """;

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.scansOneMegabyteInBoundedReads(JavaScanner::scan, SNIPPET);
    }

    @Test
    void adversarialRepetitionStaysLinear() {
        ScannerChecks.staysLinear(JavaScanner::scan, "\\u0022 ");
        ScannerChecks.staysLinear(JavaScanner::scan, "import a.");
        ScannerChecks.staysLinear(JavaScanner::scan, "Class.forName(");
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, ScannerChecks.megabyteOf(SNIPPET));
    }
}
