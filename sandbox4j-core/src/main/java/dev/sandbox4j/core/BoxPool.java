package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.SandboxBackend;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm pool ({@link PoolConfig}): started boxes of one {@link PoolProfile}, each handed to one session, refilled in
 * the background on virtual threads. With {@code maxUses} 1 a box is never taken back (the session removes it when it
 * closes); above 1, a session that ended cleanly {@link #offer offers} its box back, and the pool scrubs it, proves the
 * scrub in the box ({@code box/scrub.pl}) and only then makes it ready again, with a new runner.
 *
 * <p>Counting: {@code ready + creating + recycling + inUse <= maxSize} at all times, where {@code inUse} are boxes
 * handed out to sessions that have not closed yet (their {@link #release()} comes after the box is removed or offered)
 * and {@code recycling} are boxes being scrubbed (an offered box counts twice until its session's release: never
 * more boxes than maxSize). The pool aims at {@code minSize} ready, creating or recycling boxes, plus one per session
 * waiting for a box ({@link PoolConfig.Exhaustion#WAIT}). Thread-safe; one lock guards the counters and the ready
 * queue, and no engine call is made while holding it. The engine-side work on single boxes is {@link PoolBoxes}'s;
 * the lease, reuse decision and scrub of a recycled box are {@link BoxRecycler}'s.
 */
final class BoxPool {
    private static final Logger log = LoggerFactory.getLogger(BoxPool.class);

    /** Label naming the pool (its language) on every pooled box. */
    static final String LABEL_POOL = "dev.sandbox4j.pool";
    /** Longest {@link #close()} waits for box creations and removals in flight. */
    static final Duration DRAIN_WAIT = Duration.ofMinutes(2);
    /** First pause after a failed creation; doubles per failure in a row, up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** A ready box; {@code sinceNanos} is when it was created (a recycled box keeps its age). */
    private record Ready(Box box, long sinceNanos) {}

    private final SandboxBackend backend;
    private final PoolBoxes boxes;
    private final BoxRecycler recycler;
    /** The client's bound on box creations: refills take their turn with sessions (without taking a queue place). */
    private final CreationGate gate;
    private final PoolConfig config;
    private final String language;
    private final String image;
    private final PoolProfile profile;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a box becomes ready, a creation or removal ends, capacity frees up, or the pool closes. */
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Ready> ready = new ArrayDeque<>();
    private final AtomicBoolean maintaining = new AtomicBoolean();
    private int creating;
    private int recycling;
    private int removing;
    private int inUse;
    private int waiting;
    private boolean closed;
    private long created;
    private long handedOut;
    private long misses;
    private long temporaries;
    private long removedUnhealthy;
    private long removedExpired;
    private long recycled;
    private long scrubFailures;
    private int failuresInARow;
    /** Incremented on each failed creation, so waiting sessions notice one. */
    private long failureCount;
    private @Nullable RuntimeException lastFailure;
    private long retryAfterNanos;

    /**
     * @param language canonical language id
     * @param image the resolved image
     * @param runtime the runtime exactly as a session of this profile passes it in its {@link BoxSpec}
     * @param supervisorUser the box's own user, as a session of this profile computes it
     * @param forkServer the language's fork server without preloads ({@link ForkServers#bare}), started beside the
     *     runner of every ready box so that the run that takes it forks instead of starting an interpreter; null for
     *     none
     */
    BoxPool(SandboxBackend backend, CreationGate gate, PoolConfig config, String language, String image,
            RuntimeConfig runtime, String supervisorUser, dev.sandbox4j.spi.@Nullable ExecutionPlan forkServer) {
        this.backend = backend;
        this.gate = gate;
        this.config = config;
        this.language = language;
        this.image = image;
        this.boxes = new PoolBoxes(backend, config, language, image, supervisorUser, runtime, forkServer, describe());
        this.recycler = new BoxRecycler(backend, config, runtime, boxes);
        this.profile = new PoolProfile(language, image, supervisorUser, config.limits(),
                runtime.image() == null ? runtime : runtime.toBuilder().image(null).build());
    }

    PoolProfile profile() {
        return profile;
    }

    PoolConfig config() {
        return config;
    }

    /** Starts filling the pool in the background. */
    void start() {
        log.info("Warm pool {}: filling to {} ready box(es), at most {}", describe(), config.minSize(),
                config.maxSize());
        refill();
    }

    /**
     * Takes a ready, running box for a session, or returns {@code null} when the session should create a temporary
     * box itself ({@link PoolConfig.Exhaustion#CREATE_TEMPORARY}). A box returned counts as in use until
     * {@link #release()}.
     *
     * @throws PoolExhaustedException if no box is ready and the strategy is FAIL_FAST, or WAIT timed out
     * @throws SessionClosedException if the pool (its client) is closed
     */
    @Nullable Box acquire() {
        boolean missed = false;
        boolean waited = false;
        long deadline = 0;
        long failuresBefore = -1;
        while (true) {
            Ready taken = null;
            List<Box> expired = new ArrayList<>();
            lock.lock();
            try {
                while (taken == null) {
                    if (closed) {
                        throw new SessionClosedException("SandboxClient is closed");
                    }
                    Ready r;
                    while ((r = ready.pollFirst()) != null) {
                        if (isExpired(r)) {
                            removedExpired++;
                            expired.add(r.box());
                        } else {
                            taken = r;
                            break;
                        }
                    }
                    if (!expired.isEmpty()) {
                        removeLater(List.copyOf(expired));
                        expired.clear();
                    }
                    if (taken != null) {
                        inUse++; // reserved: counts against maxSize while we check it
                        break;
                    }
                    if (!missed) {
                        missed = true;
                        misses++;
                        failuresBefore = failureCount;
                    }
                    switch (config.exhaustion()) {
                        case CREATE_TEMPORARY -> {
                            temporaries++;
                            refill();
                            return null;
                        }
                        case FAIL_FAST -> {
                            refill();
                            throw exhausted(null);
                        }
                        case WAIT -> {
                            if (!waited) {
                                waited = true;
                                deadline = System.nanoTime() + config.acquireTimeout().toNanos();
                            }
                            if (failureCount != failuresBefore && creating == 0 && lastFailure != null) {
                                throw creationFailed(lastFailure);
                            }
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                throw exhausted(config.acquireTimeout());
                            }
                            if (failuresInARow > 0) { // wake up for the next attempt after the back-off
                                left = Math.min(left, Math.max(retryAfterNanos - System.nanoTime(), 1_000_000));
                            }
                            waiting++;
                            try {
                                refill();
                                changed.awaitNanos(left);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new BackendException(backend.name(), "interrupted while waiting for a box of "
                                        + "pool " + describe(), e);
                            } finally {
                                waiting--;
                            }
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (boxes.healthyAtHandOut(taken.box())) {
                lock.lock();
                try {
                    handedOut++;
                } finally {
                    lock.unlock();
                }
                recycler.handedOut(taken.box());
                refillAfterHandOut();
                return taken.box();
            }
            lock.lock();
            try {
                inUse--;
                removedUnhealthy++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            log.warn("Warm pool {}: box {} no longer runs; removing it", describe(), taken.box().name());
            removeLater(List.of(taken.box()));
        }
    }

    /** Whether boxes go back to the pool after a session ({@code maxUses} > 1). */
    boolean recycles() {
        return recycler.recycles();
    }

    /**
     * A session of a recycling pool closes and gives its pooled box back: if {@link BoxRecycler#decide} says so, the
     * pool takes it (scrubbed on a virtual thread, then made ready or removed) and returns true; otherwise the caller
     * removes the box. Called before the session's {@link #release()}.
     *
     * @param notReusable why the session says the box is not fit for another session, or null
     */
    boolean offer(Box box, @Nullable String notReusable) {
        BoxRecycler.Lease lease = recycler.lease(box);
        BoxRecycler.Verdict v;
        lock.lock();
        try {
            v = BoxRecycler.decide(lease, notReusable, config.maxUses(), config.maxAge(), System.nanoTime(), closed);
            if (v == BoxRecycler.Verdict.RECYCLE) {
                recycling++;
            }
        } finally {
            lock.unlock();
        }
        if (v != BoxRecycler.Verdict.RECYCLE) {
            recycler.forget(box);
            log.debug("Warm pool {}: box {} is not reused: {}{}", describe(), box.name(), v,
                    notReusable == null ? "" : " (" + notReusable + ")");
            return false;
        }
        Thread.ofVirtual().name("sandbox4j-pool-scrub").start(() -> scrubAndReturn(box, lease));
        return true;
    }

    /** Forgets a box handed out whose session never started (the caller removes it). */
    void forget(Box box) {
        recycler.forget(box);
    }

    /** Scrubs an offered box (on its own virtual thread), then makes it ready again or removes it. */
    private void scrubAndReturn(Box box, BoxRecycler.Lease lease) {
        long t0 = System.nanoTime();
        String dirty = recycler.scrubAndRenew(box);
        boolean keep;
        lock.lock();
        try {
            recycling--;
            keep = dirty == null && !closed;
            if (keep) {
                recycled++;
                ready.addLast(new Ready(box, lease.createdNanos()));
            } else {
                if (dirty != null) {
                    scrubFailures++;
                }
                removing++; // close() waits for the removal below
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (keep) {
            log.debug("Warm pool {}: box {} scrubbed and ready again after use {} of {} ({} ms)", describe(),
                    box.name(), lease.uses(), config.maxUses(), (System.nanoTime() - t0) / 1_000_000);
        } else {
            if (dirty != null) {
                log.warn("Warm pool {}: box {} is removed instead of reused: {}", describe(), box.name(),
                        Texts.sanitize(dirty, 400));
            }
            try {
                removeQuietly(box); // also closes the new runner
            } finally {
                lock.lock();
                try {
                    removing--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
        refill();
    }

    /** A session that took a box closed (its box is removed or offered back): frees the capacity and refills. */
    void release() {
        lock.lock();
        try {
            inUse--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        refill();
    }

    /** Removes dead and too-old idle boxes, then refills. Skipped if a check is still running. */
    void maintain() {
        if (!maintaining.compareAndSet(false, true)) {
            return;
        }
        try {
            List<Ready> idle;
            List<Box> expired = new ArrayList<>();
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                for (Iterator<Ready> it = ready.iterator(); it.hasNext(); ) {
                    Ready r = it.next();
                    if (isExpired(r)) {
                        it.remove();
                        removedExpired++;
                        expired.add(r.box());
                    }
                }
                idle = List.copyOf(ready);
            } finally {
                lock.unlock();
            }
            if (!expired.isEmpty()) {
                log.info("Warm pool {}: replacing {} box(es) older than {}", describe(), expired.size(),
                        config.maxAge());
            }
            removeLater(expired);
            for (Ready r : idle) {
                if (!boxes.healthy(r.box())) {
                    boolean removed;
                    lock.lock();
                    try {
                        removed = ready.remove(r);
                        if (removed) {
                            removedUnhealthy++;
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (removed) {
                        log.warn("Warm pool {}: idle box {} no longer runs; removing it", describe(), r.box().name());
                        removeLater(List.of(r.box()));
                    }
                }
            }
            refill();
        } catch (RuntimeException e) {
            log.warn("Warm pool {}: health check failed: {}", describe(), e.toString());
        } finally {
            maintaining.set(false);
        }
    }

    /**
     * Stops refilling, removes every idle box and waits (up to {@link #DRAIN_WAIT}) for creations and removals in
     * flight; boxes whose creation ends after this are removed at once. Boxes in use are their sessions' to remove.
     */
    void close() {
        List<Box> idle = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Ready r : ready) {
                idle.add(r.box());
            }
            ready.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        removeLater(idle);
        lock.lock();
        try {
            long left = DRAIN_WAIT.toNanos();
            while ((creating > 0 || recycling > 0 || removing > 0) && left > 0) {
                left = changed.awaitNanos(left);
            }
            if (creating > 0 || recycling > 0 || removing > 0) {
                log.warn("Warm pool {}: gave up waiting for {} creation(s) and {} removal(s) after {} "
                        + "(`sandbox4j gc` removes what is left)", describe(), creating, removing, DRAIN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        log.info("Warm pool {} drained ({} idle box(es) removed)", describe(), idle.size());
    }

    PoolStats stats() {
        lock.lock();
        try {
            return new PoolStats(language, image, ready.size(), inUse, created, handedOut, misses, temporaries,
                    removedUnhealthy, removedExpired, recycled, scrubFailures);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The refill after a hand-out: at once if no box is left ready (or someone waits), else a moment later, so that the
     * creation (hundreds of ms of the engine's CPU) does not compete with the first run of the box just handed out
     * (measured on 2 cores: a pooled one-shot of print(1) took ~48 ms with the refill beside it).
     */
    private void refillAfterHandOut() {
        boolean now;
        lock.lock();
        try {
            now = ready.isEmpty() || waiting > 0;
        } finally {
            lock.unlock();
        }
        if (now) {
            refill();
            return;
        }
        Thread.ofVirtual().name("sandbox4j-pool-refill-" + language).start(() -> {
            try {
                Thread.sleep(REFILL_DELAY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            refill();
        });
    }

    /** How long the refill after a hand-out waits while the pool still has a ready box. */
    static final Duration REFILL_DELAY = Duration.ofMillis(150);

    /** Starts as many creations as it takes to reach the target (never beyond maxSize); may hold the lock. */
    private void refill() {
        int n;
        lock.lock();
        try {
            if (closed || failuresInARow > 0 && System.nanoTime() - retryAfterNanos < 0) {
                return;
            }
            int target = Math.min(config.minSize() + waiting, config.maxSize() - inUse);
            n = target - ready.size() - creating - recycling;
            if (n <= 0) {
                return;
            }
            creating += n;
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < n; i++) {
            Thread.ofVirtual().name("sandbox4j-pool-" + language).start(this::createOne);
        }
    }

    private void createOne() {
        BoxSpec spec = boxes.newSpec();
        Box box = null;
        RuntimeException failure = null;
        long t0 = System.nanoTime();
        try (CreationGate.Permit p = gate.enter(false)) {
            try {
                box = backend.create(spec);
            } catch (RuntimeException e) {
                failure = e;
            }
            if (box != null) {
                boxes.startRunner(box, false);
            }
        } catch (RuntimeException e) { // the client closed, or we were interrupted, while waiting for our turn
            failure = e;
        }
        if (box != null) {
            boxes.readImageLabels(box);
        }
        boolean discard = false;
        lock.lock();
        try {
            if (box == null) {
                failuresInARow++;
                failureCount++;
                lastFailure = failure;
                long backoff = Math.min(MAX_BACKOFF.toNanos(),
                        FIRST_BACKOFF.toNanos() << Math.min(failuresInARow - 1, 20));
                retryAfterNanos = System.nanoTime() + backoff;
                creating--;
                changed.signalAll();
            } else {
                created++;
                failuresInARow = 0;
                if (closed) {
                    discard = true; // still counted as creating: close() waits for the removal below
                } else {
                    long now = System.nanoTime();
                    recycler.created(box, now);
                    ready.addLast(new Ready(box, now));
                    creating--;
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            log.warn("Warm pool {}: could not create a box: {}", describe(), failure.getMessage());
        } else if (discard) {
            removeQuietly(box);
            lock.lock();
            try {
                creating--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        } else {
            log.debug("Warm pool {}: box {} ready ({} ms)", describe(), box.name(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private boolean isExpired(Ready r) {
        return System.nanoTime() - r.sinceNanos() > config.maxAge().toNanos();
    }

    /** Removes boxes on virtual threads; {@link #close()} waits for them. */
    private void removeLater(List<Box> boxes) {
        if (boxes.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            removing += boxes.size();
        } finally {
            lock.unlock();
        }
        for (Box box : boxes) {
            Thread.ofVirtual().name("sandbox4j-pool-remove").start(() -> {
                try {
                    removeQuietly(box);
                } finally {
                    lock.lock();
                    try {
                        removing--;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            });
        }
    }

    private void removeQuietly(Box box) {
        recycler.forget(box);
        boxes.remove(box);
    }

    /** The labels of the image {@code box} was made from, if they were read while it waited; else null. */
    @Nullable Map<String, String> takeImageLabels(Box box) {
        return boxes.takeImageLabels(box);
    }

    /** The runner started in {@code box} while it was ready, if any; the caller owns it from now on. */
    @Nullable Runner takeRunner(Box box) {
        return boxes.takeRunner(box);
    }

    /** Called with the lock held. */
    private PoolExhaustedException exhausted(@Nullable Duration waited) {
        String state = inUse + " of maxSize " + config.maxSize() + " in use, " + creating + " being created";
        String failure = lastFailure == null ? "" : "; last box creation failed: " + lastFailure.getMessage();
        String message = waited == null
                ? "warm pool " + describe() + " has no ready box (" + state + ") and its exhaustion strategy is "
                        + "FAIL_FAST" + failure
                : "no box of warm pool " + describe() + " became ready within acquireTimeout " + Texts.human(waited)
                        + " (" + state + ")" + failure;
        return new PoolExhaustedException(language, waited, message);
    }

    /** A waiting session gets the creation failure, as if it had created the box itself. */
    private RuntimeException creationFailed(RuntimeException e) {
        String message = "warm pool " + describe() + " could not create a box: " + e.getMessage();
        if (e instanceof ImageUnavailableException iu) {
            return new ImageUnavailableException(iu.image(), message, e);
        }
        return new BackendException(backend.name(), message, e);
    }

    private String describe() {
        return "'" + language + "' (" + image + ")";
    }
}
