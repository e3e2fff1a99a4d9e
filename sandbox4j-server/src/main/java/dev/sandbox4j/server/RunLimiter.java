package dev.sandbox4j.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Bounds the runs in flight, over all keys, per key, and, when several tenants share the server, per tenant. A run
 * that finds no slot it may take waits in a bounded queue, first come first served, for at most a bounded time
 * ({@link ServerConfig#runQueueWait()}); only then, or at once when the queue is full
 * ({@link ServerConfig#effectiveRunQueue()}), is it refused with 429 and a {@code Retry-After}. So under overload a
 * request that has waited is served before one that came later, memory stays bounded, and load far beyond capacity
 * costs the server almost nothing. Thread-safe.
 *
 * <p>Order. When a slot frees, it goes to the waiter that came first among those that may take it; a waiter whose key
 * is at its own limit, or whose tenant is beyond its fair share, lets later waiters that may run go first (they do not
 * take anything it could have had). A newcomer takes a free slot at once only when no waiter may take it. A key may
 * hold a part of the queue in proportion to the slots it may hold ({@code run_queue × its max_concurrent_runs ÷
 * max_concurrent_runs}, at least one place), and so may a tenant with fair shares; so one flooding client cannot fill
 * the queue for everyone.
 *
 * <p>Fair share. With two or more tenants configured, a tenant may always hold up to its share of the slots
 * ({@link ServerConfig#effectiveTenantRunShare()}, by default half of them); beyond that it borrows idle slots only
 * while {@link #reserve} of them (a quarter, at least one) stay free for the other tenants. So a tenant alone uses
 * most of the server, and one that floods it cannot keep another from running. With a single tenant (or none, when
 * authentication is off) there is nobody to be fair to, and every slot may be used.
 */
final class RunLimiter {
    private final int globalMax;
    private final int tenantShare;
    private final int reserve;
    private final boolean fair;
    private final int maxQueue;
    private final long maxWaitNanos;
    private final long retryAfterSeconds;

    private final ReentrantLock lock = new ReentrantLock();
    // everything below is guarded by lock
    private final Map<String, Integer> perKey = new HashMap<>();
    private final Map<String, Integer> perTenant = new HashMap<>();
    private final Map<String, Integer> waitingPerKey = new HashMap<>();
    private final Map<String, Integer> waitingPerTenant = new HashMap<>();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int inUse;
    private boolean closed;

    /**
     * @param tenantShare the slots a tenant may always hold
     * @param fair whether the fair share applies (two or more tenants)
     * @param maxQueue runs that may wait for a slot; 0 refuses at once
     * @param maxWait how long a run waits for a slot at most; zero refuses at once
     */
    RunLimiter(int globalMax, Duration retryAfter, int tenantShare, boolean fair, int maxQueue, Duration maxWait) {
        this.globalMax = globalMax;
        this.tenantShare = tenantShare;
        this.reserve = Math.max(1, globalMax / 4);
        this.fair = fair && tenantShare < globalMax;
        this.maxQueue = maxWait.isZero() ? 0 : maxQueue;
        this.maxWaitNanos = maxWait.toNanos();
        this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** Without a queue: a run that finds no slot is refused at once. */
    RunLimiter(int globalMax, Duration retryAfter, int tenantShare, boolean fair) {
        this(globalMax, retryAfter, tenantShare, fair, 0, Duration.ZERO);
    }

    /** Without fair shares (one tenant) and without a queue. */
    RunLimiter(int globalMax, Duration retryAfter) {
        this(globalMax, retryAfter, globalMax, false);
    }

    /** A slot; closing it (once) frees it. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * How a waiting run learns that its client went away: {@link #watch} is called once the run starts to wait, with
     * what abandons the wait; the returned handle is closed when the wait ends (with a slot or not).
     */
    @FunctionalInterface
    interface WaitWatch {
        WaitWatch NONE = abandon -> () -> {};

        Handle watch(Runnable abandon);

        /** Stops watching. */
        interface Handle extends AutoCloseable {
            @Override
            void close();
        }
    }

    /** The client of a waiting run went away; the run left the queue without a slot. */
    static final class Abandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super("the client went away while its run waited for a slot", null, false, false);
        }
    }

    /** Takes a slot for one run of {@code caller}, waiting for one if need be; see {@link #acquire(Caller, WaitWatch)}. */
    Permit acquire(Caller caller) {
        return acquire(caller, WaitWatch.NONE);
    }

    /**
     * Takes a slot for one run of {@code caller}. If there is none it may take now, the run waits in the queue (see
     * the class description) until it gets one or its time is up.
     *
     * @param watch notices a client that goes away while its run waits
     * @throws ApiException 429 if the key, its tenant's fair share or the server has no free slot and the queue has no
     *     place for the run, or none came in time; 503 if the limiter was {@linkplain #close() closed}
     * @throws Abandoned if the client went away (or the thread was interrupted) while the run waited
     */
    Permit acquire(Caller caller, WaitWatch watch) {
        Waiter w;
        lock.lock();
        try {
            if (closed) {
                throw shuttingDown();
            }
            String busy = refusal(caller);
            if (busy == null) {
                return take(caller);
            }
            if (maxQueue == 0) {
                throw tooMany(busy + "; retry later");
            }
            String full = noPlace(caller);
            if (full != null) {
                throw tooMany(busy + ", and " + full + "; retry later");
            }
            w = new Waiter(caller, lock.newCondition());
            queue.addLast(w);
            waitingPerKey.merge(caller.keyId(), 1, Integer::sum);
            waitingPerTenant.merge(caller.tenant(), 1, Integer::sum);
        } finally {
            lock.unlock();
        }
        try (WaitWatch.Handle h = watch.watch(() -> end(w, State.ABANDONED))) {
            return await(w);
        }
    }

    private Permit await(Waiter w) {
        long deadline = System.nanoTime() + maxWaitNanos;
        lock.lock();
        try {
            while (w.state == State.WAITING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    w.ready.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // kept for whoever runs next on this thread to see
                    if (w.state == State.WAITING) {
                        leave(w, State.ABANDONED);
                    }
                }
            }
            switch (w.state) {
                case GRANTED -> {
                    return permit(w.caller);
                }
                case ABANDONED -> throw new Abandoned();
                case CLOSED -> throw shuttingDown();
                default -> { // time is up
                    String busy = refusal(w.caller);
                    if (busy == null) { // not reachable while every release dispatches; never refuse a free slot
                        leave(w, State.GRANTED);
                        return take(w.caller);
                    }
                    leave(w, State.TIMED_OUT);
                    throw tooMany(busy + ", and this request waited " + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos)
                            + " ms for a slot (run_queue_wait); retry later");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends a wait from outside (the client went away), unless it ended already. */
    private void end(Waiter w, State how) {
        lock.lock();
        try {
            if (w.state == State.WAITING) {
                leave(w, how);
                w.ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code w} out of the queue in state {@code how}; with the lock held and {@code w} waiting. */
    private void leave(Waiter w, State how) {
        w.state = how;
        queue.remove(w);
        unqueued(w.caller);
    }

    private void unqueued(Caller c) {
        waitingPerKey.compute(c.keyId(), (k, n) -> n == null || n <= 1 ? null : n - 1);
        waitingPerTenant.compute(c.tenant(), (t, n) -> n == null || n <= 1 ? null : n - 1);
    }

    /** Why {@code c} may not take a slot now, or null if it may; with the lock held. */
    private @Nullable String refusal(Caller c) {
        if (perKey.getOrDefault(c.keyId(), 0) >= c.maxConcurrentRuns()) {
            return "API key '" + c.keyId() + "' already has " + c.maxConcurrentRuns() + " runs in flight (its limit)";
        }
        int free = globalMax - inUse;
        if (free == 0) {
            return "the server is running " + globalMax + " programs at once (its limit)";
        }
        int held = perTenant.getOrDefault(c.tenant(), 0);
        if (fair && held >= tenantShare && free - 1 < reserve) {
            return "tenant '" + c.tenant() + "' already has " + held + " runs in flight, more than its fair share ("
                    + tenantShare + " of the server's " + globalMax + "); the remaining slots are kept for other "
                    + "tenants";
        }
        return null;
    }

    /** Why the queue has no place for a run of {@code c}, or null if it has; with the lock held. */
    private @Nullable String noPlace(Caller c) {
        if (queue.size() >= maxQueue) {
            return queue.size() + " requests already wait for a slot (run_queue)";
        }
        int keyWaiting = waitingPerKey.getOrDefault(c.keyId(), 0);
        if (keyWaiting >= places(c.maxConcurrentRuns())) {
            return keyWaiting + " of its requests already wait for a slot (its part of run_queue)";
        }
        int tenantWaiting = waitingPerTenant.getOrDefault(c.tenant(), 0);
        if (fair && tenantWaiting >= places(tenantShare)) {
            return tenantWaiting + " requests of tenant '" + c.tenant() + "' already wait for a slot (its fair share "
                    + "of run_queue)";
        }
        return null;
    }

    /** The queue places of whoever may hold {@code slots} of the slots: the same part of the queue, at least one. */
    private int places(int slots) {
        return (int) Math.max(1, Math.min(maxQueue, (long) maxQueue * slots / globalMax));
    }

    /** Takes a slot for {@code c}; with the lock held. */
    private Permit take(Caller c) {
        inUse++;
        perKey.merge(c.keyId(), 1, Integer::sum);
        perTenant.merge(c.tenant(), 1, Integer::sum);
        return permit(c);
    }

    /** The permit of a slot {@code c} holds (already counted). */
    private Permit permit(Caller c) {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            lock.lock();
            try {
                inUse--;
                perKey.compute(c.keyId(), (k, n) -> n == null || n <= 1 ? null : n - 1);
                perTenant.compute(c.tenant(), (t, n) -> n == null || n <= 1 ? null : n - 1);
                dispatch();
            } finally {
                lock.unlock();
            }
        };
    }

    /**
     * Gives free slots to the waiters that came first among those that may take them; with the lock held. Called on
     * every release, so no waiter that may take a slot is ever left waiting while a newcomer takes it.
     */
    private void dispatch() {
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext() && inUse < globalMax; ) {
            Waiter w = it.next();
            if (refusal(w.caller) == null) {
                it.remove();
                unqueued(w.caller);
                inUse++;
                perKey.merge(w.caller.keyId(), 1, Integer::sum);
                perTenant.merge(w.caller.tenant(), 1, Integer::sum);
                w.state = State.GRANTED;
                w.ready.signal();
            }
        }
    }

    /**
     * Refuses every waiting run and every later one with 503 (the server is shutting down); runs in flight keep their
     * slots.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            for (Waiter w : queue) {
                w.state = State.CLOSED;
                unqueued(w.caller);
                w.ready.signal();
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Runs in flight now. */
    int inFlight() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /** Runs in flight now of one tenant. */
    int inFlight(String tenant) {
        lock.lock();
        try {
            return perTenant.getOrDefault(tenant, 0);
        } finally {
            lock.unlock();
        }
    }

    /** Runs waiting for a slot now. */
    int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    private ApiException tooMany(String detail) {
        return ApiException.tooManyRequests(detail, retryAfterSeconds);
    }

    private ApiException shuttingDown() {
        return new ApiException(503, Problem.SHUTTING_DOWN, "the server is shutting down; retry on another instance "
                + "or later", Map.of(), retryAfterSeconds, null);
    }

    private enum State { WAITING, GRANTED, ABANDONED, TIMED_OUT, CLOSED }

    /** A run waiting for a slot. */
    private static final class Waiter {
        final Caller caller;
        final Condition ready;
        State state = State.WAITING; // guarded by the limiter's lock

        Waiter(Caller caller, Condition ready) {
            this.caller = caller;
            this.ready = ready;
        }
    }
}
