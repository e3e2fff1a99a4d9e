package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.PhaseTimings;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxRuntime;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.ProgramHandle;
import dev.sandbox4j.spi.ProgramRequest;
import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one program of the sandbox user at a time and supervises it: the single owner of a run's timeout, output limit
 * and cancellation. The program starts through the launcher (its files written from its stdin), by the resident runner
 * when there is one; at the deadline, on an output flood or when cancelled, it and every process it started are
 * killed, and the result says why.
 */
final class ProgramRunner {
    private static final Logger log = LoggerFactory.getLogger(ProgramRunner.class);

    private final SessionContext ctx;
    private final SessionBox box;
    /** Copies a run's artifacts out when the runner did not report them. */
    private final BoxFiles files;
    /** Ends the session when a run was cut short by its lifetime. */
    private final Runnable expire;
    /** Completed (with the reason) to stop the run in progress. */
    private volatile @Nullable CompletableFuture<String> stop;
    private final java.util.concurrent.atomic.AtomicLong runs = new java.util.concurrent.atomic.AtomicLong();

    ProgramRunner(SessionContext ctx, SessionBox box, BoxFiles files, Runnable expire) {
        this.ctx = ctx;
        this.box = box;
        this.files = files;
        this.expire = expire;
    }

    /** A fresh directory for the files of one run (the launcher removes the other runs' directories). */
    String nextRunDir() {
        return Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
    }

    /**
     * A run's bounds: its timeout, shortened to what is left of the session's lifetime (then {@code lifetimeBound}),
     * its per-stream output limit and its CPU time limit (or null).
     */
    record Bounds(Duration timeout, boolean lifetimeBound, DataSize outputLimit, @Nullable Duration cpuLimit) {}

    Bounds bounds(RunOptions runOptions) {
        Duration timeout = runOptions.timeout() != null ? runOptions.timeout() : ctx.defaultTimeout();
        DataSize limit = runOptions.outputLimit() != null ? runOptions.outputLimit()
                : ctx.options().limits().outputLimit();
        Instant expiresAt = ctx.expiresAt();
        if (expiresAt != null) {
            Duration left = Duration.between(Instant.now(), expiresAt);
            if (left.compareTo(timeout) < 0) {
                Duration bound = left.isNegative() || left.isZero() ? Duration.ofMillis(1)
                        : left.plus(EngineLimits.LIFETIME_SLACK);
                return new Bounds(bound, true, limit, runOptions.cpuTimeLimit());
            }
        }
        return new Bounds(timeout, false, limit, runOptions.cpuTimeLimit());
    }

    /** Why a run that reached its deadline was stopped. */
    String timeoutReason(Bounds bounds) {
        return bounds.lifetimeBound() ? ctx.lifetimeReason() : "timed out after " + Texts.human(bounds.timeout());
    }

    /** How a run ends when its session closed under it (an explicit close, or the end of its lifetime). */
    record Closed(ExecutionStatus status, String reason) {}

    Closed closedOutcome() {
        String why = box.closeReason();
        return new Closed(box.expired() ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED,
                why != null ? why : "session closed");
    }

    /** Stops the run in progress, if any: it ends as killed ("cancelled"). */
    void cancel() {
        CompletableFuture<String> s = stop;
        if (s != null) {
            s.complete("cancelled");
        }
    }

    /**
     * Runs one program of the sandbox user and supervises it.
     *
     * @param userCode whether it is the caller's program (a run or a command), whose leftovers must be killed when it
     *     ends, as opposed to a compile step or an installation, which are followed by a kill of their own or by the
     *     program they prepare
     * @param outputDir the directory emptied before the program and whose files come back as the result's artifacts
     *     (reported by the runner in the same round trip, else copied out with an exec), or null
     */
    ExecutionResult execute(String runDir, Map<String, byte[]> files, List<String> command,
            Map<String, String> planEnv, RunOptions runOptions, @Nullable String outputDir, boolean userCode) {
        return execute(runDir, files, command, planEnv, runOptions, outputDir, userCode, false);
    }

    /**
     * Like {@link #execute(String, Map, List, Map, RunOptions, String, boolean)}; a {@code forkable} program (a
     * stateless plan of a language with a fork server) runs as a fork of the session's fork server when it is ready
     * and the run does not ask for a fresh interpreter.
     */
    ExecutionResult execute(String runDir, Map<String, byte[]> files, List<String> command,
            Map<String, String> planEnv, RunOptions runOptions, @Nullable String outputDir, boolean userCode,
            boolean forkable) {
        box.lock().lock();
        try {
            Box b = box.current();
            MDC.put("sandbox.session", ctx.id());
            Bounds bounds = bounds(runOptions);
            Map<String, String> env = ctx.env(planEnv);
            env.putAll(runOptions.env());
            String workdir = runOptions.workdir() == null ? null : BoxPaths.workdir(ctx.home(), runOptions.workdir());
            if (outputDir != null) {
                env.put("SANDBOX4J_OUTPUT_DIR", outputDir);
            }
            if (ctx.direct() != null) {
                byte[] stdin = runOptions.stdin();
                ProgramRequest program = new ProgramRequest(runDir, files, command, env, stdin,
                        workdir != null ? workdir : ctx.home(), outputDir);
                log.debug("Session {} run {} (timeout {}, output limit {})", ctx.id(), Launcher.describe(command),
                        Texts.human(bounds.timeout()), bounds.outputLimit());
                BoxRuntime runtime = ctx.direct().runtime(b);
                return supervise(b, new ExecRequest(command, env, ctx.user(), ctx.home(), stdin == null ? new byte[0]
                        : stdin), bounds, runOptions.listener(), userCode, outputDir, (r, sink) -> runtime.run(program, sink));
            }
            Runner forking = forkable && !runOptions.freshInterpreter() ? box.forking(b) : null;
            if (forking != null) {
                log.debug("Session {} fork {} (timeout {}, output limit {})", ctx.id(), Launcher.describe(command),
                        Texts.human(bounds.timeout()), bounds.outputLimit());
                byte[] stdin = runOptions.stdin() != null ? runOptions.stdin() : new byte[0];
                ExecRequest req = new ExecRequest(command, env, ctx.user(), workdir != null ? workdir : ctx.home(),
                        stdin);
                try {
                    ExecutionResult forked = supervise(b, req, bounds, runOptions.listener(), userCode, outputDir,
                            (r, sink) -> forking.runForked(r, files, runDir, outputDir, sink, bounds.timeout(),
                                    bounds.cpuLimit(), box.kernelPid()));
                    box.warmForkServer(files); // a bare fork server gets its preloads once a run imports one
                    return forked;
                } catch (NotStarted e) {
                    log.debug("Session {}: the fork server is gone; the program starts an interpreter", ctx.id());
                }
            }
            Launcher.Invocation inv = Launcher.build(runDir, files, runOptions.stdin(), command, workdir, outputDir);
            // the runner empties the output directory itself (and reports it after the run): its launcher does not
            Launcher.Invocation bare = outputDir == null ? inv
                    : Launcher.build(runDir, files, runOptions.stdin(), command, workdir, null);
            log.debug("Session {} exec {} (timeout {}, output limit {})", ctx.id(), Launcher.describe(command),
                    Texts.human(bounds.timeout()), bounds.outputLimit());
            ExecutionResult result = supervise(b, new ExecRequest(inv.argv(), env, ctx.user(), ctx.home(),
                    inv.stdin()), bounds, runOptions.listener(), userCode, outputDir,
                    (r, sink) -> box.launch(b, r, new ExecRequest(bare.argv(), r.env(), r.user(), r.workdir(),
                            bare.stdin()), outputDir, sink, bounds.timeout(), bounds.cpuLimit()));
            if (forkable && !runOptions.freshInterpreter()) {
                box.warmForkServer(files); // after the run: its imports do not compete with this one
            }
            return result;
        } finally {
            MDC.remove("sandbox.session");
            box.lock().unlock();
        }
    }

    /**
     * Installs libraries through a {@link dev.sandbox4j.spi.DirectBackend}'s runtime, supervised like a program
     * (the options' timeout; its output kept up to the session's limit).
     */
    ExecutionResult install(List<String> libraries, RunOptions options) {
        box.lock().lock();
        try {
            Box b = box.current();
            BoxRuntime runtime = java.util.Objects.requireNonNull(ctx.direct(), "direct backend").runtime(b);
            ExecRequest req = new ExecRequest(List.of("install"), Map.of(), ctx.user(), ctx.home(), new byte[0]);
            return supervise(b, req, bounds(options), options.listener(), false, null,
                    (r, sink) -> runtime.install(libraries, sink));
        } finally {
            box.lock().unlock();
        }
    }

    /** A run that ended before its program started (the fork server was gone): it may run again another way. */
    private static final class NotStarted extends RuntimeException {
        NotStarted() {
            super(null, null, false, false);
        }
    }

    private ExecutionResult supervise(Box b, ExecRequest req, Bounds bounds, OutputListener listener,
            boolean userCode, @Nullable String outputDir,
            java.util.function.BiFunction<ExecRequest, OutputSink, ExecHandle> launch) {
        Duration timeout = bounds.timeout();
        DataSize limit = bounds.outputLimit();
        BoundedBuffer out = new BoundedBuffer(limit.bytes());
        BoundedBuffer err = new BoundedBuffer(limit.bytes());
        CompletableFuture<String> flood = new CompletableFuture<>();
        CompletableFuture<String> cancelled = new CompletableFuture<>();
        OutputSink sink = new LimitedSink(out, err, listener, flood, limit);
        long asked = System.nanoTime();
        ExecHandle handle = launch.apply(req, sink);
        // waiting for the runner (or an engine exec to start) is not the program's time: the clock starts now
        long start = System.nanoTime();
        Runner.RunHandle viaRunner = handle instanceof Runner.RunHandle rh ? rh : null;
        stop = cancelled;
        try {
            CompletableFuture<Integer> exit = handle.exitCode();
            ExecutionStatus status;
            String killReason = null;
            int code;
            try {
                // the runner enforces the deadline itself; the host only backstops it
                Duration wait = viaRunner != null ? timeout.plus(EngineLimits.RUNNER_BACKSTOP) : timeout;
                Object first = CompletableFuture.anyOf(exit, flood, cancelled).get(wait.toNanos(), TimeUnit.NANOSECONDS);
                if (first instanceof Integer c && !flood.isDone() && !cancelled.isDone()) {
                    code = c;
                    if (viaRunner != null && viaRunner.notStarted()) {
                        throw new NotStarted();
                    }
                    if (viaRunner != null && viaRunner.killedBy() == Runner.Killed.TIMEOUT) {
                        status = ExecutionStatus.TIMED_OUT;
                        killReason = timeoutReason(bounds);
                    } else if (handle instanceof ProgramHandle p && p.killedBecause() != null) {
                        status = ExecutionStatus.KILLED; // the direct backend ended it (e.g. a broken channel)
                        killReason = p.killedBecause();
                    } else if (viaRunner != null && viaRunner.killedBy() == Runner.Killed.CPU) {
                        status = ExecutionStatus.TIMED_OUT;
                        killReason = cpuReason(bounds, viaRunner);
                    } else {
                        status = code == 0 ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT;
                    }
                    if (viaRunner != null && viaRunner.leftBehind() != 0 && !box.isClosed()) {
                        // something of the run survived the runner's kill: make sure, or start over
                        log.warn("Session {}: {} processes survived the runner's kill", ctx.id(),
                                viaRunner.leftBehind());
                        box.killOrReplace(b);
                    }
                } else {
                    boolean byFlood = flood.isDone();
                    killReason = byFlood ? flood.getNow("output limit exceeded") : cancelled.getNow("cancelled");
                    status = byFlood ? ExecutionStatus.OUTPUT_LIMIT : ExecutionStatus.KILLED;
                    code = viaRunner != null ? killThroughRunner(b, viaRunner) : killAndReap(b, exit);
                }
            } catch (TimeoutException e) {
                if (box.isClosed()) {
                    Closed c = closedOutcome();
                    status = c.status();
                    killReason = c.reason();
                    code = -1;
                } else {
                    status = ExecutionStatus.TIMED_OUT;
                    killReason = timeoutReason(bounds);
                    if (viaRunner != null) {
                        // stopped or killed by the program: the engine kills, and a new runner takes over
                        log.warn("Session {}: the runner did not end the run at its deadline; killing through the "
                                + "engine", ctx.id());
                        box.retireRunner();
                    }
                    code = killAndReap(b, exit);
                }
            }
            long ended = System.nanoTime();
            Runner.Times times = viaRunner == null ? Runner.Times.UNKNOWN : viaRunner.times();
            // the program's wall time as the runner measured it in the box (the host's clock adds the round trip)
            Duration elapsed = times.wallMicros() >= 0 ? Duration.ofNanos(times.wallMicros() * 1000)
                    : Duration.ofNanos(ended - start);
            dev.sandbox4j.ResourceUsage usage = usage(viaRunner);
            if (box.isClosed() && status != ExecutionStatus.OK) {
                Closed c = closedOutcome();
                status = c.status();
                killReason = c.reason();
            } else if (status == ExecutionStatus.NONZERO_EXIT
                    && box.newOomKill(b, viaRunner == null ? -1 : viaRunner.oomKills())) {
                status = ExecutionStatus.OOM_KILLED;
                DataSize peak = usage == null ? null : usage.peakMemory();
                killReason = "out of memory (limit " + ctx.options().limits().memory()
                        + (peak != null && peak.bytes() > 0 ? "; peak " + peak : "") + ")";
            }
            if (bounds.lifetimeBound() && status == ExecutionStatus.TIMED_OUT) {
                expire.run();
            }
            log.debug("Session {} run finished: {} exit {} in {} ms", ctx.id(), status.wireName(), code,
                    elapsed.toMillis());
            long teardown = times.teardownMicros() * 1000; // negative: not measured
            if (userCode && viaRunner == null && killReason == null && box.kernelPid() == 0 && !box.isClosed()) {
                // without a runner nothing else kills what the run left behind, and nothing of one run may reach
                // the next (this kill would take a stateful session's kernel too: there it is left alone)
                long k = System.nanoTime();
                box.killUntrusted(b);
                teardown = Math.max(0, teardown) + System.nanoTime() - k;
            }
            PhaseTimings phases = new PhaseTimings(Map.of(PhaseTimings.Phase.ACQUIRE, Duration.ofNanos(start - asked),
                    PhaseTimings.Phase.RUN, elapsed));
            if (teardown >= 0) {
                phases = phases.plus(PhaseTimings.Phase.TEARDOWN, Duration.ofNanos(teardown));
            }
            ExecutionResult result = new ExecutionResult(out.text(), err.text(), code, elapsed, status, killReason,
                    out.overflowed(), err.overflowed()).withResourceUsage(usage).withPhases(phases);
            if (outputDir == null || box.isClosed()) {
                return result;
            }
            long a = System.nanoTime();
            ExecutionResult captured = files.artifacts(result, viaRunner == null ? null : viaRunner.artifacts(),
                    outputDir);
            return captured.plusPhases(PhaseTimings.of(PhaseTimings.Phase.ARTIFACTS,
                    Duration.ofNanos(System.nanoTime() - a)));
        } catch (ExecutionException e) {
            if (box.isClosed()) {
                Closed c = closedOutcome();
                return new ExecutionResult(out.text(), err.text(), -1, Duration.ofNanos(System.nanoTime() - start),
                        c.status(), c.reason(), out.overflowed(), err.overflowed());
            }
            throw SessionBox.unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            box.killUntrusted(b);
            throw new BackendException(ctx.backend().name(), "interrupted while waiting for the program", e);
        } finally {
            stop = null;
            handle.close();
        }
    }

    /** Why a run that used up its CPU time was stopped, citing what it used. */
    private static String cpuReason(Bounds bounds, Runner.RunHandle run) {
        Runner.Usage u = run.usage();
        long used = Math.max(run.times().runCpu(), u == null ? -1 : u.userMillis() + u.systemMillis());
        return "CPU time limit exceeded: used " + (used >= 0 ? Texts.human(Duration.ofMillis(used)) + " of CPU"
                : "its CPU time") + " (limit " + Texts.human(bounds.cpuLimit()) + ")";
    }

    /** What the runner measured of the program when it reaped it, or null. */
    private static dev.sandbox4j.@Nullable ResourceUsage usage(Runner.@Nullable RunHandle run) {
        Runner.Usage u = run == null ? null : run.usage();
        if (u == null) {
            return null;
        }
        return new dev.sandbox4j.ResourceUsage(Duration.ofMillis(u.userMillis()), Duration.ofMillis(u.systemMillis()),
                u.maxRssKib() > 0 ? DataSize.ofKilobytes(u.maxRssKib()) : null);
    }

    /**
     * Asks the runner to stop the run (it kills the program and what it started, then reports the exit); falls back to
     * {@link #killAndReap} if it does not report within {@link EngineLimits#KILL_GRACE}.
     */
    private int killThroughRunner(Box b, Runner.RunHandle run) throws InterruptedException {
        run.kill();
        try {
            int code = run.exitCode().get(EngineLimits.KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            if (run.leftBehind() == 0) {
                return code;
            }
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Session {}: the runner did not report the killed run: {}", ctx.id(), e.toString());
        }
        box.retireRunner();
        return killAndReap(b, run.exitCode());
    }

    /** Kills every untrusted process and returns the run's exit code (137 if it is not reported in time). */
    private int killAndReap(Box b, CompletableFuture<Integer> exit) throws InterruptedException {
        if (box.isClosed()) {
            return -1;
        }
        box.killOrReplace(b);
        try {
            return exit.get(EngineLimits.KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return 137;
        }
    }

    /** Keeps each stream up to the limit, passes what it keeps to the listener, and says when a stream overflowed. */
    private static final class LimitedSink implements OutputSink {
        private final BoundedBuffer out;
        private final BoundedBuffer err;
        private final OutputListener listener;
        private final CompletableFuture<String> flood;
        private final DataSize limit;

        LimitedSink(BoundedBuffer out, BoundedBuffer err, OutputListener listener, CompletableFuture<String> flood,
                DataSize limit) {
            this.out = out;
            this.err = err;
            this.listener = listener;
            this.flood = flood;
            this.limit = limit;
        }

        @Override
        public void stdout(byte[] chunk) {
            byte[] kept = out.append(chunk);
            if (kept.length > 0) {
                notify(() -> listener.onStdout(kept));
            }
            if (out.overflowed()) {
                flood.complete("stdout exceeded the output limit of " + limit);
            }
        }

        @Override
        public void stderr(byte[] chunk) {
            byte[] kept = err.append(chunk);
            if (kept.length > 0) {
                notify(() -> listener.onStderr(kept));
            }
            if (err.overflowed()) {
                flood.complete("stderr exceeded the output limit of " + limit);
            }
        }

        private static void notify(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("OutputListener threw {}", e.toString());
            }
        }
    }
}
