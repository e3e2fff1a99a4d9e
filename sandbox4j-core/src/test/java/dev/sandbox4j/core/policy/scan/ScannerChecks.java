package dev.sandbox4j.core.policy.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.spi.ImportRef;
import dev.sandbox4j.spi.ScannedSource;
import dev.sandbox4j.spi.SourceScanner;
import java.util.List;
import java.util.Random;

/** Checks shared by the scanner tests. */
final class ScannerChecks {
    private ScannerChecks() {}

    static List<String> modules(ScannedSource s) {
        return s.imports().stream().map(ImportRef::module).toList();
    }

    /** Invariants every scan result must satisfy. */
    static void assertWellFormed(ScannedSource s) {
        String code = s.code();
        assertThat(s.withoutComments()).hasSameSizeAs(code);
        assertThat(s.codeOnly()).hasSameSizeAs(code);
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\n' || c == '\r') {
                assertThat(s.codeOnly().charAt(i)).isEqualTo(c);
            }
        }
        for (ImportRef r : s.imports()) {
            assertThat(r.form()).isNotEqualTo("scan-error");
            assertThat(r.dynamic()).as("dynamic flag of %s", r).isEqualTo(r.module().equals(ImportRef.DYNAMIC));
            assertThat(r.offset() + r.length()).isLessThanOrEqualTo(code.length());
        }
    }

    /** Random and truncated inputs: the scanner never throws and always returns well-formed views. */
    static void fuzz(SourceScanner scanner, List<String> corpus, String[] pieces) {
        Random random = new Random(42);
        for (String c : corpus) {
            for (int cut = 0; cut <= c.length(); cut++) {
                assertWellFormed(scanner.scan(c.substring(0, cut)));
                assertWellFormed(scanner.scan(c.substring(cut)));
            }
        }
        for (int round = 0; round < 3000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(40);
            for (int i = 0; i < len; i++) {
                if (random.nextInt(4) == 0) {
                    sb.append((char) random.nextInt(0x3000));
                } else {
                    sb.append(pieces[random.nextInt(pieces.length)]);
                }
            }
            assertWellFormed(scanner.scan(sb.toString()));
        }
        for (int round = 0; round < 200; round++) {
            String c = corpus.get(random.nextInt(corpus.size()));
            char[] chars = c.toCharArray();
            for (int k = 0; k < 3 && chars.length > 0; k++) {
                chars[random.nextInt(chars.length)] = pieces[random.nextInt(pieces.length)].charAt(0);
            }
            assertWellFormed(scanner.scan(new String(chars)));
        }
    }

    /** Scans about 1 MB made of {@code snippet}; prints the time after warm-up and asserts a loose bound. */
    static void scansOneMegabyteQuickly(SourceScanner scanner, String snippet) {
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < (1 << 20)) {
            sb.append(snippet);
        }
        String code = sb.toString();
        int expectedImports = scanner.scan(snippet).imports().size() * (code.length() / snippet.length());
        for (int i = 0; i < 5; i++) {
            scanner.scan(code);
        }
        long best = Long.MAX_VALUE;
        ScannedSource result = null;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            result = scanner.scan(code);
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("%s: %,d chars in %.1f ms%n", scanner.getClass().getSimpleName(), code.length(),
                best / 1e6);
        assertThat(result.imports()).hasSize(expectedImports);
        assertThat(best / 1_000_000).isLessThan(2000);
    }

    /**
     * Adversarial repetition must stay linear: scanning 1 MB of {@code unit} takes about 4 times as long as 256 KB
     * (quadratic would be 16 times). Compared by ratio, best of three, so a busy machine does not fail it.
     */
    static void staysLinear(SourceScanner scanner, String unit) {
        String big = unit.repeat((1 << 20) / unit.length());
        String small = unit.repeat((1 << 18) / unit.length());
        scanner.scan(small);
        scanner.scan(big);
        long smallNs = bestOf3(scanner, small);
        long bigNs = bestOf3(scanner, big);
        System.out.printf("%s adversarial %s: 256 KB %.1f ms, 1 MB %.1f ms%n", scanner.getClass().getSimpleName(),
                unit.replace("\n", "\\n"), smallNs / 1e6, bigNs / 1e6);
        if (bigNs < 500_000_000L) {
            return; // half a second for a megabyte: fast enough whatever its shape
        }
        assertThat((double) bigNs / Math.max(smallNs, 1)).as("1 MB / 256 KB scan time").isLessThan(10.0);
    }

    private static long bestOf3(SourceScanner scanner, String code) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertWellFormed(scanner.scan(code));
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
