package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolConfig.Exhaustion;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The warm pool against an in-memory backend with counted, optionally slow or failing box creation. */
class WarmPoolTest {
    private static final RuntimeConfig RUNTIME = RuntimeConfig.builder().label("test", "pool").build();
    private static final SessionOptions OPTIONS = SessionOptions.builder().runtime(RUNTIME).build();

    private final PoolBackend backend = new PoolBackend();
    private final List<SandboxClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        backend.gate.countDown();
        clients.forEach(SandboxClient::close);
        assertThat(backend.live).as("boxes left after the clients closed").isEmpty();
        assertThat(backend.removeCounts.values()).as("a box removed twice").allMatch(n -> n.get() == 1);
    }

    private SandboxClient client(PoolConfig.Builder... pools) {
        SandboxClient.Builder b = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .eventListener(SandboxEventListener.NONE);
        for (PoolConfig.Builder p : pools) {
            b.pool(p.build());
        }
        SandboxClient c = b.build();
        clients.add(c);
        return c;
    }

    private static PoolConfig.Builder python() {
        return PoolConfig.builder("python").runtime(RUNTIME);
    }

    private static PoolStats stats(SandboxClient c) {
        return c.poolStats().get(0);
    }

    /** Waits for {@code condition}; generous (the fake engine answers at once), only a condition never met waits it out. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static void awaitReady(SandboxClient c, int n) {
        await(n + " ready box(es), now " + c.poolStats(), () -> stats(c).ready() == n);
    }

    /** The box a session runs in, as the backend saw it in the session's exec. */
    private String boxOf(SandboxSession s) {
        ExecutionResult r = s.run("print(1)", RunOptions.builder().env("SID", s.id()).build());
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        return backend.boxBySession.get(s.id());
    }

    @Test
    void buildDoesNotBlockAndThePoolFillsToMinSizeWithLabelledBoxes() {
        backend.gate = new CountDownLatch(1); // every creation blocks until released
        // the creations block until released below: a build that waited for them would never return (the bound only
        // turns that hang into a failure)
        SandboxClient c = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> client(python().minSize(2)));
        assertThat(stats(c).ready()).isZero();
        backend.gate.countDown();
        awaitReady(c, 2);
        assertThat(backend.creates.get()).isEqualTo(2);
        for (Box b : backend.live.values()) {
            assertThat(b.name()).matches("sandbox4j-python-pool-[0-9a-f]{12}");
            assertThat(b.spec().labels())
                    .containsEntry("dev.sandbox4j.managed", "true")
                    .containsEntry("dev.sandbox4j.pool", "python")
                    .containsEntry("dev.sandbox4j.language", "python")
                    .containsEntry("dev.sandbox4j.owner", Owner.SELF)
                    .containsEntry("dev.sandbox4j.session", b.name().substring("sandbox4j-python-".length()))
                    .containsEntry("test", "pool")
                    .containsKey("dev.sandbox4j.created");
            assertThat(b.spec().image()).isEqualTo("sandbox4j/python:bookworm");
            assertThat(b.spec().supervisorUser()).isEqualTo("65533:65533");
            assertThat(b.spec().limits()).isEqualTo(ResourceLimits.defaults());
        }
        PoolStats s = stats(c);
        assertThat(s.language()).isEqualTo("python");
        assertThat(s.image()).isEqualTo("sandbox4j/python:bookworm");
        assertThat(s.created()).isEqualTo(2);
        assertThat(s.inUse()).isZero();
    }

    @Test
    void sessionTakesAPooledBoxAndThePoolRefills() {
        SandboxClient c = client(python().minSize(2).maxSize(4));
        awaitReady(c, 2);
        Set<String> pooled = Set.copyOf(backend.live.keySet());
        SandboxSession s = c.openSession("py", OPTIONS);
        String box = boxOf(s);
        assertThat(pooled).contains(box);
        assertThat(backend.live.get(box).name()).startsWith("sandbox4j-python-pool-");
        assertThat(stats(c).inUse()).isEqualTo(1);
        assertThat(stats(c).handedOut()).isEqualTo(1);
        await("refilled to 2", () -> stats(c).ready() == 2 && stats(c).created() == 3);
        s.close();
        assertThat(backend.live).doesNotContainKey(box);
        assertThat(stats(c).inUse()).isZero();
        assertThat(stats(c).misses()).isZero();
        assertThat(stats(c).ready()).isEqualTo(2);
    }

    @Test
    void oneShotRunUsesThePool() {
        SandboxClient c = client(python());
        awaitReady(c, 1);
        int before = backend.creates.get();
        ExecutionResult r = c.run("python", "print(1)", OPTIONS, RunOptions.defaults());
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        assertThat(backend.execBoxNames).anyMatch(n -> n.startsWith("sandbox4j-python-pool-"));
        assertThat(backend.execBoxNames).noneMatch(n -> !n.startsWith("sandbox4j-python-pool-"));
        await("refilled", () -> stats(c).ready() == 1);
        // the one-shot's box is removed in the background, after the result was returned
        await("the one-shot's box given back", () -> stats(c).inUse() == 0);
        assertThat(backend.creates.get()).isEqualTo(before + 1); // only the refill
        assertThat(stats(c).handedOut()).isEqualTo(1);
    }

    @Test
    void waitBlocksUntilABoxFreesUpThenTimesOutWithAClearException() throws Exception {
        SandboxClient c = client(python().minSize(1).maxSize(1).exhaustion(Exhaustion.WAIT)
                .acquireTimeout(Duration.ofMillis(400)));
        awaitReady(c, 1);
        SandboxSession first = c.openSession("python", OPTIONS);
        CompletableFuture<SandboxSession> second = CompletableFuture.supplyAsync(() -> c.openSession("python", OPTIONS));
        Thread.sleep(150);
        assertThat(second).isNotDone(); // maxSize 1 is in use
        first.close();
        SandboxSession s2 = second.get(60, TimeUnit.SECONDS); // generous: it gets the freed box at once
        assertThat(backend.live.get(boxOf(s2)).name()).startsWith("sandbox4j-python-pool-");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> c.openSession("python", OPTIONS))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageContaining("warm pool 'python' (sandbox4j/python:bookworm)")
                .hasMessageContaining("within acquireTimeout 400 ms")
                .hasMessageContaining("1 of maxSize 1 in use")
                .satisfies(e -> assertThat(((PoolExhaustedException) e).waited()).isEqualTo(Duration.ofMillis(400)));
        // a lower bound: the wait lasts its acquire timeout (a slow machine only makes it longer; returning early is the
        // bug this catches)
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(390));
        assertThat(c.openSessions()).isEqualTo(1);
        s2.close();
        PoolStats s = stats(c);
        assertThat(s.handedOut()).isEqualTo(2);
        assertThat(s.misses()).isEqualTo(2);
        assertThat(s.temporaries()).isZero();
        assertThat(backend.live.values()).allMatch(b -> b.name().startsWith("sandbox4j-python-pool-"));
    }

    @Test
    void waitCreatesABoxForTheWaiterWhenBelowMaxSize() {
        SandboxClient c = client(python().minSize(0).maxSize(2).exhaustion(Exhaustion.WAIT));
        assertThat(stats(c).ready()).isZero();
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            assertThat(backend.live.get(boxOf(s)).name()).startsWith("sandbox4j-python-pool-");
        }
        assertThat(stats(c).misses()).isEqualTo(1);
        assertThat(stats(c).ready()).isZero(); // minSize 0: nothing kept
    }

    @Test
    void waitingSessionGetsACreationFailureAtOnce() {
        backend.failCreates = true;
        SandboxClient c = client(python().exhaustion(Exhaustion.WAIT).acquireTimeout(Duration.ofSeconds(30)));
        await("the first creation failed", () -> backend.failures.get() >= 1);
        // the pool backs off after a failure; the waiting session gets the next attempt's failure (a BackendException),
        // not the acquire timeout's PoolExhaustedException; the preemptive bound only keeps a hang from blocking the build
        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(35),
                () -> c.openSession("python", OPTIONS)))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("warm pool 'python' (sandbox4j/python:bookworm) could not create a box")
                .hasMessageContaining("engine on fire");
    }

    @Test
    void failFastThrowsAtOnceAndCreatesNothing() {
        SandboxClient c = client(python().minSize(1).maxSize(1).exhaustion(Exhaustion.FAIL_FAST)
                .acquireTimeout(Duration.ofMinutes(10)));
        awaitReady(c, 1);
        try (SandboxSession first = c.openSession("python", OPTIONS)) {
            int creates = backend.creates.get();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> c.openSession("python", OPTIONS))
                    .isInstanceOf(PoolExhaustedException.class)
                    .hasMessageContaining("warm pool 'python'")
                    .hasMessageContaining("FAIL_FAST")
                    .satisfies(e -> assertThat(((PoolExhaustedException) e).waited()).isNull())
                    .satisfies(e -> assertThat(((PoolExhaustedException) e).language()).isEqualTo("python"));
            // a deadline, not a speed claim: FAIL_FAST does not wait; only waiting for the 10 min acquire timeout gets
            // near this
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
            assertThat(backend.creates.get()).isEqualTo(creates);
            assertThat(c.openSessions()).isEqualTo(1);
            assertThat(boxOf(first)).isNotNull();
        }
    }

    @Test
    void createTemporaryMakesABoxOutsideThePool() {
        SandboxClient c = client(python().minSize(1).maxSize(1)); // CREATE_TEMPORARY is the default
        awaitReady(c, 1);
        try (SandboxSession pooled = c.openSession("python", OPTIONS);
                SandboxSession temporary = c.openSession("python", OPTIONS)) {
            assertThat(backend.live.get(boxOf(pooled)).name()).startsWith("sandbox4j-python-pool-");
            Box t = backend.live.get(boxOf(temporary));
            assertThat(t.name()).isEqualTo("sandbox4j-python-" + temporary.id());
            assertThat(t.spec().labels()).doesNotContainKey("dev.sandbox4j.pool")
                    .containsEntry("dev.sandbox4j.session", temporary.id());
            PoolStats s = stats(c);
            assertThat(s.inUse()).isEqualTo(1);
            assertThat(s.misses()).isEqualTo(1);
            assertThat(s.temporaries()).isEqualTo(1);
            assertThat(s.handedOut()).isEqualTo(1);
        }
        assertThat(stats(c).inUse()).isZero();
    }

    @Test
    void expiredIdleBoxesAreReplacedInTheBackground() {
        SandboxClient c = client(python().minSize(1).maxAge(Duration.ofMillis(150))
                .healthCheckInterval(Duration.ofMillis(50)));
        awaitReady(c, 1);
        String first = backend.live.keySet().iterator().next();
        await("the first box replaced", () -> stats(c).removedExpired() >= 1 && !backend.live.containsKey(first)
                && stats(c).ready() == 1);
        assertThat(backend.removeCounts).containsKey(first);
    }

    @Test
    void expiredBoxIsNotHandedOut() throws Exception {
        SandboxClient c = client(python().minSize(1).maxAge(Duration.ofMillis(100))
                .healthCheckInterval(Duration.ofHours(1)));
        awaitReady(c, 1);
        String old = backend.live.keySet().iterator().next();
        Thread.sleep(200);
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            assertThat(boxOf(s)).isNotEqualTo(old);
            assertThat(backend.live.get(boxOf(s)).name()).isEqualTo("sandbox4j-python-" + s.id()); // a temporary
        }
        await("expired box removed", () -> !backend.live.containsKey(old));
        assertThat(stats(c).removedExpired()).isEqualTo(1);
        assertThat(stats(c).temporaries()).isEqualTo(1);
    }

    @Test
    void deadBoxIsSkippedAtHandOut() {
        SandboxClient c = client(python().minSize(1).maxSize(2).exhaustion(Exhaustion.WAIT)
                .healthCheckInterval(Duration.ofHours(1)));
        awaitReady(c, 1);
        String dead = backend.live.keySet().iterator().next();
        backend.dead.add(dead);
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            String box = boxOf(s);
            assertThat(box).isNotEqualTo(dead);
            assertThat(backend.live.get(box).name()).startsWith("sandbox4j-python-pool-");
        }
        await("dead box removed", () -> !backend.live.containsKey(dead));
        assertThat(stats(c).removedUnhealthy()).isEqualTo(1);
        assertThat(backend.isRunningCalls.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void openingAPooledSessionDoesNotAskTheEngineForTheImagesLabels() {
        SandboxClient c = client(python().minSize(1).maxSize(2));
        awaitReady(c, 1);
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            assertThat(backend.live.get(boxOf(s)).name()).startsWith("sandbox4j-python-pool-");
            // the refill reads them for the next box on a thread of its own
            assertThat(backend.imageLabelsCallers).as("read while the box waited, not at hand-out")
                    .doesNotContain(Thread.currentThread());
        }
    }

    @Test
    void healthCheckRemovesDeadIdleBoxesAndRefills() {
        SandboxClient c = client(python().minSize(2).healthCheckInterval(Duration.ofMillis(50)));
        awaitReady(c, 2);
        String dead = backend.live.keySet().iterator().next();
        backend.dead.add(dead);
        await("dead box replaced", () -> !backend.live.containsKey(dead) && stats(c).ready() == 2);
        assertThat(stats(c).removedUnhealthy()).isEqualTo(1);
        assertThat(stats(c).created()).isEqualTo(3);
    }

    @Test
    void closeDrainsIdleBoxesAndWaitsForCreationsInFlight() throws Exception {
        SandboxClient c = client(python().minSize(2).maxSize(4));
        awaitReady(c, 2);
        backend.gate = new CountDownLatch(1); // the refill after the hand-out hangs in create
        SandboxSession s = c.openSession("python", OPTIONS);
        await("a creation in flight", () -> backend.blocked.get() == 1);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(c::close);
        Thread.sleep(200);
        assertThat(closing).as("close waits for the creation in flight").isNotDone();
        assertThat(s.isOpen()).isFalse();
        backend.gate.countDown();
        closing.get(5, TimeUnit.SECONDS);
        assertThat(backend.live).isEmpty();
        assertThat(backend.creates.get()).isEqualTo(3);
        assertThat(backend.removeCounts).hasSize(3);
        assertThatThrownBy(() -> c.openSession("python", OPTIONS)).isInstanceOf(SessionClosedException.class);
    }

    @Test
    void sessionsWithAnotherProfileBypassThePool() {
        SandboxClient c = client(python().minSize(1));
        awaitReady(c, 1);
        List<SessionOptions> others = List.of(
                OPTIONS.toBuilder().limits(ResourceLimits.builder().memory(DataSize.ofMegabytes(256)).build())
                        .build(),
                OPTIONS.toBuilder().runtime(RUNTIME.toBuilder().env("A", "1").build()).build(),
                OPTIONS.toBuilder().runtime(RUNTIME.toBuilder().image("my/python:1").build()).build(),
                OPTIONS.toBuilder().runtime(RUNTIME.toBuilder().user("1000:1000").build()).build(),
                SessionOptions.defaults()); // no "test" label
        backend.images.add("my/python:1");
        for (SessionOptions o : others) {
            try (SandboxSession s = c.openSession("python", o)) {
                assertThat(backend.live.get(boxOf(s)).name()).isEqualTo("sandbox4j-python-" + s.id());
            }
        }
        try (SandboxSession js = c.openSession("javascript", OPTIONS)) {
            assertThat(backend.live.get(boxOf(js)).name()).isEqualTo("sandbox4j-javascript-" + js.id());
        }
        PoolStats s = stats(c);
        assertThat(s.handedOut()).isZero();
        assertThat(s.misses()).isZero();
        assertThat(s.ready()).isEqualTo(1);
        // the same profile, spelled with the default image explicitly, does use the pool
        try (SandboxSession same = c.openSession("python",
                OPTIONS.toBuilder().runtime(RUNTIME.toBuilder().image("sandbox4j/python:bookworm").build()).build())) {
            assertThat(backend.live.get(boxOf(same)).name()).startsWith("sandbox4j-python-pool-");
        }
    }

    @Test
    void compiledLanguagePoolMatchesSessionsWithTheExecutableWorkdirTheyGet() {
        SandboxClient c = client(PoolConfig.builder("c++").runtime(RUNTIME)); // alias of cpp
        awaitReady(c, 1);
        Box pooled = backend.live.values().iterator().next();
        assertThat(pooled.spec().runtime().workdirExecutable()).isTrue();
        assertThat(pooled.name()).startsWith("sandbox4j-cpp-pool-");
        assertThat(stats(c).language()).isEqualTo("cpp");
        try (SandboxSession s = c.openSession("cpp", OPTIONS)) {
            assertThat(s.exec(List.of("true"), RunOptions.builder().env("SID", s.id()).build()).status())
                    .isEqualTo(ExecutionStatus.OK);
            assertThat(backend.boxBySession.get(s.id())).isEqualTo(pooled.id());
        }
    }

    @Test
    void boxOfASessionThatFailsToStartIsRemovedAndItsCapacityReturned() {
        backend.imageLabels = Map.of(DefaultSandboxSession.LABEL_WORKSPACE_SEED, "/opt/seed");
        SandboxClient c = client(python().minSize(1).maxSize(1).exhaustion(Exhaustion.FAIL_FAST));
        awaitReady(c, 1);
        String pooled = backend.live.keySet().iterator().next();
        backend.failExecs = true; // restoring the saved work directory fails: start() throws
        assertThatThrownBy(() -> c.openSession("python", OPTIONS)).isInstanceOf(BackendException.class);
        assertThat(backend.live).doesNotContainKey(pooled);
        assertThat(c.openSessions()).isZero();
        assertThat(stats(c).inUse()).isZero();
        backend.failExecs = false;
        backend.imageLabels = Map.of();
        awaitReady(c, 1); // refilled: the failed session's capacity came back
    }

    @Test
    void orphanReapingLeavesTheLiveClientsPoolBoxesAlone() {
        SandboxClient c = client(python().minSize(2));
        awaitReady(c, 2);
        assertThat(c.removeOrphans()).isEmpty();
        try (SandboxClient other = client()) {
            assertThat(other.removeOrphans()).isEmpty();
        }
        assertThat(stats(c).ready()).isEqualTo(2);
        assertThat(backend.live).hasSize(2);
    }

    @Test
    void builderRejectsUnknownLanguagesAndDuplicateProfiles() {
        assertThatThrownBy(() -> client(PoolConfig.builder("cobol")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cobol");
        assertThatThrownBy(() -> client(python(), PoolConfig.builder("py").runtime(RUNTIME).maxSize(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same profile").hasMessageContaining("python");
        assertThat(backend.creates.get()).isZero();
        SandboxClient none = client();
        assertThat(none.poolStats()).isEmpty();
        SandboxClient two = client(python().minSize(0), PoolConfig.builder("javascript").minSize(0));
        assertThat(two.poolStats()).extracting(PoolStats::language).containsExactly("python", "javascript");
    }

    @ParameterizedTest
    @EnumSource(value = Exhaustion.class, names = {"WAIT", "CREATE_TEMPORARY"})
    void fiftySessionsFromEightThreads(Exhaustion exhaustion) throws Exception {
        backend.createLatency = Duration.ofMillis(15);
        SandboxClient c = client(python().minSize(2).maxSize(4).exhaustion(exhaustion)
                .acquireTimeout(Duration.ofSeconds(60)));
        awaitReady(c, 2);
        AtomicInteger ok = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 50; i++) {
                futures.add(pool.submit(() -> {
                    try (SandboxSession s = c.openSession("python", OPTIONS)) {
                        String box = boxOf(s);
                        assertThat(backend.live).containsKey(box);
                        Thread.sleep(5);
                        assertThat(boxOf(s)).isEqualTo(box);
                        ok.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        assertThat(ok.get()).isEqualTo(50);
        PoolStats s = stats(c);
        assertThat(s.inUse()).isZero();
        assertThat(s.handedOut() + s.temporaries()).isEqualTo(50);
        if (exhaustion == Exhaustion.WAIT) {
            assertThat(s.temporaries()).isZero();
        }
        assertThat(backend.maxLivePooled.get()).as("pooled boxes alive at once").isLessThanOrEqualTo(4);
        // no box served two sessions
        Map<String, Set<String>> sessionsByBox = new ConcurrentHashMap<>();
        backend.boxBySession.forEach((sid, box) -> sessionsByBox.computeIfAbsent(box, k -> ConcurrentHashMap.newKeySet())
                .add(sid));
        assertThat(backend.boxBySession).hasSize(50);
        assertThat(sessionsByBox.values()).allMatch(set -> set.size() == 1);
        await("refilled", () -> stats(c).ready() == 2);
        c.close();
        assertThat(backend.live).isEmpty();
        assertThat(backend.removeCounts.values()).allMatch(n -> n.get() == 1);
        assertThat(backend.removeCounts.keySet()).containsExactlyInAnyOrderElementsOf(backend.createdIds);
    }

    /**
     * A backend whose boxes are records: counts creations and removals, tracks the most pooled boxes alive at once,
     * can delay, block ({@link #gate}) or fail creations, mark boxes dead, and records which box each session's exec
     * ran in (sessions pass their id as {@code SID}).
     */
    static final class PoolBackend implements SandboxBackend {
        final Map<String, Box> live = new ConcurrentHashMap<>();
        final List<String> createdIds = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> removeCounts = new ConcurrentHashMap<>();
        final Set<String> dead = ConcurrentHashMap.newKeySet();
        final Set<String> images = ConcurrentHashMap.newKeySet();
        final Map<String, String> boxBySession = new ConcurrentHashMap<>();
        final List<String> execBoxNames = new CopyOnWriteArrayList<>();
        final AtomicInteger creates = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger blocked = new AtomicInteger();
        final AtomicInteger isRunningCalls = new AtomicInteger();
        final List<Thread> imageLabelsCallers = new CopyOnWriteArrayList<>();
        final AtomicInteger livePooled = new AtomicInteger();
        final AtomicInteger maxLivePooled = new AtomicInteger();
        private final AtomicInteger ids = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile Duration createLatency = Duration.ZERO;
        volatile boolean failCreates;
        volatile boolean failExecs;
        volatile Map<String, String> imageLabels = Map.of();
        /** What the scrub of a recycled box prints and exits with. */
        volatile String scrubOutput = "scrub clean\n";
        volatile int scrubExit = 0;
        final List<String> scrubbed = new CopyOnWriteArrayList<>();
        final List<ExecRequest> scrubRequests = new CopyOnWriteArrayList<>();
        /** Whether boxes get a resident runner (a fake speaking the runner's frames: runs print 1, kills leave 0). */
        volatile boolean withRunner;
        /** What the fake runner answers to a kill request: how many processes were left. */
        volatile int runnerKillLeft;

        /**
         * A resident runner that answers the host's requests the way box/runner.pl does: R when started, O and X for
         * a run (printing 1, recording the SID of its environment), K for a kill; it exits when its input ends.
         */
        private ExecHandle fakeRunner(Box box, InputStream in, OutputSink sink) {
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (java.io.DataInputStream data = new java.io.DataInputStream(in)) {
                    frame(sink, 'R', "pid=7 dumpable=0 kill=1");
                    while (true) {
                        int count = data.readInt();
                        List<String> fields = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            byte[] f = new byte[data.readInt()];
                            data.readFully(f);
                            fields.add(new String(f, java.nio.charset.StandardCharsets.UTF_8));
                        }
                        if (fields.get(0).equals("run")) {
                            for (String f : fields) {
                                if (f.startsWith("SID=")) {
                                    boxBySession.putIfAbsent(f.substring(4), box.id());
                                }
                            }
                            execBoxNames.add(box.name());
                            frame(sink, 'O', "1\n");
                            frame(sink, 'X', "code=0 left=0");
                        } else if (fields.get(0).equals("kill")) {
                            frame(sink, 'K', "left=" + runnerKillLeft);
                        }
                    }
                } catch (IOException e) {
                    exit.complete(0); // the host closed the runner's input
                }
            });
            return new ExecHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return exit;
                }

                @Override
                public void close() {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // closed already
                    }
                    exit.complete(137);
                }
            };
        }

        private static void frame(OutputSink sink, char type, String payload) {
            byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            sink.stdout(java.nio.ByteBuffer.allocate(5 + p.length).put((byte) type).putInt(p.length).put(p).array());
        }

        PoolBackend() {
            LanguageRegistry.discover(List.of()).handlers().forEach(h -> images.add(h.defaultImage()));
        }

        SandboxBackendFactory factory() {
            PoolBackend self = this;
            return new SandboxBackendFactory() {
                @Override
                public String name() {
                    return "pool-fake";
                }

                @Override
                public Availability probe(BackendConfig config) {
                    return Availability.available("pool-fake");
                }

                @Override
                public SandboxBackend create(BackendConfig config) {
                    return self;
                }
            };
        }

        @Override
        public String name() {
            return "pool-fake";
        }

        @Override
        public String describe() {
            return "in-memory backend for pool tests";
        }

        @Override
        public boolean imageExists(String image) {
            return images.contains(image);
        }

        @Override
        public Map<String, String> imageLabels(String image) {
            imageLabelsCallers.add(Thread.currentThread());
            return images.contains(image) ? imageLabels : null;
        }

        @Override
        public Box create(BoxSpec spec) {
            if (gate.getCount() > 0) {
                blocked.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    throw new BackendException("pool-fake", "interrupted", e);
                } finally {
                    blocked.decrementAndGet();
                }
            }
            sleep(createLatency);
            if (failCreates) {
                failures.incrementAndGet();
                throw new BackendException("pool-fake", "create container " + spec.name() + " failed: engine on fire",
                        null);
            }
            if (!images.contains(spec.image())) {
                throw new dev.sandbox4j.ImageUnavailableException(spec.image(), "no image " + spec.image(), null);
            }
            Box b = new Box("box" + ids.incrementAndGet(), spec.name(), spec);
            if (spec.labels().containsKey(BoxPool.LABEL_POOL)) {
                int n = livePooled.incrementAndGet();
                maxLivePooled.accumulateAndGet(n, Math::max);
            }
            live.put(b.id(), b);
            createdIds.add(b.id());
            creates.incrementAndGet();
            return b;
        }

        @Override
        public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
            return exec(box, request, InputStream.nullInputStream(), sink);
        }

        @Override
        public ExecHandle exec(Box box, ExecRequest request, InputStream stdin, OutputSink sink) {
            if (!live.containsKey(box.id())) {
                throw new BackendException("pool-fake", "no such box " + box.id(), null);
            }
            if (failExecs) {
                throw new BackendException("pool-fake", "exec failed", null);
            }
            if (request.argv().size() > 2 && request.argv().get(2).equals(BoxScripts.SCRUB)) {
                scrubbed.add(box.id());
                scrubRequests.add(request);
                CompletableFuture<Integer> done = new CompletableFuture<>();
                sink.stdout(scrubOutput.getBytes());
                done.complete(scrubExit);
                return new ExecHandle() {
                    @Override
                    public CompletableFuture<Integer> exitCode() {
                        return done;
                    }

                    @Override
                    public void close() {}
                };
            }
            if (withRunner && request.argv().size() > 2 && request.argv().get(2).equals(BoxScripts.RUNNER)) {
                return fakeRunner(box, stdin, sink);
            }
            if (request.argv().get(0).equals("perl")) { // a resident runner: this fake has none (unless withRunner)
                CompletableFuture<Integer> gone = CompletableFuture.completedFuture(127);
                return new ExecHandle() {
                    @Override
                    public CompletableFuture<Integer> exitCode() {
                        return gone;
                    }

                    @Override
                    public void close() {}
                };
            }
            String sid = request.env().get("SID");
            if (sid != null) {
                String before = boxBySession.putIfAbsent(sid, box.id());
                if (before != null && !before.equals(box.id())) {
                    throw new AssertionError("session " + sid + " ran in two boxes");
                }
            }
            execBoxNames.add(box.name());
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    stdin.readAllBytes();
                } catch (IOException e) {
                    exit.completeExceptionally(e);
                    return;
                }
                sink.stdout("1\n".getBytes());
                exit.complete(0);
            });
            return new ExecHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return exit;
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public boolean isRunning(Box box) {
            isRunningCalls.incrementAndGet();
            return live.containsKey(box.id()) && !dead.contains(box.id());
        }

        @Override
        public boolean killAll(Box box, String user) {
            return true;
        }

        @Override
        public long oomKillCount(Box box) {
            return 0;
        }

        @Override
        public void remove(String boxId) {
            removeCounts.computeIfAbsent(boxId, k -> new AtomicInteger()).incrementAndGet();
            Box b = live.remove(boxId);
            if (b != null && b.spec().labels().containsKey(BoxPool.LABEL_POOL)) {
                livePooled.decrementAndGet();
            }
        }

        @Override
        public List<BoxInfo> list(Map<String, String> labels) {
            List<BoxInfo> out = new ArrayList<>();
            for (Box b : live.values()) {
                if (b.spec().labels().entrySet().containsAll(labels.entrySet())) {
                    out.add(new BoxInfo(b.id(), b.name(), b.spec().labels(), Instant.now(),
                            dead.contains(b.id()) ? "exited" : "running"));
                }
            }
            return out;
        }

        @Override
        public void close() {}

        private static void sleep(Duration d) {
            if (!d.isZero()) {
                try {
                    Thread.sleep(d);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
