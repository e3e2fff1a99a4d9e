package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SessionClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admission gate of box creation: bounded, first come first served, refusal beyond its queue. */
class CreationGateTest {
    /** Generous bound on waiting for another thread on a busy shared machine; never a timing assertion. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void tearDown() {
        threads.forEach(Thread::interrupt);
    }

    @Test
    void admitsUpToItsPermitsAtOnceWithoutWaiting() {
        CreationGate gate = new CreationGate(2, 0, "fake");
        CreationGate.Permit a = gate.enter(true);
        CreationGate.Permit b = gate.enter(true);
        assertThat(gate.inFlight()).isEqualTo(2);
        assertThatThrownBy(() -> gate.enter(true)).isInstanceOf(SandboxBusyException.class);
        a.close();
        a.close(); // idempotent: frees one slot only
        assertThat(gate.inFlight()).isEqualTo(1);
        gate.enter(true).close();
        b.close();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void waitersGetFreedSlotsInTheOrderTheyCame() throws Exception {
        CreationGate gate = new CreationGate(1, 3, "fake");
        CreationGate.Permit first = gate.enter(true);
        List<String> admitted = new CopyOnWriteArrayList<>();
        Map<String, CountDownLatch> done = new ConcurrentHashMap<>();
        for (String name : List.of("a", "b", "c")) {
            done.put(name, new CountDownLatch(1));
            int before = gate.waiting();
            start(() -> {
                try (CreationGate.Permit p = gate.enter(true)) {
                    admitted.add(name);
                    done.get(name).await();
                }
                return null;
            });
            await().atMost(PATIENCE).until(() -> gate.waiting() == before + 1); // queued before the next one comes
        }
        assertThat(admitted).isEmpty();

        first.close();
        await().atMost(PATIENCE).until(() -> admitted.size() == 1);
        assertThat(admitted).containsExactly("a");
        assertThat(gate.inFlight()).isEqualTo(1);
        // a newcomer does not overtake the queue, even at the moment a slot is handed on
        CompletableFuture<Void> late = start(() -> {
            gate.enter(true).close();
            admitted.add("late");
            return null;
        });
        await().atMost(PATIENCE).until(() -> gate.waiting() == 3);

        done.get("a").countDown();
        await().atMost(PATIENCE).until(() -> admitted.size() == 2);
        done.get("b").countDown();
        await().atMost(PATIENCE).until(() -> admitted.size() == 3);
        done.get("c").countDown();
        late.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(admitted).containsExactly("a", "b", "c", "late");
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void refusesAtOnceWhenTheQueueIsFullButRefillsStillWait() throws Exception {
        CreationGate gate = new CreationGate(1, 2, "fake");
        CreationGate.Permit held = gate.enter(true);
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            queued.add(start(() -> {
                gate.enter(true).close();
                return null;
            }));
        }
        await().atMost(PATIENCE).until(() -> gate.waiting() == 2);

        assertThatThrownBy(() -> gate.enter(true))
                .isInstanceOfSatisfying(SandboxBusyException.class, e -> {
                    assertThat(e.maxConcurrentCreations()).isEqualTo(1);
                    assertThat(e.creationQueue()).isEqualTo(2);
                })
                .hasMessage("the sandbox is busy: 1 box(es) are being created and 2 more are waiting "
                        + "(maxConcurrentCreations 1, creationQueue 2); retry later");
        CompletableFuture<Void> refill = start(() -> { // a pool refill takes no place in the queue
            gate.enter(false).close();
            return null;
        });
        await().atMost(PATIENCE).until(() -> gate.waiting() == 3);

        held.close();
        for (CompletableFuture<Void> f : queued) {
            f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
        refill.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(gate.inFlight()).isZero();
        gate.enter(true).close(); // room again
    }

    @Test
    void closingFailsTheWaitersAndLaterCallers() {
        CreationGate gate = new CreationGate(1, 4, "fake");
        CreationGate.Permit held = gate.enter(true);
        CompletableFuture<Void> waiter = start(() -> {
            gate.enter(true).close();
            return null;
        });
        await().atMost(PATIENCE).until(() -> gate.waiting() == 1);

        gate.close();
        assertThatThrownBy(() -> waiter.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SessionClosedException.class);
        assertThat(gate.waiting()).isZero();
        assertThatThrownBy(() -> gate.enter(false)).isInstanceOf(SessionClosedException.class);
        held.close();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueAndKeepsItsInterruptFlag() throws Exception {
        CreationGate gate = new CreationGate(1, 1, "fake");
        CreationGate.Permit held = gate.enter(true);
        CompletableFuture<Boolean> flag = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                gate.enter(true).close();
                flag.complete(false);
            } catch (BackendException e) {
                flag.complete(Thread.currentThread().isInterrupted());
            }
        });
        await().atMost(PATIENCE).until(() -> gate.waiting() == 1);

        t.interrupt();
        assertThat(flag.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("interrupt flag restored").isTrue();
        assertThat(gate.waiting()).isZero();
        // its place in the queue is free again, and the slot is not lost
        CompletableFuture<Void> next = start(() -> {
            gate.enter(true).close();
            return null;
        });
        await().atMost(PATIENCE).until(() -> gate.waiting() == 1);
        held.close();
        next.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void rejectsNonsenseBounds() {
        assertThatThrownBy(() -> new CreationGate(0, 1, "fake")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CreationGate(1, -1, "fake")).isInstanceOf(IllegalArgumentException.class);
    }

    private interface Work {
        Void call() throws Exception;
    }

    private <T> CompletableFuture<T> start(Work work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        threads.add(Thread.ofVirtual().start(() -> {
            try {
                work.call();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }));
        return f;
    }
}
