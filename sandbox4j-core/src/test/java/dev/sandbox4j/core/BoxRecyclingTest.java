package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.core.BoxRecycler.Lease;
import dev.sandbox4j.core.BoxRecycler.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recycled pool boxes ({@code PoolConfig.maxUses} > 1) against the in-memory backend of {@link WarmPoolTest}: which
 * boxes go back, how uses are counted, and that a box whose scrub is not proven clean is removed. The scrub itself:
 * {@link ScrubScriptTest} (host) and RecycledBoxIT (real engine).
 */
class BoxRecyclingTest {
    private static final RuntimeConfig RUNTIME = RuntimeConfig.builder().label("test", "recycle").build();
    private static final SessionOptions OPTIONS = SessionOptions.builder().runtime(RUNTIME).build();
    private static final Duration AGE = Duration.ofMinutes(10);

    private final WarmPoolTest.PoolBackend backend = new WarmPoolTest.PoolBackend();
    private final List<SandboxClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(SandboxClient::close);
        assertThat(backend.live).as("boxes left after the clients closed").isEmpty();
        assertThat(backend.removeCounts.values()).as("a box removed twice").allMatch(n -> n.get() == 1);
    }

    BoxRecyclingTest() {
        backend.withRunner = true;
    }

    private SandboxClient client(int maxUses) {
        SandboxClient c = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .eventListener(SandboxEventListener.NONE)
                .pool(PoolConfig.builder("python").runtime(RUNTIME).minSize(1).maxSize(1).maxUses(maxUses).build())
                .build();
        clients.add(c);
        return c;
    }

    private static PoolStats stats(SandboxClient c) {
        return c.poolStats().get(0);
    }

    /** Waits for {@code condition}; generous (the fake engine answers at once): only a condition never met waits. */
    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }

    /** A one-shot run, then (its box is given back in the background) the pool settled with one ready box. */
    private String oneShot(SandboxClient c, String tag) {
        ExecutionResult r = c.run("python", "print(1)", OPTIONS, RunOptions.builder().env("SID", tag).build());
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        await("one ready box and none in use, now " + stats(c), () -> stats(c).ready() == 1 && stats(c).inUse() == 0);
        return backend.boxBySession.get(tag);
    }

    @Test
    void decisionNeedsAKnownFitBoxWithUsesAndAgeLeft() {
        long now = System.nanoTime();
        Lease fresh = new Lease(now, 1);
        assertThat(BoxRecycler.decide(fresh, null, 3, AGE, now, false)).isEqualTo(Verdict.RECYCLE);
        assertThat(BoxRecycler.decide(new Lease(now, 2), null, 3, AGE, now, false)).isEqualTo(Verdict.RECYCLE);
        assertThat(BoxRecycler.decide(new Lease(now, 3), null, 3, AGE, now, false)).isEqualTo(Verdict.USED_UP);
        assertThat(BoxRecycler.decide(fresh, "stateful session", 3, AGE, now, false)).isEqualTo(Verdict.TAINTED);
        assertThat(BoxRecycler.decide(new Lease(now, 3), "stateful session", 3, AGE, now, false))
                .isEqualTo(Verdict.TAINTED);
        assertThat(BoxRecycler.decide(null, null, 3, AGE, now, false)).isEqualTo(Verdict.UNKNOWN);
        assertThat(BoxRecycler.decide(fresh, null, 3, AGE, now, true)).isEqualTo(Verdict.UNKNOWN);
        assertThat(BoxRecycler.decide(fresh, null, 3, AGE, now + AGE.toNanos() + 1, false)).isEqualTo(Verdict.TOO_OLD);
    }

    @Test
    void onlyAScrubThatEndsCleanProvesTheBox() {
        assertThat(BoxRecycler.scrubVerdict(0, "scrub clean\n", "")).isNull();
        assertThat(BoxRecycler.scrubVerdict(0, "noise\nscrub clean\n", "")).isNull();
        assertThat(BoxRecycler.scrubVerdict(1, "left file /tmp/x\nscrub dirty 1\n", ""))
                .isEqualTo("the scrub exited with 1: left file /tmp/x;scrub dirty 1");
        assertThat(BoxRecycler.scrubVerdict(0, "scrub clean\nleft process 12\n", "")).isNotNull();
        assertThat(BoxRecycler.scrubVerdict(0, "", "")).isNotNull();
        assertThat(BoxRecycler.scrubVerdict(127, "", "perl: not found")).isEqualTo("the scrub exited with 127: perl: "
                + "not found");
    }

    @Test
    void oneShotsReuseTheScrubbedBoxUpToMaxUsesThenItIsReplaced() {
        SandboxClient c = client(3);
        await("a ready box", () -> stats(c).ready() == 1);
        String first = oneShot(c, "run1");
        assertThat(oneShot(c, "run2")).isEqualTo(first);
        assertThat(oneShot(c, "run3")).isEqualTo(first);
        assertThat(backend.live).doesNotContainKey(first); // its third use was its last
        String fourth = oneShot(c, "run4");
        assertThat(fourth).isNotEqualTo(first);
        assertThat(backend.scrubbed).containsExactly(first, first, fourth);
        PoolStats s = stats(c);
        assertThat(s.created()).isEqualTo(2);
        assertThat(s.handedOut()).isEqualTo(4);
        assertThat(s.recycled()).isEqualTo(3);
        assertThat(s.scrubFailures()).isZero();
        assertThat(backend.removeCounts).containsOnlyKeys(first);
        // the scrub runs as the sandbox user, with every step, over the three writable places
        assertThat(backend.scrubRequests.get(0).user()).isEqualTo(RUNTIME.user());
        assertThat(backend.scrubRequests.get(0).argv()).endsWith("procs,ipc,mqueue,oom,mounts", "/workspace", "/tmp",
                "/dev/shm");
    }

    @Test
    void aBoxWhoseScrubFindsSomethingLeftIsRemoved() {
        backend.scrubOutput = "left file /tmp/.hidden\nscrub dirty 1\n";
        backend.scrubExit = 1;
        SandboxClient c = client(5);
        await("a ready box", () -> stats(c).ready() == 1);
        String first = oneShot(c, "run1");
        assertThat(backend.scrubbed).containsExactly(first);
        assertThat(backend.live).doesNotContainKey(first);
        assertThat(oneShot(c, "run2")).isNotEqualTo(first);
        assertThat(stats(c).scrubFailures()).isEqualTo(2);
        assertThat(stats(c).recycled()).isZero();
    }

    @Test
    void aSessionThatInstalledLibrariesDoesNotGiveItsBoxBack() {
        SandboxClient c = client(5);
        await("a ready box", () -> stats(c).ready() == 1);
        String box;
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            box = boxOf(s);
            // this backend cannot give a box a network, so the installation fails there: the box was about to be
            // put on a network, which is enough
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThat(backend.live).doesNotContainKey(box);
        assertThat(backend.scrubbed).isEmpty();
        await("refilled", () -> stats(c).ready() == 1 && stats(c).inUse() == 0);
        assertThat(stats(c).recycled()).isZero();
    }

    @Test
    void aStatelessSessionGivesItsBoxBackLikeAOneShot() {
        SandboxClient c = client(2);
        await("a ready box", () -> stats(c).ready() == 1);
        String box;
        try (SandboxSession s = c.openSession("python", OPTIONS)) {
            box = boxOf(s);
        }
        await("given back", () -> stats(c).ready() == 1 && stats(c).inUse() == 0);
        assertThat(backend.scrubbed).containsExactly(box);
        assertThat(oneShot(c, "after")).isEqualTo(box);
    }

    @Test
    void aBoxWhoseRunnerCannotConfirmItEmptyIsNotGivenBack() {
        backend.runnerKillLeft = 1; // e.g. a process the kill could not end
        SandboxClient c = client(5);
        await("a ready box", () -> stats(c).ready() == 1);
        String first = oneShot(c, "run1");
        assertThat(backend.live).doesNotContainKey(first);
        assertThat(backend.scrubbed).isEmpty();
        assertThat(stats(c).recycled()).isZero();
    }

    @Test
    void aBoxWithoutARunnerIsNotGivenBack() {
        backend.withRunner = false; // nothing protected can confirm that no process is left
        SandboxClient c = client(5);
        await("a ready box", () -> stats(c).ready() == 1);
        String first = oneShot(c, "run1");
        assertThat(backend.live).doesNotContainKey(first);
        assertThat(backend.scrubbed).isEmpty();
    }

    @Test
    void withMaxUsesOneNothingIsScrubbedOrReused() {
        SandboxClient c = client(1);
        await("a ready box", () -> stats(c).ready() == 1);
        String first = oneShot(c, "run1");
        assertThat(oneShot(c, "run2")).isNotEqualTo(first);
        assertThat(backend.scrubbed).isEmpty();
        assertThat(stats(c).recycled()).isZero();
    }

    private String boxOf(SandboxSession s) {
        ExecutionResult r = s.run("print(1)", RunOptions.builder().env("SID", s.id()).build());
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        return backend.boxBySession.get(s.id());
    }
}
