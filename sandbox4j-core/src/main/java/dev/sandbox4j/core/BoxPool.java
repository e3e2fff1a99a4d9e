package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.SandboxBackend;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm pool ({@link PoolConfig}): started boxes of one {@link Profile}, each handed to one session, refilled in
 * the background on virtual threads. With {@code maxUses} 1 a box is never taken back (the session removes it when it
 * closes); above 1, a session that ended cleanly {@link #offer offers} its box back, and the pool scrubs it, proves the
 * scrub in the box ({@code box/scrub.pl}) and only then makes it ready again, with a new runner.
 *
 * <p>Counting: {@code ready + creating + recycling + inUse <= maxSize} at all times, where {@code inUse} are boxes
 * handed out to sessions that have not closed yet (their {@link #release()} comes after the box is removed or offered)
 * and {@code recycling} are boxes being scrubbed (an offered box counts twice until its session's release: never
 * more boxes than maxSize). The pool aims at {@code minSize} ready, creating or recycling boxes, plus one per session
 * waiting for a box ({@link PoolConfig.Exhaustion#WAIT}). Thread-safe; one lock guards the counters and the ready
 * queue, and no engine call is made while holding it.
 */
final class BoxPool {
    private static final Logger log = LoggerFactory.getLogger(BoxPool.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Label naming the pool (its language) on every pooled box. */
    static final String LABEL_POOL = "dev.sandbox4j.pool";
    /** Longest {@link #close()} waits for box creations and removals in flight. */
    static final Duration DRAIN_WAIT = Duration.ofMinutes(2);
    /** First pause after a failed creation; doubles per failure in a row, up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /**
     * What a box is made from, apart from its name and labels; a session takes a pooled box only if its box would
     * have exactly this profile. The runtime's {@code image} is left out: {@link #image} is the resolved one.
     */
    record Profile(String language, String image, String supervisorUser, ResourceLimits limits,
            RuntimeConfig runtime) {
        static Profile of(String language, BoxSpec spec) {
            return new Profile(language, spec.image(), spec.supervisorUser(), spec.limits(),
                    spec.runtime().image() == null ? spec.runtime() : spec.runtime().toBuilder().image(null).build());
        }
    }

    /** A ready box; {@code sinceNanos} is when it was created (a recycled box keeps its age). */
    private record Ready(Box box, long sinceNanos) {}

    /** A box of a recycling pool: when it was created and how many sessions it was handed to. */
    record Lease(long createdNanos, int uses) {}

    private final SandboxBackend backend;
    private final dev.sandbox4j.spi.@Nullable ExecutionPlan forkServer;
    /** The client's bound on box creations: refills take their turn with sessions (without taking a queue place). */
    private final CreationGate gate;
    private final PoolConfig config;
    private final String language;
    private final String image;
    private final String supervisorUser;
    private final RuntimeConfig runtime;
    private final Profile profile;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a box becomes ready, a creation or removal ends, capacity frees up, or the pool closes. */
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Ready> ready = new ArrayDeque<>();
    /** Resident runners started in ready boxes (by box id), handed to the session that takes the box. */
    private final Map<String, Runner> runners = new java.util.concurrent.ConcurrentHashMap<>();
    /** The boxes of a recycling pool ({@code maxUses} > 1) that exist, by box id; empty otherwise. */
    private final Map<String, Lease> leases = new java.util.concurrent.ConcurrentHashMap<>();
    /** The labels of the image each ready box was made from (by box id), read while it waited: a session taking the
     * box needs them (a committed image's saved work directory) and need not ask the engine. */
    private final Map<String, Map<String, String>> imageLabels = new java.util.concurrent.ConcurrentHashMap<>();
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
     */
    BoxPool(SandboxBackend backend, CreationGate gate, PoolConfig config, String language, String image,
            RuntimeConfig runtime, String supervisorUser) {
        this(backend, gate, config, language, image, runtime, supervisorUser, null);
    }

    /**
     * @param forkServer the language's fork server without preloads ({@link SessionBox#bare}), started beside the
     *     runner of every ready box so that the run that takes it forks instead of starting an interpreter; null for
     *     none
     */
    BoxPool(SandboxBackend backend, CreationGate gate, PoolConfig config, String language, String image,
            RuntimeConfig runtime, String supervisorUser, dev.sandbox4j.spi.@Nullable ExecutionPlan forkServer) {
        this.forkServer = forkServer;
        this.backend = backend;
        this.gate = gate;
        this.config = config;
        this.language = language;
        this.image = image;
        this.runtime = runtime;
        this.supervisorUser = supervisorUser;
        this.profile = new Profile(language, image, supervisorUser, config.limits(),
                runtime.image() == null ? runtime : runtime.toBuilder().image(null).build());
    }

    Profile profile() {
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
            if (healthyAtHandOut(taken.box())) {
                lock.lock();
                try {
                    handedOut++;
                } finally {
                    lock.unlock();
                }
                if (recycles()) {
                    leases.computeIfPresent(taken.box().id(), (id, l) -> new Lease(l.createdNanos(), l.uses() + 1));
                }
                refill();
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
        return config.maxUses() > 1;
    }

    /** How a box's session ended, for {@link #decide}. */
    enum Verdict {
        /** The box is scrubbed and, if the scrub is proven, made ready again. */
        RECYCLE,
        /** Not a box of this pool (anymore), or the pool is closed. */
        UNKNOWN,
        /** The session says the box is not fit (stateful, libraries installed, replaced, OOM kill, ...). */
        TAINTED,
        /** It served {@code maxUses} sessions. */
        USED_UP,
        /** It is older than {@code maxAge}. */
        TOO_OLD
    }

    /**
     * Whether a box given back goes to the next session (after its scrub): only a box of this pool, whose session says
     * it is fit, with uses left and younger than {@code maxAge}.
     *
     * @param lease the box's lease, or null if the pool does not know it
     * @param notReusable why the session says the box is not fit, or null
     */
    static Verdict decide(@Nullable Lease lease, @Nullable String notReusable, int maxUses, Duration maxAge,
            long nowNanos, boolean closed) {
        if (lease == null || closed) {
            return Verdict.UNKNOWN;
        }
        if (notReusable != null) {
            return Verdict.TAINTED;
        }
        if (lease.uses() >= maxUses) {
            return Verdict.USED_UP;
        }
        if (nowNanos - lease.createdNanos() > maxAge.toNanos()) {
            return Verdict.TOO_OLD;
        }
        return Verdict.RECYCLE;
    }

    /**
     * A session of a recycling pool closes and gives its pooled box back: if {@link #decide} says so, the pool takes
     * it (scrubbed on a virtual thread, then made ready or removed) and returns true; otherwise the caller removes the
     * box. Called before the session's {@link #release()}.
     *
     * @param notReusable why the session says the box is not fit for another session, or null
     */
    boolean offer(Box box, @Nullable String notReusable) {
        Lease lease = leases.get(box.id());
        Verdict v;
        lock.lock();
        try {
            v = decide(lease, notReusable, config.maxUses(), config.maxAge(), System.nanoTime(), closed);
            if (v == Verdict.RECYCLE) {
                recycling++;
            }
        } finally {
            lock.unlock();
        }
        if (v != Verdict.RECYCLE) {
            leases.remove(box.id());
            log.debug("Warm pool {}: box {} is not reused: {}{}", describe(), box.name(), v,
                    notReusable == null ? "" : " (" + notReusable + ")");
            return false;
        }
        Thread.ofVirtual().name("sandbox4j-pool-scrub").start(() -> scrubAndReturn(box, lease));
        return true;
    }

    /** Forgets a box handed out whose session never started (the caller removes it). */
    void forget(Box box) {
        leases.remove(box.id());
    }

    private void scrubAndReturn(Box box, Lease lease) {
        long t0 = System.nanoTime();
        String dirty;
        try {
            dirty = scrub(box);
        } catch (RuntimeException e) {
            dirty = "the scrub failed: " + e.getMessage();
        }
        Runner runner = null;
        if (dirty == null) {
            try {
                // a new runner, which kills anything of the sandbox user as it starts (there should be nothing)
                runner = Runner.start(backend, box, runtime, 0, true);
                startBareForkServer(runner);
            } catch (RuntimeException e) {
                log.debug("Warm pool {}: no runner in recycled box {}: {}", describe(), box.name(), e.toString());
            }
        }
        if (dirty == null) {
            readImageLabels(box);
        }
        boolean keep;
        lock.lock();
        try {
            recycling--;
            keep = dirty == null && !closed;
            if (keep) {
                recycled++;
                if (runner != null) {
                    runners.put(box.id(), runner);
                }
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
            if (runner != null) {
                runner.close();
            }
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
        }
        refill();
    }

    /**
     * Scrubs a box in one exec of {@code box/scrub.pl} as its sandbox user, and returns null if the script proved it
     * clean, or what it found left.
     */
    private @Nullable String scrub(Box box) {
        List<String> argv = scrubCommand(runtime.workdir());
        dev.sandbox4j.core.support.BoundedBuffer out = new dev.sandbox4j.core.support.BoundedBuffer(16 * 1024);
        dev.sandbox4j.core.support.BoundedBuffer err = new dev.sandbox4j.core.support.BoundedBuffer(4 * 1024);
        dev.sandbox4j.spi.ExecRequest req = new dev.sandbox4j.spi.ExecRequest(argv, Map.of(), runtime.user(), "/",
                new byte[0]);
        try (dev.sandbox4j.spi.ExecHandle h = backend.exec(box, req, new dev.sandbox4j.spi.OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                out.append(chunk);
            }

            @Override
            public void stderr(byte[] chunk) {
                err.append(chunk);
            }
        })) {
            int code = h.exitCode().get(EngineLimits.SCRUB.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return scrubVerdict(code, out.text(), err.text());
        } catch (java.util.concurrent.TimeoutException e) {
            return "the scrub did not finish within " + Texts.human(EngineLimits.SCRUB);
        } catch (java.util.concurrent.ExecutionException e) {
            return "the scrub failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The scrub of a box whose sandbox user's home is {@code workdir}: every step, and the three writable places. */
    static List<String> scrubCommand(String workdir) {
        return List.of("perl", "-e", BoxScripts.SCRUB, "procs,ipc,mqueue,oom,mounts", workdir, "/tmp", "/dev/shm");
    }

    /** Null if the scrub's output proves the box clean (exit 0 and its last line {@code scrub clean}), else why not. */
    static @Nullable String scrubVerdict(int exitCode, String stdout, String stderr) {
        String out = stdout.strip();
        if (exitCode == 0 && (out.equals("scrub clean") || out.endsWith("\nscrub clean"))) {
            return null;
        }
        String what = out.isEmpty() ? stderr.strip() : out.replace('\n', ';');
        return "the scrub exited with " + exitCode + (what.isEmpty() ? "" : ": " + what);
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
                if (!healthy(r.box())) {
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
        BoxSpec spec = newSpec();
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
                prestartRunner(box);
            }
        } catch (RuntimeException e) { // the client closed, or we were interrupted, while waiting for our turn
            failure = e;
        }
        if (box != null) {
            readImageLabels(box);
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
                    if (recycles()) {
                        leases.put(box.id(), new Lease(now, 0));
                    }
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

    private BoxSpec newSpec() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        String id = "pool-" + HexFormat.of().formatHex(b);
        Map<String, String> labels = new LinkedHashMap<>(runtime.labels());
        labels.put(DefaultSandboxClient.LABEL_MANAGED, "true");
        labels.put(DefaultSandboxClient.LABEL_SESSION, id);
        labels.put(DefaultSandboxClient.LABEL_OWNER, Owner.SELF);
        labels.put(DefaultSandboxClient.LABEL_CREATED, Instant.now().toString());
        labels.put(DefaultSandboxClient.LABEL_LANGUAGE, language);
        labels.put(LABEL_POOL, language);
        return new BoxSpec("sandbox4j-" + language + "-" + id, image, supervisorUser, config.limits(), runtime,
                labels);
    }

    private boolean isExpired(Ready r) {
        return System.nanoTime() - r.sinceNanos() > config.maxAge().toNanos();
    }

    /**
     * Whether a box about to be handed out still runs: a box whose resident runner is alive does (the runner is an
     * exec in it, whose stream ends with the box), so the hand-out makes no engine call; only a box without one is
     * inspected. Dead boxes are also found by the background health check.
     */
    private boolean healthyAtHandOut(Box box) {
        Runner r = runners.get(box.id());
        return r != null && r.isAlive() || healthy(box);
    }

    private boolean healthy(Box box) {
        try {
            return backend.isRunning(box);
        } catch (RuntimeException e) {
            log.warn("Warm pool {}: could not check box {}: {}", describe(), box.name(), e.getMessage());
            return false;
        }
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

    /**
     * Starts the box's resident runner now, so that the session that takes the box runs its first program without an
     * engine exec. A box without one (no perl, a backend that cannot stream input) is still a good box.
     */
    private void prestartRunner(Box box) {
        try {
            Runner r = Runner.start(backend, box, runtime, 0, false);
            startBareForkServer(r);
            runners.put(box.id(), r);
        } catch (RuntimeException e) {
            log.debug("Warm pool {}: no runner in box {}: {}", describe(), box.name(), e.toString());
        }
    }

    private void readImageLabels(Box box) {
        try {
            Map<String, String> labels = backend.imageLabels(image);
            if (labels != null) {
                imageLabels.put(box.id(), labels);
            }
        } catch (RuntimeException e) {
            log.debug("Warm pool {}: could not read the labels of {}: {}", describe(), image, e.toString());
        }
    }

    /** The labels of the image {@code box} was made from, if they were read while it waited; else null. */
    @Nullable Map<String, String> takeImageLabels(Box box) {
        return imageLabels.remove(box.id());
    }

    /** Starts the language's bare fork server beside a ready box's runner: ~25 ms of CPU and ~12 MiB while it waits. */
    private void startBareForkServer(Runner r) {
        if (forkServer != null) {
            Map<String, String> env = SessionContext.baseEnv(runtime);
            env.putAll(forkServer.env());
            r.startForkServer(forkServer.argv(), env);
        }
    }

    /** The runner started in {@code box} while it was ready, if any; the caller owns it from now on. */
    @Nullable Runner takeRunner(Box box) {
        return runners.remove(box.id());
    }

    private void removeQuietly(Box box) {
        leases.remove(box.id());
        imageLabels.remove(box.id());
        Runner r = runners.remove(box.id());
        if (r != null) {
            r.close();
        }
        try {
            backend.remove(box.id());
        } catch (RuntimeException e) {
            log.warn("Warm pool {}: could not remove box {}: {} (`sandbox4j gc` removes it later)", describe(),
                    box.name(), e.getMessage());
        }
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
