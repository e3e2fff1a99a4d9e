// How many box creations at once the engine sustains (scripts/creation-bench runs this; see docs/performance.md).
// For each concurrency C, C workers each open sessions one after another (engine create + start + runner start,
// bounded by maxConcurrentCreations = C), run print(1) in each, and close it; prints sessions/s, median and p95 of
// the open, and median and p95 of print(1)'s in-box duration, which shows what the creations do to programs running
// meanwhile.
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

public class CreationBench {
    public static void main(String[] args) throws Exception {
        int perLevel = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        List<Integer> levels = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            levels.add(Integer.parseInt(args[i]));
        }
        if (levels.isEmpty()) {
            levels = List.of(1, 2, 4, 8);
        }
        System.out.printf("%d cores; %d python sessions per level (open, print(1), close)%n",
                Runtime.getRuntime().availableProcessors(), perLevel);
        System.out.printf("%-12s %10s %12s %12s %14s %14s %6s%n", "concurrency", "sessions/s", "open p50 ms",
                "open p95 ms", "print p50 ms", "print p95 ms", "not ok");
        for (int c : levels) {
            try (SandboxClient client = SandboxClient.builder().eventListener(SandboxEventListener.NONE)
                    .reapOrphans(false).maxConcurrentCreations(c).build()) {
                try (SandboxSession warm = client.openSession("python")) { // image and engine caches warm
                    warm.run("print(1)");
                }
                List<Long> opens = Collections.synchronizedList(new ArrayList<>());
                List<Long> runs = Collections.synchronizedList(new ArrayList<>());
                AtomicInteger next = new AtomicInteger();
                AtomicInteger bad = new AtomicInteger();
                long t0 = System.nanoTime();
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < c; w++) {
                    workers.add(Thread.ofPlatform().start(() -> {
                        while (next.getAndIncrement() < perLevel) {
                            long a = System.nanoTime();
                            try (SandboxSession s = client.openSession("python")) {
                                opens.add((System.nanoTime() - a) / 1_000_000);
                                ExecutionResult r = s.run("print(1)", RunOptions.timeout(Duration.ofSeconds(30)));
                                runs.add(r.duration().toMillis());
                                if (!r.stdout().equals("1\n")) {
                                    bad.incrementAndGet();
                                }
                            } catch (RuntimeException e) {
                                bad.incrementAndGet();
                                System.err.println("  " + e);
                            }
                        }
                    }));
                }
                for (Thread t : workers) {
                    t.join();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%-12d %10.2f %12d %12d %14d %14d %6d%n", c, perLevel / secs, pct(opens, 50),
                        pct(opens, 95), pct(runs, 50), pct(runs, 95), bad.get());
            }
        }
    }

    static long pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
