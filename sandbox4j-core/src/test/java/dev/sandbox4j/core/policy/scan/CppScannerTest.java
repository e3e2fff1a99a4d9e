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

class CppScannerTest {
    private final CppScanner scanner = new CppScanner();

    /** Each case: code, then the expected imports as {@code form:module}; dynamic iff the module is DYNAMIC. */
    static Stream<Arguments> cases() {
        return Stream.of(
                c("#include <sys/socket.h>\nint main() {}", "include:sys/socket.h"),
                c("#include \"my.h\"", "include:my.h"),
                c("#  include <stdio.h>", "include:stdio.h"),
                c("   #include<a.h>", "include:a.h"),
                c("#import <Foundation/Foundation.h>", "include:Foundation/Foundation.h"),
                c("#include_next <limits.h>", "include:limits.h"),
                c("%:include <digraph.h>", "include:digraph.h"),
                c("#include <a.h>\n#include \"b/c.h\"\n#define X 1\n", "include:a.h", "include:b/c.h"),
                c("/* c */ #include <x.h>", "include:x.h"),
                c("# /* c */ include <x.h>", "include:x.h"),
                c("#include HEADER_FILE", "include:<dynamic>"),
                c("#if 0\n#include <evil.h>\n#endif", "include:evil.h"),
                // traps: comments
                c("// #include <sys/socket.h>"),
                c("/* #include <x.h> */ int x;"),
                c("/* multi\n#include <x.h>\n*/"),
                c("// line comment continued \\\n#include <x.h>"),
                c("// continued with CRLF \\\r\n#include <x.h>\r\n#include <y.h>", "include:y.h"),
                c("#define X 1 \\\n#include <x.h>"),
                c("int x; #include <x.h>"),
                // traps: strings and characters
                c("const char *s = \"#include <x.h>\";"),
                c("const char *s = \"a\\\n#include <x.h>\";"),
                c("char c = '#';\nchar q = '\"';\n#include <ok.h>", "include:ok.h"),
                c("const char *s = \"a\\\\\"; // x\n#include <y.h>", "include:y.h"),
                c("const char *s = \"unterminated\n#include <x.h>", "include:x.h"),
                c("auto w = L\"#include <x.h>\";"),
                c("auto s = R\"(\n#include <x.h>\n)\";"),
                c("auto s = R\"xy(\n)\"\n#include <a.h>\n)xy\";\n#include <b.h>", "include:b.h"),
                c("auto s = u8R\"(#include <x.h>)\"; dlopen(\"ok.so\", 0);", "dlopen:ok.so"),
                c("int a = 1'0 + f('x'); dlopen(\"a.so\", 0);", "dlopen:a.so"),
                // dynamic loading
                c("void *h = dlopen(\"libc.so.6\", RTLD_NOW);", "dlopen:libc.so.6"),
                c("void *h = dlopen(name, RTLD_NOW);", "dlopen:<dynamic>"),
                c("void *h = dlopen(NULL, RTLD_LAZY);", "dlopen:<dynamic>"),
                c("h = dlopen(\"lib\" \"evil.so\", 0);", "dlopen:libevil.so"),
                c("h = dlopen(\"\\x6c\\x69\\x62x.so\", 0);", "dlopen:libx.so"),
                c("h = dlopen(\n  /* which */ \"a.so\"\n, 0);", "dlopen:a.so"),
                c("h = dlopen(\"a.so\" + off, 0);", "dlopen:<dynamic>"),
                c("void *(*f)(const char *, int) = dlopen;", "dlopen:<dynamic>"),
                c("// dlopen(\"x.so\", 0)"),
                c("puts(\"dlopen(\\\"x.so\\\")\");"),
                c("my_dlopen(\"x.so\"); dlopen_ext(\"y.so\");"),
                c("HMODULE m = LoadLibraryA(\"kernel32.dll\");", "LoadLibrary:kernel32.dll"),
                // C++20 modules
                c("import <vector>;\nimport std;", "import:vector", "import:std"),
                c("int import = 3; int y = import;"));
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
        String code = "puts(\"#include <x.h>\"); // system(\"ls\")\n/* a */ char c = 'x';";
        ScannedSource s = scanner.scan(code);
        String comment = " ".repeat("// system(\"ls\")".length());
        assertThat(s.codeOnly()).isEqualTo("puts(\"" + " ".repeat("#include <x.h>".length()) + "\"); " + comment + "\n        char c = ' ';");
        assertThat(s.withoutComments()).isEqualTo("puts(\"#include <x.h>\"); " + comment + "\n        char c = 'x';");
    }

    @Test
    void blanksRawStringsButKeepsLineBreaks() {
        String code = "auto s = R\"d(\nsystem(\"x\")\n)d\"; system(y);";
        ScannedSource s = scanner.scan(code);
        assertThat(s.codeOnly()).isEqualTo("auto s = R\"  \n" + " ".repeat(11) + "\n  \"; system(y);");
    }

    @Test
    void reportsOffsetsLinesAndColumns() {
        String code = "int x;\n  #include <a.h>\nvoid f() {\n    void *h = dlopen(\"b.so\", 0);\n}";
        ScannedSource s = scanner.scan(code);
        ImportRef include = s.imports().get(0);
        ImportRef dl = s.imports().get(1);
        assertThat(code.substring(include.offset(), include.offset() + include.length())).isEqualTo("#include <a.h>");
        assertThat(s.line(include.offset())).isEqualTo(2);
        assertThat(s.column(include.offset())).isEqualTo(3);
        assertThat(code.substring(dl.offset(), dl.offset() + dl.length())).isEqualTo("dlopen(\"b.so\",");
        assertThat(s.line(dl.offset())).isEqualTo(4);
        assertThat(s.column(dl.offset())).isEqualTo(15);
    }

    @Test
    void headerSeparatorIsSlash() {
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
        String[] parts = {"#", "include", " <", ">", "\"", "'", "\\", "\n", "\r", "/", "*", "R\"", "(", ")", "x",
            "dlopen", "import", ";", "u8", "1'0", "%:", " ", "LoadLibrary"};
        Random random = new Random(42);
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
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 1_000_000) {
            b.append("#include <sys/h").append(i).append(".h>\n")
                    .append("// comment ").append(i).append(" with \"quote\n")
                    .append("/* block\n comment */ static const char *s").append(i).append(" = \"str\\\"ing\";\n")
                    .append("int f").append(i).append("(int x) { char c = 'c'; return x * 1'000 + c; }\n")
                    .append("void *h").append(i).append(" = dlopen(\"lib").append(i).append(".so\", RTLD_NOW);\n");
            i++;
        }
        return new ScannerChecks.Sample(b.toString(), 2 * i);
    }

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.Sample sample = megabyte();
        String code = sample.code();
        ScannedSource s = ScannerChecks.scanWithBoundedReads(CppScanner::scan, code);
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
        for (int i = 0; i < code.length(); i++) {
            if (code.charAt(i) == '\n') {
                assertThat(s.codeOnly().charAt(i)).isEqualTo('\n');
            }
        }
    }

    private static Arguments c(String code, String... expected) {
        return arguments(code, List.of(expected));
    }
}
