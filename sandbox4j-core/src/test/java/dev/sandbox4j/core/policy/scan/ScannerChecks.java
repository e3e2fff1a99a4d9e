package dev.sandbox4j.core.policy.scan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

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

    /** Generated source code and how many imports a scanner must find in it ({@code -1}: not counted). */
    record Sample(String code, int imports) {}

    /** A scanner's entry point that reads the text through a view ({@code XScanner::scan}). */
    @FunctionalInterface
    interface Scan {
        ScannedSource scan(String code, UnaryOperator<CharSequence> view);
    }

    /**
     * Hands a scanner views of its text that count every character it reads (through {@code charAt}, or copied by
     * {@code subSequence}/{@code toString}), per position of each text, so that linearity is checked by counting, not
     * by timing. A scan that reads one position more than {@link #MAX_READS_AT_ONE_POSITION} times, or more than
     * {@link #MAX_READS_PER_CHARACTER} times the length of the texts in all, is stopped at once with an
     * {@link AssertionError} (scanners turn runtime exceptions into a scan error, not errors), so that a scanner
     * that is not linear fails quickly instead of running for minutes.
     */
    static final class ReadCounter implements UnaryOperator<CharSequence> {
        long total;
        int maxAtOnePosition;
        private long length;

        @Override
        public CharSequence apply(CharSequence text) {
            String s = text.toString();
            length += s.length();
            return new Counted(s, new int[s.length()]);
        }

        private final class Counted implements CharSequence {
            private final String s;
            private final int[] c;

            Counted(String s, int[] c) {
                this.s = s;
                this.c = c;
            }

            private void read(int from, int to) {
                for (int i = from; i < to; i++) {
                    if (++c[i] > maxAtOnePosition) {
                        maxAtOnePosition = c[i];
                        if (maxAtOnePosition > MAX_READS_AT_ONE_POSITION) {
                            throw new AssertionError("position " + i + " of a " + s.length() + "-character text was "
                                    + "read more than " + MAX_READS_AT_ONE_POSITION + " times: the scan backtracks");
                        }
                    }
                }
                total += to - from;
                if (total > MAX_READS_PER_CHARACTER * Math.max(length, 1)) {
                    throw new AssertionError("more than " + MAX_READS_PER_CHARACTER + " reads per character of "
                            + length + " characters: the scan is not linear");
                }
            }

            @Override
            public char charAt(int index) {
                char ch = s.charAt(index); // throws for a bad index, as a String would
                read(index, index + 1);
                return ch;
            }

            @Override
            public int length() {
                return s.length();
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                String sub = s.substring(start, end);
                read(start, end);
                return sub;
            }

            @Override
            public String toString() {
                read(0, s.length());
                return s;
            }
        }
    }

    /** Scans {@code code} through counting views; returns the counter. */
    static ReadCounter count(Scan scan, String code) {
        ReadCounter counter = new ReadCounter();
        assertWellFormed(scan.scan(code, counter));
        return counter;
    }

    /**
     * Most reads of one position of the input (the same character read again by look-ahead, a retried literal, an
     * escape decoded) that any scanner needs; a scanner that backtracks over its input reads some position a number
     * of times that grows with the input.
     */
    static final int MAX_READS_AT_ONE_POSITION = 16;
    /** Most reads per character of the input, on average. */
    static final int MAX_READS_PER_CHARACTER = 8;

    /**
     * Scans about 1 MB made of {@code snippet}: finds every import, and reads each character a bounded number of
     * times (counted, not timed: {@link ReadCounter}).
     */
    static void scansOneMegabyteInBoundedReads(Scan scan, String snippet) {
        String code = megabyteOf(snippet);
        int expectedImports = scan.scan(snippet, UnaryOperator.identity()).imports().size()
                * (code.length() / snippet.length());
        assertThat(scanWithBoundedReads(scan, code).imports()).hasSize(expectedImports);
    }

    /**
     * Scans {@code code} through counting views, checks that each character was read a bounded number of times, and
     * returns the result.
     */
    static ScannedSource scanWithBoundedReads(Scan scan, String code) {
        ReadCounter c = new ReadCounter();
        ScannedSource result = scan.scan(code, c);
        System.out.printf("reads of %,d chars: %.2f per character, at most %d at one position%n", code.length(),
                (double) c.total / code.length(), c.maxAtOnePosition);
        assertThat(c.maxAtOnePosition).as("reads of one position").isLessThanOrEqualTo(MAX_READS_AT_ONE_POSITION);
        assertThat(c.total).as("reads of %,d characters", code.length())
                .isLessThanOrEqualTo((long) MAX_READS_PER_CHARACTER * code.length());
        return result;
    }

    /**
     * Adversarial repetition must stay linear: 1 MB of {@code unit} takes 4 times the reads of 256 KB (quadratic
     * would take 16 times), and no position is read more often in the larger input. Counted, so exact on any machine.
     */
    static void staysLinear(Scan scan, String unit) {
        String big = unit.repeat((1 << 20) / unit.length());
        String small = unit.repeat((1 << 18) / unit.length());
        ReadCounter s = count(scan, small);
        ReadCounter b = count(scan, big);
        System.out.printf("adversarial %s: 256 KB %,d reads (at most %d at one position), 1 MB %,d reads (%d)%n",
                unit.replace("\n", "\\n"), s.total, s.maxAtOnePosition, b.total, b.maxAtOnePosition);
        double ratio = (double) b.total / Math.max(s.total, 1);
        assertThat(ratio).as("reads of 1 MB / reads of 256 KB of %s", unit).isLessThan(4.5);
        assertThat(b.maxAtOnePosition).as("reads of one position, 1 MB of %s", unit)
                .isLessThanOrEqualTo(Math.max(s.maxAtOnePosition, MAX_READS_AT_ONE_POSITION));
        assertThat(b.total).as("reads of 1 MB of %s", unit)
                .isLessThanOrEqualTo((long) MAX_READS_PER_CHARACTER * big.length());
    }

    /** Prints how long a scan of {@code code} takes after warm-up (a benchmark: no assertion on it). */
    static void printScanTime(SourceScanner scanner, String code) {
        for (int i = 0; i < 5; i++) {
            scanner.scan(code);
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            scanner.scan(code);
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("[bench] %s: %,d chars in %.1f ms (best of 5 after warm-up)%n",
                scanner.getClass().getSimpleName(), code.length(), best / 1e6);
    }

    /** {@code snippet} repeated to about 1 MB. */
    static String megabyteOf(String snippet) {
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < (1 << 20)) {
            sb.append(snippet);
        }
        return sb.toString();
    }
}
