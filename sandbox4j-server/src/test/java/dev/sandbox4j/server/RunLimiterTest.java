package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunLimiterTest {
    final Caller alice = new Caller("alice", "acme", 5, 1);
    final Caller bob = new Caller("bob", "globex", 5, 5);
    /** Waits for slots far longer than any test needs: a wait that ends does so because a slot came, not time. */
    static final Duration LONG = Duration.ofMinutes(2);
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** Starts {@code caller}'s acquire on a thread of its own and waits until it waits in the queue (as number n). */
    CompletableFuture<RunLimiter.Permit> waiter(RunLimiter limiter, Caller caller, int n) {
        CompletableFuture<RunLimiter.Permit> f = CompletableFuture.supplyAsync(() -> limiter.acquire(caller), threads);
        await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waiting() == n || f.isDone());
        assertThat(f).as("waits").isNotDone();
        return f;
    }

    @Test
    void refusesBeyondTheKeysLimitWith429AndRetryAfter() {
        RunLimiter limiter = new RunLimiter(4, Duration.ofMillis(1500));
        RunLimiter.Permit p = limiter.acquire(alice);
        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.retryAfterSeconds).isEqualTo(2L);
            assertThat(e.getMessage()).contains("alice");
        });
        assertThat(limiter.inFlight()).isEqualTo(1);
        p.close();
        p.close(); // idempotent
        assertThat(limiter.inFlight()).isZero();
        limiter.acquire(alice).close();
    }

    @Test
    void aTenantBeyondItsFairShareBorrowsOnlyWhileAQuarterStaysFree() {
        Caller greedy = new Caller("greedy", "acme", 10, 8);
        Caller other = new Caller("other", "globex", 10, 8);
        RunLimiter limiter = new RunLimiter(8, Duration.ofSeconds(1), 4, true);
        List<RunLimiter.Permit> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(limiter.acquire(greedy)); // its share (4), then 2 borrowed while 2 stay free
        }
        assertThatThrownBy(() -> limiter.acquire(greedy)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.getMessage()).isEqualTo("tenant 'acme' already has 6 runs in flight, more than its fair "
                    + "share (4 of the server's 8); the remaining slots are kept for other tenants; retry later");
        });
        RunLimiter.Permit o1 = limiter.acquire(other);
        RunLimiter.Permit o2 = limiter.acquire(other); // the other tenant gets the two kept free
        assertThat(limiter.inFlight("globex")).isEqualTo(2);
        assertThatThrownBy(() -> limiter.acquire(other)).hasMessageContaining("the server is running 8");
        held.remove(0).close();
        assertThatThrownBy(() -> limiter.acquire(greedy)).as("5 > its share, and 1 free < the quarter kept")
                .hasMessageContaining("fair share");
        RunLimiter.Permit o3 = limiter.acquire(other);
        held.forEach(RunLimiter.Permit::close);
        o1.close();
        o2.close();
        o3.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.inFlight("acme")).isZero();
    }

    @Test
    void withOneTenantEverySlotCanBeUsed() {
        Caller solo = new Caller("solo", "acme", 10, 8);
        RunLimiter limiter = new RunLimiter(8, Duration.ofSeconds(1), 4, false);
        for (int i = 0; i < 8; i++) {
            limiter.acquire(solo);
        }
        assertThat(limiter.inFlight("acme")).isEqualTo(8);
    }

    @Test
    void refusesBeyondTheServersLimitWithoutHoldingTheKeysSlot() {
        RunLimiter limiter = new RunLimiter(2, Duration.ofSeconds(1));
        RunLimiter.Permit a = limiter.acquire(bob);
        RunLimiter.Permit b = limiter.acquire(bob);
        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("server"));
        a.close();
        RunLimiter.Permit c = limiter.acquire(alice); // alice's own slot was given back
        assertThat(limiter.inFlight()).isEqualTo(2);
        b.close();
        c.close();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void runsThatFindNoSlotAreServedInTheOrderTheyCame() throws Exception {
        Caller solo = new Caller("solo", "acme", 10, 10);
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 8, LONG);
        RunLimiter.Permit first = limiter.acquire(solo);
        ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            int n = i;
            CompletableFuture<RunLimiter.Permit> w = waiter(limiter, solo, n);
            done.add(w.thenAccept(p -> {
                order.add(n);
                p.close(); // hands the slot on to the next waiter
            }));
        }
        first.close();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(order).containsExactly(1, 2, 3, 4);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void aFreedSlotGoesToTheWaiterNotToALaterNewcomer() throws Exception {
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 8, LONG);
        RunLimiter.Permit first = limiter.acquire(bob);
        CompletableFuture<RunLimiter.Permit> waiting = waiter(limiter, bob, 1);
        first.close();
        // handed over within close(): nothing is free for a request that comes now, it has to queue behind
        assertThat(limiter.inFlight()).isEqualTo(1);
        assertThat(limiter.waiting()).isZero();
        CompletableFuture<RunLimiter.Permit> newcomer = waiter(limiter, bob, 1);
        waiting.get(30, TimeUnit.SECONDS).close();
        newcomer.get(30, TimeUnit.SECONDS).close();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void aFullQueueRefusesAtOnceWith429() {
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 2, LONG);
        RunLimiter.Permit first = limiter.acquire(bob);
        waiter(limiter, bob, 1);
        waiter(limiter, bob, 2);
        assertThatThrownBy(() -> limiter.acquire(bob)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.retryAfterSeconds).isEqualTo(1L);
            assertThat(e.getMessage()).isEqualTo("the server is running 1 programs at once (its limit), and 2 "
                    + "requests already wait for a slot (run_queue); retry later");
        });
        assertThat(limiter.waiting()).isEqualTo(2);
        first.close();
    }

    @Test
    void aRunWaitsAtMostRunQueueWaitThen429() {
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 2, Duration.ofMillis(50));
        RunLimiter.Permit first = limiter.acquire(bob);
        assertThatThrownBy(() -> limiter.acquire(bob)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.getMessage()).isEqualTo("the server is running 1 programs at once (its limit), and this "
                    + "request waited 50 ms for a slot (run_queue_wait); retry later");
        });
        assertThat(limiter.waiting()).as("left the queue").isZero();
        first.close();
        limiter.acquire(bob).close();
    }

    @Test
    void withoutAQueueOrWaitARunIsRefusedAtOnce() {
        for (RunLimiter limiter : List.of(new RunLimiter(1, Duration.ofSeconds(1), 1, false, 0, LONG),
                new RunLimiter(1, Duration.ofSeconds(1), 1, false, 8, Duration.ZERO))) {
            RunLimiter.Permit first = limiter.acquire(bob);
            assertThatThrownBy(() -> limiter.acquire(bob))
                    .hasMessage("the server is running 1 programs at once (its limit); retry later");
            first.close();
        }
    }

    @Test
    void aWaiterNeverTakesASlotBeyondItsTenantsFairShareAndLetsOthersPass() throws Exception {
        Caller greedy = new Caller("greedy", "acme", 10, 8);
        Caller other = new Caller("other", "globex", 10, 8);
        RunLimiter limiter = new RunLimiter(8, Duration.ofSeconds(1), 4, true, 8, LONG);
        List<RunLimiter.Permit> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(limiter.acquire(greedy)); // its share (4), then 2 borrowed while 2 stay free
        }
        RunLimiter.Permit o1 = limiter.acquire(other);
        RunLimiter.Permit o2 = limiter.acquire(other); // full now
        CompletableFuture<RunLimiter.Permit> greedyWaits = waiter(limiter, greedy, 1);
        CompletableFuture<RunLimiter.Permit> otherWaits = waiter(limiter, other, 2);
        held.remove(0).close();
        // the free slot would put acme beyond its share while fewer than a quarter stay free: globex gets it
        RunLimiter.Permit o3 = otherWaits.get(30, TimeUnit.SECONDS);
        // slots are handed over within close(), so what the limiter holds right after it is the decision
        assertThat(limiter.inFlight("acme")).isEqualTo(5);
        assertThat(limiter.waiting()).isEqualTo(1);
        o1.close(); // 1 free: still not for acme (5 > 4, and none would stay free)
        assertThat(limiter.inFlight("acme")).isEqualTo(5);
        assertThat(limiter.waiting()).isEqualTo(1);
        o2.close(); // 2 free: borrowing one would leave 1, below the quarter (2): still not
        assertThat(limiter.inFlight("acme")).isEqualTo(5);
        assertThat(limiter.waiting()).isEqualTo(1);
        o3.close(); // 3 free: acme may borrow one, 2 stay free
        assertThat(limiter.inFlight("acme")).isEqualTo(6);
        assertThat(limiter.waiting()).isZero();
        greedyWaits.get(30, TimeUnit.SECONDS).close();
        held.forEach(RunLimiter.Permit::close);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void aKeyOrATenantHoldsAPartOfTheQueueInProportionToItsSlots() {
        Caller small = new Caller("small", "acme", 10, 1); // may hold 1 of 4 slots: 2 of 8 queue places
        Caller large = new Caller("large", "acme", 10, 4);
        RunLimiter limiter = new RunLimiter(4, Duration.ofSeconds(1), 4, false, 8, LONG);
        List<RunLimiter.Permit> held = new ArrayList<>();
        held.add(limiter.acquire(small));
        for (int i = 0; i < 3; i++) {
            held.add(limiter.acquire(large));
        }
        waiter(limiter, small, 1);
        waiter(limiter, small, 2);
        assertThatThrownBy(() -> limiter.acquire(small)).hasMessage("API key 'small' already has 1 runs in flight "
                + "(its limit), and 2 of its requests already wait for a slot (its part of run_queue); retry later");
        waiter(limiter, large, 3);
        held.forEach(RunLimiter.Permit::close);

        Caller flood = new Caller("flood", "acme", 10, 8);
        Caller calm = new Caller("calm", "globex", 10, 8);
        RunLimiter fair = new RunLimiter(8, Duration.ofSeconds(1), 4, true, 8, LONG); // a tenant: 4 of 8 places
        List<RunLimiter.Permit> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(fair.acquire(i < 6 ? flood : calm));
        }
        for (int i = 1; i <= 4; i++) {
            waiter(fair, flood, i);
        }
        assertThatThrownBy(() -> fair.acquire(flood)).hasMessageContaining(
                "4 requests of tenant 'acme' already wait for a slot (its fair share of run_queue)");
        waiter(fair, calm, 5); // the other tenant still finds a place
        all.forEach(RunLimiter.Permit::close);
    }

    @Test
    void aWaiterWhoseClientGoesAwayLeavesTheQueue() throws Exception {
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 8, LONG);
        RunLimiter.Permit first = limiter.acquire(bob);
        AtomicReference<Runnable> hangUp = new AtomicReference<>();
        List<String> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<RunLimiter.Permit> gone = CompletableFuture.supplyAsync(() -> limiter.acquire(bob,
                abandon -> {
                    hangUp.set(abandon);
                    watches.add("watching");
                    return () -> watches.add("closed");
                }), threads);
        await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waiting() == 1);
        CompletableFuture<RunLimiter.Permit> next = waiter(limiter, bob, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> hangUp.get() != null);
        hangUp.get().run();
        assertThat(gone).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                .withCauseInstanceOf(RunLimiter.Abandoned.class);
        assertThat(watches).containsExactly("watching", "closed");
        assertThat(limiter.waiting()).isEqualTo(1);
        first.close();
        next.get(30, TimeUnit.SECONDS).close();
        assertThat(limiter.inFlight()).as("the one who left got no slot").isZero();
    }

    @Test
    void closingRefusesWaitersAndNewcomersWith503() {
        RunLimiter limiter = new RunLimiter(1, Duration.ofSeconds(1), 1, false, 8, LONG);
        RunLimiter.Permit first = limiter.acquire(bob);
        CompletableFuture<RunLimiter.Permit> w = waiter(limiter, bob, 1);
        limiter.close();
        assertThat(w).failsWithin(Duration.ofSeconds(30)).withThrowableThat().havingCause()
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status).isEqualTo(503));
        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status).isEqualTo(503));
        first.close();
        assertThat(limiter.inFlight()).isZero();
    }
}
