package dev.sandbox4j.core.policy.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GoScannerTest {
    private final GoScanner scanner = new GoScanner();

    /** Each case: code, then the expected imports as {@code form:module}; dynamic iff the module is DYNAMIC. */
    static Stream<Arguments> cases() {
        return Stream.of(
                c("package main\nimport \"os/exec\"\n", "import:os/exec"),
                c("import ex \"os/exec\"", "import:os/exec"),
                c("import _ \"net/http/pprof\"", "import:net/http/pprof"),
                c("import . \"fmt\"", "import:fmt"),
                c("import (\n \"fmt\"\n ex \"os/exec\"\n // comment\n _ \"net/http\"\n)",
                        "import:fmt", "import:os/exec", "import:net/http"),
                c("import (\n\tf \"fmt\"\n\t. \"strings\"\n\t_ \"embed\"\n)", "import:fmt", "import:strings", "import:embed"),
                c("import (\"fmt\"; \"os\")", "import:fmt", "import:os"),
                c("import \"a\"\nimport \"b/c\"\nimport (\n\"d\"\n)", "import:a", "import:b/c", "import:d"),
                c("import `os/exec`", "import:os/exec"),
                c("import ñ \"fmt\"", "import:fmt"),
                c("import \"os\\x2fexec\"", "import:os/exec"),
                c("import /* why */ x /* not */ \"syscall\"", "import:syscall"),
                c("import (\n)\nfunc main() {}"),
                c("import \"fmt\" // import \"os\"", "import:fmt"),
                // traps: comments and strings
                c("// import \"os/exec\""),
                c("/* import \"os/exec\" */"),
                c("import (\n // \"os\"\n /* \"os/exec\" */\n \"fmt\"\n)", "import:fmt"),
                c("var s = \"import \\\"os/exec\\\"\""),
                c("var s = `import \"os/exec\"`"),
                c("var s = `\nimport \"os/exec\"\n`\nimport \"fmt\"", "import:fmt"),
                c("var r = '\"'\nimport \"os\"", "import:os"),
                c("var s = \"unterminated\nimport \"os\"", "import:os"),
                c("import (\n\"fmt\"\n)\nvar s = \"import \\\"x\\\"\"", "import:fmt"),
                c("importer := 1; reimport(\"x\")"),
                // dynamic loading
                c("p, err := plugin.Open(\"x.so\")", "plugin:x.so"),
                c("p, err := plugin.Open(path)", "plugin:<dynamic>"),
                c("p, _ := plugin.Open(\n\t`/tmp/evil.so`,\n)", "plugin:/tmp/evil.so"),
                c("import pl \"plugin\"\nfunc f() { pl.Open(\"y.so\") }", "import:plugin", "plugin:y.so"),
                c("open := plugin.Open", "plugin:<dynamic>"),
                c("s, _ := p.Lookup(\"F\"); var q *plugin.Plugin; x.plugin.Open(\"z\")"),
                c("// plugin.Open(\"x.so\")\nvar s = \"plugin.Open(\\\"y.so\\\")\""),
                // cgo: the preamble's includes
                c("// #include <stdlib.h>\nimport \"C\"", "cgo-include:stdlib.h", "import:C"),
                c("/*\n#include <sys/socket.h>\n#include \"x.h\"\n*/\nimport \"C\"",
                        "cgo-include:sys/socket.h", "cgo-include:x.h", "import:C"),
                c("// #include <stdlib.h>\n\nimport \"C\"", "import:C"),
                c("// #include <stdlib.h>\nimport \"fmt\"", "import:fmt"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void findsExactlyTheImports(String code, List<String> expected) {
        ScannedSource scanned = scanner.scan(code);
        assertThat(scanned.imports()).extracting(r -> r.form() + ":" + r.module()).containsExactlyElementsOf(expected);
        assertThat(scanned.imports())
                .allSatisfy(r -> assertThat(r.dynamic()).isEqualTo(r.module().equals(ImportRef.DYNAMIC)));
    }

    @Test
    void blanksCommentsAndStringContents() {
        String code = "x := \"exec\" + `raw\nline` // exec.Command\nr := 'e' /* c */";
        ScannedSource s = scanner.scan(code);
        assertThat(s.codeOnly()).isEqualTo("x := \"    \" + `   \n    ` " + " ".repeat(15) + "\nr := ' ' " + " ".repeat(7));
        assertThat(s.withoutComments())
                .isEqualTo("x := \"exec\" + `raw\nline` " + " ".repeat(15) + "\nr := 'e' " + " ".repeat(7));
    }

    @Test
    void reportsOffsetsLinesAndColumns() {
        String code = "package main\n\nimport \"fmt\"\nimport (\n\t\"os\"\n\tex \"os/exec\"\n)\n";
        ScannedSource s = scanner.scan(code);
        assertThat(s.imports()).extracting(r -> s.line(r.offset()) + ":" + s.column(r.offset()))
                .containsExactly("3:1", "5:2", "6:2");
        ImportRef single = s.imports().get(0);
        ImportRef aliased = s.imports().get(2);
        assertThat(code.substring(single.offset(), single.offset() + single.length())).isEqualTo("import \"fmt\"");
        assertThat(code.substring(aliased.offset(), aliased.offset() + aliased.length())).isEqualTo("ex \"os/exec\"");
    }

    @Test
    void packageSeparatorIsSlash() {
        assertThat(scanner.moduleSeparator()).isEqualTo('/');
    }

    @Test
    void neverThrowsOnTruncatedOrRandomInput() {
        cases().forEach(a -> {
            String code = (String) a.get()[0];
            for (int i = 0; i <= code.length(); i++) {
                checkInvariants(code.substring(0, i));
            }
        });
        String[] parts = {"import", " ", "(", ")", "\"", "`", "'", "\\", "\n", "/", "*", "//", "x", "_", ".", ";",
            "plugin", "Open", "C", "#include <a.h>", "ñ"};
        Random random = new Random(7);
        for (int k = 0; k < 3000; k++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                b.append(parts[random.nextInt(parts.length)]);
            }
            checkInvariants(b.toString());
        }
    }

    /** About 1 MB of typical code, and how many imports it has. */
    private static ScannerChecks.Sample megabyte() {
        StringBuilder b = new StringBuilder("package main\n");
        int i = 0;
        while (b.length() < 1_000_000) {
            b.append("import (\n\t\"fmt\"\n\tex").append(i).append(" \"os/exec\" // why\n)\n")
                    .append("/* block ").append(i).append(" */\n")
                    .append("func f").append(i).append("(x int) string {\n\tr := 'x'\n\ts := `raw\n`\n")
                    .append("\tp, _ := plugin.Open(\"p").append(i).append(".so\")\n")
                    .append("\treturn fmt.Sprint(x * 0x1p-2, \"str\\\"ing\", r, s, p)\n}\n");
            i++;
        }
        return new ScannerChecks.Sample(b.toString(), 3 * i);
    }

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.Sample sample = megabyte();
        String code = sample.code();
        ScannedSource s = ScannerChecks.scanWithBoundedReads(GoScanner::scan, code);
        assertThat(s.codeOnly()).hasSameSizeAs(code);
        assertThat(s.imports()).hasSize(sample.imports());
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, megabyte().code());
    }

    private void checkInvariants(String code) {
        ScannedSource s = scanner.scan(code);
        assertThat(s.codeOnly()).hasSameSizeAs(code);
        for (ImportRef r : s.imports()) {
            assertThat(r.offset() + r.length()).isLessThanOrEqualTo(code.length());
        }
    }

    private static Arguments c(String code, String... expected) {
        return arguments(code, List.of(expected));
    }
}
