package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.PoolStats;
import dev.sandbox4j.SandboxClient;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pool counters of {@code /metrics}, read from the exposition the way Prometheus reads it. */
class ServerMetricsTest {
    /** A client that only answers what the metrics ask: its pools' statistics and its open sessions. */
    static SandboxClient client(AtomicReference<List<PoolStats>> pools) {
        return (SandboxClient) Proxy.newProxyInstance(SandboxClient.class.getClassLoader(),
                new Class<?>[] {SandboxClient.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "poolStats" -> pools.get();
                    case "openSessions" -> 0;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "pool stats client";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    static PoolStats python(long recycled, long scrubFailures) {
        return new PoolStats("python", "sandbox4j/python", 1, 0, 3, 9, 1, 0, 0, 0, recycled, scrubFailures);
    }

    /** Every sample of {@code exposition}: series (name and labels) to value; fails on a line that is no sample. */
    static Map<String, Double> samples(String exposition) {
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*})?) (\\S+)");
        Map<String, Double> m = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher x = sample.matcher(line);
            assertThat(x.matches()).as("a sample line: " + line).isTrue();
            m.put(x.group(1), Double.parseDouble(x.group(2)));
        }
        return m;
    }

    @Test
    void recycledBoxesAndScrubFailuresOfEachPoolAreCounters() {
        AtomicReference<List<PoolStats>> pools = new AtomicReference<>(List.of(python(0, 0)));
        try (ServerMetrics metrics = new ServerMetrics(() -> 0, () -> 0, () -> 0, client(pools))) {
            String before = metrics.scrape();
            assertThat(before).contains("# TYPE sandbox_pool_recycled_total counter")
                    .contains("# TYPE sandbox_pool_scrub_failures_total counter");
            assertThat(samples(before)).containsEntry("sandbox_pool_recycled_total{language=\"python\"}", 0.0)
                    .containsEntry("sandbox_pool_scrub_failures_total{language=\"python\"}", 0.0);

            pools.set(List.of(python(7, 2)));
            Map<String, Double> after = samples(metrics.scrape());
            assertThat(after).containsEntry("sandbox_pool_recycled_total{language=\"python\"}", 7.0)
                    .containsEntry("sandbox_pool_scrub_failures_total{language=\"python\"}", 2.0)
                    .containsEntry("sandbox_pool_ready{language=\"python\"}", 1.0)
                    .containsEntry("sandbox_pool_misses{language=\"python\"}", 1.0);
        }
    }

    @Test
    void refusalsAreCountedByReason() {
        try (ServerMetrics metrics = new ServerMetrics(() -> 0, () -> 0, () -> 3,
                client(new AtomicReference<>(List.of())))) {
            metrics.rejected("too_many_creations");
            metrics.rejected("too_many_creations");
            metrics.rejected("too_many_runs");
            Map<String, Double> m = samples(metrics.scrape());
            assertThat(m).containsEntry("sandbox_requests_rejected_total{reason=\"too_many_creations\"}", 2.0)
                    .containsEntry("sandbox_requests_rejected_total{reason=\"too_many_runs\"}", 1.0)
                    .containsEntry("sandbox_runs_waiting", 3.0);
        }
    }
}
