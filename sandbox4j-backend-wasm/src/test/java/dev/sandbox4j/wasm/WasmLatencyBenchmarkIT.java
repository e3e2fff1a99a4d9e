package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SandboxEventListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints the wasm backend's latencies (no assertion on them): making the memory snapshot, opening a session with and
 * without it, a one-shot run, and warm runs in stateless and stateful sessions.
 */
@Tag("benchmark") // prints figures; run with -Dgroups=benchmark -DexcludedGroups=
class WasmLatencyBenchmarkIT {
    private static final int WARM_RUNS = 50;
    private static final int COLD_STARTS = 5;

    @Test
    void printsColdStartAndWarmRunLatency(@TempDir Path cache) {
        StringBuilder report = new StringBuilder("wasm backend latency (Deno + Pyodide)\n");
        try (WasmSandboxClient client = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                .snapshotCache(cache).build()) {
            long t0 = System.nanoTime();
            try (SandboxSession s = client.openSession("python", false)) { // makes the snapshot first
                assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
            }
            report.append(line("first session (makes the snapshot)", ms(t0)));

            List<Double> opens = new ArrayList<>();
            for (int i = 0; i < COLD_STARTS; i++) {
                long t = System.nanoTime();
                try (SandboxSession s = client.openSession("python", false)) {
                    opens.add(ms(t));
                }
            }
            report.append(stats("open session (from snapshot)", opens));

            List<Double> oneShots = new ArrayList<>();
            for (int i = 0; i < COLD_STARTS; i++) {
                long t = System.nanoTime();
                assertThat(client.run("python", "print(1)").stdout()).isEqualTo("1\n");
                oneShots.add(ms(t));
            }
            report.append(stats("one-shot run print(1) (open+run+close)", oneShots));

            for (boolean stateful : new boolean[] {false, true}) {
                try (SandboxSession s = client.openSession("python", stateful)) {
                    s.run("print(0)");
                    report.append(stats("warm run print(1), " + (stateful ? "stateful" : "stateless"),
                            repeat(WARM_RUNS, () -> s.run("print(1)"))));
                }
            }
        }
        try (WasmSandboxClient client = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                .snapshots(false).build()) {
            long t = System.nanoTime();
            try (SandboxSession s = client.openSession("python", false)) {
                report.append(line("open session without snapshot", ms(t)));
            }
        }
        System.out.println(report);
    }

    private static List<Double> repeat(int n, Supplier<ExecutionResult> run) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            ExecutionResult r = run.get();
            times.add(ms(t));
            assertThat(r.stdout()).isEqualTo("1\n");
        }
        return times;
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static String line(String what, double ms) {
        return String.format("  %-42s %8.1f ms%n", what, ms);
    }

    private static String stats(String what, List<Double> times) {
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        double median = sorted.get(sorted.size() / 2);
        double p90 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.9) - 1));
        return String.format("  %-42s median %7.1f ms, p90 %7.1f ms, min %7.1f ms (n=%d)%n", what, median, p90,
                sorted.get(0), sorted.size());
    }
}
