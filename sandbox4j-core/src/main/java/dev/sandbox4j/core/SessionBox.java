package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The box of one session and the processes in it: the current box (replaced when its processes cannot be killed),
 * the resident runner that starts programs in it (and, through {@link ForkServers}, its fork server), the kill of
 * every untrusted process, the engine's own helper execs, and the box's removal. The session's parts share it;
 * {@link #lock()} serialises what they do in the box.
 */
final class SessionBox {
    private static final Logger log = LoggerFactory.getLogger(SessionBox.class);

    private final SessionContext ctx;
    private final boolean removeOnClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable Box box;
    private volatile @Nullable String closeReason;
    private volatile boolean expired;
    /** Closes the session (with the reason) when the box is lost for good. */
    private final Consumer<String> closeSession;
    /** The pid of a live kernel, whose process tree survives the runner's kills (0: none). */
    private volatile IntSupplier kernelPid = () -> 0;

    private final Object runnerLock = new Object();
    private @Nullable CompletableFuture<Runner> runnerStart;
    private @Nullable Runner runner;
    private volatile boolean runnerUnavailable;
    private long oomKills;
    /** Which fork server the session starts beside its runner, and when. */
    private final ForkServers forkServers;
    /** Where the box goes back when the session closes (a recycling warm pool), or null: it is removed. */
    private volatile @Nullable Returner returner;
    /** The box the pool handed out (the box may since have been replaced). */
    private volatile @Nullable Box pooled;
    /** The first reason the box is not fit for another session, or null. */
    private volatile @Nullable String notReusable;
    private volatile boolean returned;

    /** A recycling warm pool ({@link BoxPool#offer}). */
    interface Returner {
        /**
         * Takes the box back (true) or declines (false: the session removes it).
         *
         * @param notReusable why the box is not fit for another session, or null
         */
        boolean offer(Box box, @Nullable String notReusable);
    }

    SessionBox(SessionContext ctx, Box box, boolean removeOnClose, Consumer<String> closeSession) {
        this(ctx, box, removeOnClose, closeSession, false);
    }

    /**
     * @param oneShot whether the session runs one program and closes: it never starts a fork server (its preloads
     *     would cost more than the one run saves)
     */
    SessionBox(SessionContext ctx, Box box, boolean removeOnClose, Consumer<String> closeSession, boolean oneShot) {
        this.ctx = ctx;
        this.box = box;
        this.removeOnClose = removeOnClose;
        this.closeSession = closeSession;
        this.forkServers = new ForkServers(ctx, oneShot);
    }

    /**
     * The session's box came from a recycling pool: on close it is offered back to {@code returner} instead of being
     * removed (with the reason it is not fit, if there is one).
     */
    void returnTo(Returner returner) {
        this.pooled = box;
        this.returner = returner;
    }

    /** Records that the box must not serve another session (the first reason is kept). */
    void notReusable(String why) {
        if (notReusable == null) {
            notReusable = why;
        }
    }

    /** Why the box may not serve another session, or null if it may (its scrub still has to prove it clean). */
    @Nullable String whyNotReusable() {
        Box p = pooled;
        if (p == null || box != p) {
            return "its box was replaced";
        }
        if (ctx.options().stateful()) {
            return "stateful session";
        }
        return notReusable;
    }

    /**
     * Before a box goes back to its pool: the session's runner (non-dumpable, so no program could have tampered with
     * it) kills every process of the sandbox user and confirms that none is left. Then nothing is running when the
     * pool's scrub starts, which no process of the sandbox user could then trace or stop. A box whose runner is gone
     * (a program killed or stopped it) or does not confirm is not reused.
     *
     * @return null if confirmed, else why not
     */
    private @Nullable String confirmEmpty(Box b) {
        Runner r;
        synchronized (runnerLock) {
            r = box == b && runner != null && runner.isAlive() ? runner : null;
        }
        if (r == null) {
            return "no live runner to confirm that nothing of the sandbox user runs";
        }
        int left = r.killAll(0, EngineLimits.RUNNER_KILL);
        return left == 0 ? null : "the runner could not kill every process of the sandbox user (" + left + ")";
    }

    /** Whether the box went back to its pool when the session closed. */
    boolean returned() {
        return returned;
    }

    /** Starts the fork server (bare, or with its preloads) after a run has ended: {@link ForkServers#warm}. */
    void warmForkServer(Map<String, byte[]> files) {
        if (!closed.get()) {
            forkServers.warm(runnerNow(), files);
        }
    }

    /** Restarts the fork server after an install: {@link ForkServers#restart}. */
    void restartForkServer() {
        forkServers.restart(runnerNow());
    }

    private @Nullable Runner runnerNow() {
        synchronized (runnerLock) {
            return runner;
        }
    }

    /** The runner, if its fork server is ready to take this run. */
    @Nullable Runner forking(Box b) {
        Runner r = runnerUnavailable || !forkServers.enabled() ? null : runner(b);
        return r != null && r.forkServerReady() ? r : null;
    }

    /** Which tree the runner's kills spare: the session's kernel. */
    void spare(IntSupplier kernelPid) {
        this.kernelPid = kernelPid;
    }

    /** The pid of the live kernel, whose tree the runner's kills spare, or 0. */
    int kernelPid() {
        return kernelPid.getAsInt();
    }

    ReentrantLock lock() {
        return lock;
    }

    /**
     * The box, for an operation in it.
     *
     * @throws SessionClosedException if the session is closed (with the reason, when there is one)
     */
    Box current() {
        Box b = box;
        if (closed.get() || b == null) {
            String why = closeReason;
            throw new SessionClosedException("session " + ctx.id() + " is closed" + (why == null ? "" : " (" + why
                    + ")"));
        }
        return b;
    }

    @Nullable Box boxOrNull() {
        return box;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Marks the box closed: the first caller gets true and removes it ({@link #remove}). */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    @Nullable String closeReason() {
        return closeReason;
    }

    /** Why the session ends (set before it closes). */
    void closeReason(String reason, boolean lifetime) {
        this.closeReason = reason;
        this.expired = lifetime;
    }

    /** The box is lost for good (it could not leave a network, or be replaced): the session closes with the reason. */
    void fail(String reason) {
        notReusable(reason);
        closeSession.accept(reason);
    }

    /** Whether the session ended because its lifetime ran out. */
    boolean expired() {
        return expired;
    }

    boolean removeOnClose() {
        return removeOnClose;
    }

    // ------------------------------------------------------------------ the resident runner

    /** Takes over a runner started while the box waited in a pool, or starts one in the background. */
    void adoptOrStartRunner(@Nullable Runner leased) {
        if (ctx.direct() != null) { // its runtime runs each program: no runner, no commands
            runnerUnavailable = true;
            return;
        }
        if (leased != null && leased.isAlive()) {
            synchronized (runnerLock) {
                runner = leased;
            }
            return;
        }
        if (leased != null) {
            leased.close();
        }
        startRunnerSoon(current());
    }

    /** Starts the runner on a background thread, so that opening the session does not wait for it. */
    private void startRunnerSoon(Box b) {
        if (runnerUnavailable) {
            return;
        }
        CompletableFuture<Runner> f = new CompletableFuture<>();
        synchronized (runnerLock) {
            runnerStart = f;
        }
        Thread.ofVirtual().name("sandbox4j-runner-" + ctx.id()).start(() -> {
            try {
                f.complete(Runner.start(ctx.backend(), b, ctx.runtime(), 0, false));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
    }

    /**
     * The live runner of box {@code b}, started now if need be; null if it cannot start (then never tried again). A
     * runner started now replaces one that died: leftovers of runs may be waiting for it, so it kills them first.
     */
    @Nullable Runner runner(Box b) {
        CompletableFuture<Runner> pending;
        Runner old;
        synchronized (runnerLock) {
            if (runner != null && runner.isAlive()) {
                return runner;
            }
            old = runner;
            pending = runnerStart;
            runner = null;
            runnerStart = null;
        }
        if (old != null) {
            old.close();
        }
        if (runnerUnavailable) {
            return null;
        }
        Runner r;
        try {
            r = pending != null ? pending.join()
                    : Runner.start(ctx.backend(), b, ctx.runtime(), kernelPid.getAsInt(), true);
        } catch (RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            runnerUnavailable = true;
            log.info("Session {}: no resident runner ({}); each program starts with an exec", ctx.id(),
                    cause.getMessage());
            return null;
        }
        synchronized (runnerLock) {
            if (!closed.get() && box == b) {
                runner = r;
                return r;
            }
        }
        r.close();
        return null;
    }

    /** The runner if it is alive now (none is started), or null. */
    @Nullable Runner liveRunner(Box b) {
        synchronized (runnerLock) {
            return box == b && runner != null && runner.isAlive() ? runner : null;
        }
    }

    /** Forgets the runner (it is about to be killed, or its box replaced); the next run starts a new one. */
    void retireRunner() {
        CompletableFuture<Runner> pending;
        Runner r;
        synchronized (runnerLock) {
            pending = runnerStart;
            r = runner;
            runnerStart = null;
            runner = null;
        }
        if (pending != null) {
            pending.thenAccept(Runner::close);
        }
        if (r != null) {
            r.close();
        }
    }

    /**
     * Starts a program of the sandbox user: through the resident runner when there is one (about a millisecond, with
     * the runner enforcing {@code timeout} and {@code cpuLimit}), else with an engine exec (tens of milliseconds). A
     * backend that cannot stream an exec's input, or an image without perl, keeps using execs. {@code viaRunner} is the
     * request the runner gets when it captures {@code captureDir} (empties it before the program and reports it after,
     * in the same round trip: the launcher then leaves it alone); {@code req} is the one an exec gets (its launcher
     * empties it; the artifacts are copied out after).
     */
    ExecHandle launch(Box b, ExecRequest req, ExecRequest viaRunner, @Nullable String captureDir, OutputSink sink,
            java.time.Duration timeout, java.time.@Nullable Duration cpuLimit) {
        if (req.user().equals(ctx.user()) && !runnerUnavailable) {
            Runner r = runner(b);
            if (r != null) {
                try {
                    return r.run(viaRunner, sink, timeout, cpuLimit, kernelPid.getAsInt(), captureDir);
                } catch (RuntimeException e) {
                    log.debug("Session {}: runner unusable ({}); using an exec", ctx.id(), e.toString());
                    retireRunner();
                }
            }
        }
        return ctx.backend().exec(b, req, sink);
    }

    // ------------------------------------------------------------------ kills

    /**
     * Kills every process of the sandbox user: through the resident runner when it answers (no engine exec, no free
     * pid needed, and the runner lives on), else through the engine (the runner dies with the rest).
     *
     * @return whether nothing of the sandbox user is left
     */
    boolean killUntrusted(Box b) {
        Runner r;
        synchronized (runnerLock) {
            r = box == b && runner != null && runner.isAlive() ? runner : null;
        }
        if (r != null && r.killAll(0, EngineLimits.RUNNER_KILL) == 0) {
            return true;
        }
        retireRunner();
        boolean clean = ctx.backend().killAll(b, ctx.user());
        if (!clean) {
            notReusable("processes survived a kill");
        }
        return clean;
    }

    /** Kills every untrusted process; a box where some survive is replaced. */
    void killOrReplace(Box b) {
        if (!killUntrusted(b) && !closed.get()) {
            log.warn("Session {}: processes survived the kill; replacing the box", ctx.id());
            replace(b);
        }
    }

    /** Last resort when processes cannot be killed (e.g. the pids limit prevents even our kill): a fresh box. */
    void replace(Box old) {
        notReusable("its box was replaced");
        retireRunner();
        try {
            ctx.backend().remove(old.id());
            if (closed.get()) {
                return;
            }
            Box fresh = ctx.backend().create(old.spec());
            box = fresh;
            oomKills = 0;
            if (closed.get()) { // closed meanwhile: close() may have removed the old box only
                ctx.backend().remove(fresh.id());
            }
        } catch (RuntimeException e) {
            closeSession.accept("box could not be replaced: " + e.getMessage());
        }
    }

    /** Whether the kernel's OOM killer struck in the box since the last check (and remembers the new count). */
    boolean newOomKill(Box b) {
        return newOomKill(b, -1);
    }

    /**
     * As {@link #newOomKill(Box)}, with the counter the runner read after the run ({@code -1}: ask the engine).
     */
    boolean newOomKill(Box b, long counted) {
        long oom = counted >= 0 ? counted : ctx.backend().oomKillCount(b);
        if (oom > oomKills) {
            oomKills = oom;
            notReusable("the OOM killer struck");
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ helper execs

    /** What a helper exec printed and how it ended. */
    record Capture(int exitCode, byte[] stdout, String stderr, boolean truncated) {
        String out() {
            return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * A helper exec of the engine's own (a file read or write, a signal, a listing), as the sandbox user: no
     * launcher, {@link EngineLimits#HELPER_EXEC} at most, stdout kept up to {@code limit}.
     */
    Capture capture(List<String> argv, byte[] stdin, DataSize limit) {
        lock.lock();
        try {
            Box b = current();
            BoundedBuffer out = new BoundedBuffer(limit.bytes());
            BoundedBuffer err = new BoundedBuffer(64 * 1024);
            ExecRequest req = new ExecRequest(argv, Map.of(), ctx.user(), ctx.home(), stdin);
            try (ExecHandle h = ctx.backend().exec(b, req, new OutputSink() {
                @Override
                public void stdout(byte[] chunk) {
                    out.append(chunk);
                }

                @Override
                public void stderr(byte[] chunk) {
                    err.append(chunk);
                }
            })) {
                int code = h.exitCode().get(EngineLimits.HELPER_EXEC.toMillis(), TimeUnit.MILLISECONDS);
                return new Capture(code, out.bytes(), err.text(), out.overflowed());
            } catch (TimeoutException e) {
                killUntrusted(b);
                throw new BackendException(ctx.backend().name(), "a helper command in the box did not finish within "
                        + Texts.human(EngineLimits.HELPER_EXEC), e);
            } catch (ExecutionException e) {
                throw unwrap(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException(ctx.backend().name(), "interrupted", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A helper exec whose stdout is read as a stream (tar archives out of the box). */
    record StreamedExec(ExecHandle handle, InputStream stdout) {}

    /**
     * Starts {@code argv} as the sandbox user with its stdout flowing through a bounded pipe (the engine's thread blocks
     * while the reader is behind; if the reader gives up, the rest is dropped) and its stderr into {@code err}.
     */
    StreamedExec streamOut(Box b, List<String> argv, BoundedBuffer err) {
        ChunkPipe pipe = new ChunkPipe(16);
        OutputStream sink = pipe.sink();
        ExecHandle h = ctx.backend().exec(b, new ExecRequest(argv, Map.of(), ctx.user(), ctx.home(), new byte[0]),
                new OutputSink() {
                    @Override
                    public void stdout(byte[] chunk) {
                        try {
                            sink.write(chunk);
                        } catch (IOException e) {
                            // the reader gave up (error on the host side): drop the rest
                        }
                    }

                    @Override
                    public void stderr(byte[] chunk) {
                        err.append(chunk);
                    }
                });
        h.exitCode().whenComplete((code, e) -> {
            try {
                sink.close();
            } catch (IOException ignored) {
                // reader closed
            }
        });
        return new StreamedExec(h, pipe.source());
    }

    // ------------------------------------------------------------------ the end

    /**
     * Removes the box (or, for a container sandbox4j did not create, kills what runs in it), or offers it back to its
     * recycling pool, which scrubs it.
     */
    void remove() {
        Box b = box;
        Returner r = returner;
        Box p = pooled;
        if (b != null && r != null && p != null) {
            String why = whyNotReusable();
            if (why == null) {
                why = confirmEmpty(b);
            }
            retireRunner();
            if (r.offer(p, why)) {
                returned = true;
                return;
            }
        } else {
            retireRunner();
        }
        if (b == null) {
            return;
        }
        if (removeOnClose) {
            ctx.backend().remove(b.id());
        } else {
            killUntrusted(b);
        }
    }

    static RuntimeException unwrap(ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException re) {
            return re;
        }
        return new BackendException("backend", String.valueOf(c), c);
    }
}
