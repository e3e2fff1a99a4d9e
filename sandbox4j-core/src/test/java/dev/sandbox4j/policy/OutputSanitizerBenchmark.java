package dev.sandbox4j.policy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Prints how long {@link OutputSanitizer#defaults()} takes on ordinary and hostile outputs of 256 KiB, 1 MiB and
 * 4 MiB, and the ratio of the 4 MiB time to the 1 MiB time (about 4 when the time is linear, 16 when quadratic).
 * Not a test: the machine is shared, so nothing asserts on time. Run it with
 * {@code java -cp sandbox4j-core/target/classes:sandbox4j-core/target/test-classes:<jspecify.jar>
 * dev.sandbox4j.policy.OutputSanitizerBenchmark}.
 */
public final class OutputSanitizerBenchmark {
    private OutputSanitizerBenchmark() {}

    public static void main(String[] args) {
        Map<String, IntFunction<String>> inputs = new LinkedHashMap<>();
        inputs.put("mixed log lines", n -> fill(n, String.join("\n",
                "2024-05-01T12:30:45Z INFO worker-3 processed batch 1842 in 12.5 ms (v3.11.2)",
                "connect postgres://app:s3cr3t@db.internal:5432/app from 10.0.0.12 via fe80::1ff:fe23:4567:890a",
                "{\"user\": \"bob\", \"password\": [\"a\", \"b\"], \"token\": \"ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\"}",
                "Traceback: File \"/home/alice/proj/main.py\", line 3, Authorization: Bearer abc.def-123",
                "PASSWORD=a b c\nCookie: sessionid=abc123; csrftoken=xyz789\n<password>x</password>", "")));
        inputs.put("one long line of letters", n -> "a".repeat(n));
        inputs.put("keys without values", n -> fill(n, "password= token: secret=\"x "));
        inputs.put("unclosed JSON arrays", n -> fill(n, "{\"password\": [\"a\", "));
        inputs.put("brackets after a key", n -> "password=" + "[".repeat(n));
        inputs.put("unclosed XML elements", n -> fill(n, "<password><a "));
        inputs.put("YAML keys with empty values", n -> fill(n, "password:\n"));
        inputs.put("a YAML block", n -> "password:\n" + fill(n, "  line of the value\n"));
        inputs.put("quotes and backslashes", n -> fill(n, "\\\"\"'\\\\\""));
        inputs.put("token prefixes", n -> fill(n, "eyJAKIAghp_sk-xoxb-://AIza"));
        inputs.put("base64 blob", n -> fill(n, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e"));
        inputs.put("dots and colons", n -> fill(n, "1.1.1.1.1::1:1:"));
        inputs.put("CSV with a secret column", n -> "user,password\n" + fill(n, "bob,hunter2\n"));
        inputs.put("cookie pairs", n -> "Cookie: " + fill(n, "a=1; "));
        inputs.put("home paths", n -> fill(n, "/home/a/home/"));
        OutputSanitizer sanitizer = OutputSanitizer.defaults();
        int[] sizes = {256 << 10, 1 << 20, 4 << 20};
        System.out.printf(Locale.ROOT, "%-30s %10s %10s %10s %8s%n", "input", "256 KiB", "1 MiB", "4 MiB", "4M/1M");
        for (Map.Entry<String, IntFunction<String>> e : inputs.entrySet()) {
            double[] ms = new double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                String text = e.getValue().apply(sizes[i]);
                for (int warm = 0; warm < 2; warm++) {
                    sanitizer.sanitize(text);
                }
                long best = Long.MAX_VALUE;
                for (int run = 0; run < 3; run++) {
                    long t0 = System.nanoTime();
                    sanitizer.sanitize(text);
                    best = Math.min(best, System.nanoTime() - t0);
                }
                ms[i] = best / 1e6;
            }
            System.out.printf(Locale.ROOT, "%-30s %8.1f ms %7.1f ms %7.1f ms %8.1f%n",
                    e.getKey(), ms[0], ms[1], ms[2], ms[2] / ms[1]);
        }
    }

    private static String fill(int n, String chunk) {
        return chunk.repeat(n / chunk.length() + 1).substring(0, n);
    }
}
