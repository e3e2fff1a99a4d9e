package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.DockerTestSupport.RUN_ID;
import static dev.sandbox4j.docker.DockerTestSupport.RUN_LABEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Warm pools against the real engine: pooled boxes serve sessions and one-shot runs, are hardened like any box,
 * never serve two sessions, and are all removed when the client closes. Prints latency figures ({@code [bench]}).
 */
@Tag("docker")
class PoolIT {
    /** The run-id label must be part of the pool's runtime, so that sessions of {@link #options()} match it. */
    static final RuntimeConfig RUNTIME = RuntimeConfig.builder().label(RUN_LABEL, RUN_ID).build();
    static final String POOL_LABEL = "dev.sandbox4j.pool";

    @BeforeAll
    static void engine() {
        DockerTestSupport.requireEngine();
    }

    @AfterAll
    static void noLeftovers() {
        DockerTestSupport.assertNoLeftovers();
    }

    static SessionOptions options() {
        return DockerTestSupport.options().build();
    }

    static SandboxClient pooled(PoolConfig.Builder pool) {
        return DockerTestSupport.clientBuilder().pool(pool.runtime(RUNTIME).build()).build();
    }

    static PoolStats stats(SandboxClient c) {
        return c.poolStats().get(0);
    }

    static List<Container> poolBoxes() {
        try (DockerClient dc = DockerTestSupport.docker()) {
            return dc.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(RUN_LABEL, RUN_ID, POOL_LABEL, "python")).exec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for {@code condition}; the timeouts given are generous bounds that only a condition never met reaches. */
    static void await(String what, BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static void awaitReady(SandboxClient c, int n) {
        await(n + " ready pooled box(es)", () -> stats(c).ready() >= n, Duration.ofSeconds(60));
    }

    @Test
    void sessionAndOneShotRunUseHardenedPooledBoxes() {
        try (SandboxClient client = pooled(PoolConfig.builder("python").minSize(1).maxSize(2))) {
            awaitReady(client, 1);
            List<Container> before = poolBoxes();
            assertThat(before).hasSize(1);
            Container box = before.get(0);
            assertThat(box.getNames()[0]).matches("/sandbox4j-python-pool-[0-9a-f]{12}");
            assertThat(box.getLabels()).containsEntry("dev.sandbox4j.managed", "true")
                    .containsEntry("dev.sandbox4j.language", "python")
                    .containsKey("dev.sandbox4j.owner");
            try (DockerClient dc = DockerTestSupport.docker()) {
                InspectContainerResponse c = dc.inspectContainerCmd(box.getId()).exec();
                assertThat(c.getHostConfig().getReadonlyRootfs()).isTrue();
                assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("none");
                assertThat(c.getHostConfig().getMemory()).isEqualTo(512L << 20);
                assertThat(String.valueOf(List.of(c.getHostConfig().getCapDrop()))).contains("ALL");
                assertThat(c.getConfig().getUser()).isEqualTo("65533:65533");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }

            try (SandboxSession s = client.openSession("python", options())) {
                assertThat(stats(client).handedOut()).isEqualTo(1);
                assertThat(s.exec("ls", "-A", "/workspace").stdout()).isEmpty();
                ExecutionResult r = s.run("import os; print(1, os.getuid())");
                assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
                assertThat(r.stdout()).isEqualTo("1 65534\n");
            }
            await("the used box removed", () -> poolBoxes().stream().noneMatch(c -> c.getId().equals(box.getId())),
                    Duration.ofSeconds(60));
            assertThat(stats(client).inUse()).isZero();

            awaitReady(client, 1);
            ExecutionResult once = client.run("python", "print(6 * 7)", options(), RunOptions.defaults());
            assertThat(once.stdout()).isEqualTo("42\n");
            PoolStats s = stats(client);
            assertThat(s.handedOut()).isEqualTo(2);
            assertThat(s.misses()).isZero();
            assertThat(s.temporaries()).isZero();
            assertThat(s.removedUnhealthy()).isZero();
        }
        assertThat(poolBoxes()).isEmpty();
    }

    @Test
    void fiftyConcurrentSessionsFromEightThreadsLeaveNoBox() throws Exception {
        int maxSize = 4;
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get()) {
                maxSeen.accumulateAndGet(poolBoxes().size(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        AtomicInteger ok = new AtomicInteger();
        PoolStats last;
        try (SandboxClient client = pooled(PoolConfig.builder("python").minSize(2).maxSize(maxSize)
                .exhaustion(PoolConfig.Exhaustion.WAIT).acquireTimeout(Duration.ofSeconds(60)))) {
            awaitReady(client, 2);
            List<Future<?>> futures = new ArrayList<>();
            try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
                for (int i = 0; i < 50; i++) {
                    futures.add(threads.submit(() -> {
                        try (SandboxSession s = client.openSession("python", options())) {
                            // a box shared with another session would show that session's file
                            s.putFile("owner-" + s.id(), s.id().getBytes(StandardCharsets.UTF_8));
                            ExecutionResult r = s.run("import os; print(sorted(os.listdir('.')))");
                            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
                            assertThat(r.stdout().strip()).isEqualTo("['owner-" + s.id() + "']");
                            ok.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            }
            last = stats(client);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertThat(ok.get()).isEqualTo(50);
        assertThat(last.handedOut()).isEqualTo(50);
        assertThat(last.temporaries()).isZero();
        assertThat(last.inUse()).isZero();
        assertThat(maxSeen.get()).as("pooled boxes at once").isBetween(1, maxSize);
        assertThat(poolBoxes()).isEmpty();
        DockerTestSupport.assertNoLeftovers();
    }

    @Test
    void closeDrainsIdleBoxesAndCreationsInFlight() {
        SandboxClient client = pooled(PoolConfig.builder("python").minSize(3).maxSize(4));
        awaitReady(client, 3);
        SandboxSession s = client.openSession("python", options()); // triggers a refill that is still running
        assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
        client.close();
        assertThat(s.isOpen()).isFalse();
        assertThat(poolBoxes()).isEmpty();
        DockerTestSupport.assertNoLeftovers();
    }

    /** Latency of opening a session and of a one-shot run, with and without a ready pooled box. No asserts. */
    @Test
    @Tag("benchmark") // prints figures; run with -Dgroups=benchmark -DexcludedGroups=
    void benchmark() {
        int warmUp = 3;
        int iterations = 30;
        SessionOptions options = options();
        try (SandboxClient cold = DockerTestSupport.client();
                SandboxClient warm = pooled(PoolConfig.builder("python").minSize(1).maxSize(2))) {
            awaitReady(warm, 1);
            List<Long> coldOpen = new ArrayList<>();
            List<Long> warmOpen = new ArrayList<>();
            List<Long> coldRun = new ArrayList<>();
            List<Long> warmRun = new ArrayList<>();
            List<Long> warmClose = new ArrayList<>();
            for (int i = 0; i < warmUp + iterations; i++) {
                boolean record = i >= warmUp;
                time(coldOpen, record, () -> cold.openSession("python", options)).close();
                awaitReady(warm, 1);
                SandboxSession s = time(warmOpen, record, () -> warm.openSession("python", options));
                time(warmClose, record, () -> {
                    s.close();
                    return null;
                });
                time(coldRun, record, () -> cold.run("python", "print(1)", options, RunOptions.defaults()));
                awaitReady(warm, 1);
                time(warmRun, record, () -> warm.run("python", "print(1)", options, RunOptions.defaults()));
            }
            PoolStats st = stats(warm);
            System.out.println("[bench] warm pool, python, " + iterations + " iterations after " + warmUp
                    + " warm-up (a ready box before each pooled operation)");
            print("session open, cold (create + start a box)", coldOpen);
            print("session open, from the pool", warmOpen);
            print("session close, pooled box (remove)", warmClose);
            print("one-shot run print(1), cold", coldRun);
            print("one-shot run print(1), through the pool", warmRun);
            System.out.println("[bench] pool stats: " + st);
        }
    }

    static <T> T time(List<Long> into, boolean record, Supplier<T> op) {
        long t0 = System.nanoTime();
        T result = op.get();
        if (record) {
            into.add(System.nanoTime() - t0);
        }
        return result;
    }

    static void print(String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2.0;
        long p95 = sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        System.out.printf("[bench] %-45s median %6.1f ms   p95 %6.1f ms   (n=%d)%n", what, median / 1e6, p95 / 1e6,
                sorted.size());
    }
}
