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

class RScannerTest {
    private final RScanner scanner = new RScanner();

    /** Each case: code, then the expected imports as {@code form:module}; dynamic iff the module is DYNAMIC. */
    static Stream<Arguments> cases() {
        return Stream.of(
                c("library(httr)", "library:httr"),
                c("library(\"httr\")", "library:httr"),
                c("library('httr')", "library:httr"),
                c("require(httr)", "require:httr"),
                c("requireNamespace(\"httr\", quietly = TRUE)", "requireNamespace:httr"),
                c("loadNamespace(\"httr\")", "loadNamespace:httr"),
                c("attachNamespace(\"httr\")", "attachNamespace:httr"),
                c("suppressPackageStartupMessages(library(httr))", "library:httr"),
                c("if (!require(\"httr\", quietly = TRUE)) install.packages(\"httr\")", "require:httr"),
                c("library(httr); library(jsonlite)\nrequire(curl)", "library:httr", "library:jsonlite",
                        "require:curl"),
                c("library(\n  httr # the client\n)", "library:httr"),
                c("library(package = \"httr\")", "library:httr"),
                c("library(lib.loc = \"/tmp\", httr)", "library:httr"),
                c("`library`(httr)", "library:httr"),
                c("\"library\"(httr)", "library:httr"),
                c("library(`my pkg`)", "library:my pkg"),
                c("library(\"\\x68ttr\")", "library:httr"),
                c("library()\nlibrary(help = \"httr\")"),
                // namespaces
                c("r <- httr::GET(u)", "namespace:httr"),
                c("httr:::internal()", "namespace:httr"),
                c("\"httr\"::GET(u); `curl`::curl(u)", "namespace:httr", "namespace:curl"),
                c("base::library(httr)", "namespace:base", "library:httr"),
                c("x <- a:b; y <- b[1:2]"),
                // dynamic
                c("library(x, character.only = TRUE)", "library:<dynamic>"),
                c("library(\"x\", character.only = TRUE)", "library:x"),
                c("library(x, character.only = FALSE)", "library:x"),
                c("library(x, char = T)", "library:<dynamic>"),
                c("require(x, , , , TRUE)", "require:<dynamic>"),
                c("library(x, character.only = flag)", "library:<dynamic>"),
                c("for (p in pkgs) library(p, character.only = TRUE)", "library:<dynamic>"),
                c("lapply(pkgs, require, character.only = TRUE)", "require:<dynamic>"),
                c("do.call(library, list(\"x\"))", "library:<dynamic>"),
                c("do.call(\"library\", list(\"x\"))", "do.call:<dynamic>"),
                c("f <- get(\"requireNamespace\"); match.fun(\"paste\")", "get:<dynamic>"),
                c("requireNamespace(pkg)", "requireNamespace:<dynamic>"),
                c("library(paste0(\"ht\", \"tr\"))", "library:<dynamic>"),
                c("dyn.load(\"evil.so\")", "dyn.load:evil.so"),
                // traps
                c("# library(httr)"),
                c("#' @import httr\nlibrary(jsonlite)", "library:jsonlite"),
                c("print(\"library(httr)\")"),
                c("system(\"R -e 'library(httr)'\")"),
                c("x <- 'multi\nline library(httr)\n'"),
                c("x <- r\"(library(httr))\""),
                c("x <- R\"---[ ]\" library(httr) ]---\""),
                c("x <- r'{a}'; library(jsonlite)", "library:jsonlite"),
                c("x <- 'it\\'s'; library(a)", "library:a"),
                c("`a#b` <- 1; library(httr)", "library:httr"),
                c("mylibrary(httr); library.dynam(\"x\"); x$library(httr); x@require(y)"),
                c("library <- function(x) x"),
                c("x <- \"httr\"::\"GET\"", "namespace:httr"));
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
    void blanksCommentsAndStringContentsButNotBackquotedNames() {
        String code = "`sys call` <- system(\"ls\") # system(\"rm\")\nx <- r\"(y)\"";
        ScannedSource s = scanner.scan(code);
        String comment = " ".repeat("# system(\"rm\")".length());
        assertThat(s.codeOnly()).isEqualTo("`sys call` <- system(\"  \") " + comment + "\nx <- r\"   \"");
        assertThat(s.withoutComments()).isEqualTo("`sys call` <- system(\"ls\") " + comment + "\nx <- r\"(y)\"");
    }

    @Test
    void reportsOffsetsLinesAndColumns() {
        String code = "x <- 1\n  library(httr)\ny <- jsonlite::toJSON(x)";
        ScannedSource s = scanner.scan(code);
        ImportRef lib = s.imports().get(0);
        ImportRef ns = s.imports().get(1);
        assertThat(s.line(lib.offset())).isEqualTo(2);
        assertThat(s.column(lib.offset())).isEqualTo(3);
        assertThat(code.substring(lib.offset(), lib.offset() + lib.length())).isEqualTo("library");
        assertThat(s.line(ns.offset())).isEqualTo(3);
        assertThat(s.column(ns.offset())).isEqualTo(6);
        assertThat(code.substring(ns.offset(), ns.offset() + ns.length())).isEqualTo("jsonlite::");
    }

    @Test
    void hasNoModuleSeparator() {
        assertThat(scanner.moduleSeparator()).isEqualTo((char) 0);
    }

    @Test
    void neverThrowsOnTruncatedOrRandomInput() {
        cases().forEach(a -> {
            String code = (String) a.get()[0];
            for (int i = 0; i <= code.length(); i++) {
                checkInvariants(code.substring(0, i));
            }
        });
        String[] parts = {"library", "require", "(", ")", "[", "]", "{", "}", "\"", "'", "`", "\\", "\n", "#", "r\"",
            "R'-", "-", "::", ":", ",", "=", "<-", "x", "TRUE", "character.only", "do.call", "$", "%", "1e-3", " "};
        Random random = new Random(3);
        for (int k = 0; k < 3000; k++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                b.append(parts[random.nextInt(parts.length)]);
            }
            checkInvariants(b.toString());
        }
    }

    @Test
    void deeplyNestedCallsStayLinear() {
        String code = "library(".repeat(100_000) + "x" + ")".repeat(100_000);
        ScannedSource s = ScannerChecks.scanWithBoundedReads(RScanner::scan, code);
        assertThat(s.imports()).hasSize(100_000);
        ScannerChecks.staysLinear(RScanner::scan, "library(");
    }

    /** About 1 MB of typical code, and how many imports it has. */
    private static ScannerChecks.Sample megabyte() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 1_000_000) {
            b.append("library(pkg").append(i).append(") # comment ").append(i).append(" with 'quote\n")
                    .append("f").append(i).append(" <- function(x, y = 1e-3) {\n")
                    .append("  s <- \"str\\\"ing\"; r <- r\"(raw)\"; `odd name` <- x %in% y\n")
                    .append("  jsonlite::toJSON(list(a = x[[1]], b = s, c = r))\n}\n");
            i++;
        }
        return new ScannerChecks.Sample(b.toString(), 2 * i);
    }

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.Sample sample = megabyte();
        String code = sample.code();
        ScannedSource s = ScannerChecks.scanWithBoundedReads(RScanner::scan, code);
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
