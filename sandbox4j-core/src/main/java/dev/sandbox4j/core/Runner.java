package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The resident runner of a box: one long-lived process ({@code box/runner.pl}, perl-base only) started by one
 * engine exec, which then starts each program of the session itself. An engine exec costs tens of milliseconds (the
 * runtime joins the container's namespaces every time); the runner forks and execs in about one.
 *
 * <p>It runs as the sandbox user, like the programs it starts, but it protects its channel to the host: it makes itself
 * non-dumpable before it reads anything (processes of its uid can neither ptrace it nor open its descriptors through
 * {@code /proc}), and a runner that cannot do that is refused ({@link #start} fails and the session uses engine execs).
 * It enforces each run's deadline itself and, when a run ends, kills every process of the uid the run left behind
 * (except a stateful session's kernel tree), with {@code kill(-1)}, which needs no free pid: fork bombs, daemons and
 * trees that ignore SIGTERM end at once. A program can still kill or stop the runner (same uid): its own run then ends
 * with the runner's exit code, or at the host's backstop deadline, and the session replaces the runner.
 *
 * <p>Runs are sequential: {@link #run} must not be called again before the previous run's exit code completed or its
 * handle was closed.
 */
final class Runner implements AutoCloseable {
    private final ExecHandle handle;
    private final OutputStream toRunner;
    private final RunnerWire.Parser parser = new RunnerWire.Parser("ROEXFKZACL", new RunnerWire.Receiver() {
        @Override
        public void frame(char type, byte[] payload) {
            Runner.this.frame(type, payload);
        }

        @Override
        public void garbage() {
            broken = true;
            died(-1);
        }
    });
    /** Reports of the output directory the runner owes ({@link ArtifactCapture}). */
    private final ArtifactCapture.Queue captures = new ArtifactCapture.Queue();
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private final BoundedBuffer errors = new BoundedBuffer(8 * 1024);
    private final Object lock = new Object();
    private @Nullable Run current;
    /** Runs closed before their exit frame: frames are dropped until that many exit frames have gone by. */
    private int abandoned;
    private volatile boolean broken;
    /** Kill requests waiting for their {@code K} answer, oldest first. */
    private final java.util.ArrayDeque<CompletableFuture<Integer>> kills = new java.util.ArrayDeque<>();
    /** What the runner said of itself when it became ready: "pid=P dumpable=0 kill=1". */
    private volatile String readyInfo = "";
    /** The fork server beside the runner: its state and the argv it was last started with. */
    private final RunnerForkServer forkServer = new RunnerForkServer();

    private Runner(SandboxBackend backend, Box box, String user, String workdir, Map<String, String> env, String mode,
            int spare) {
        ChunkPipe pipe = new ChunkPipe(64);
        this.toRunner = pipe.sink();
        ExecRequest request = new ExecRequest(List.of("perl", "-e", BoxScripts.RUNNER, mode, Integer.toString(spare)), env, user,
                workdir, new byte[0]);
        this.handle = backend.exec(box, request, pipe.source(), new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                if (!broken) {
                    parser.feed(chunk);
                }
            }

            @Override
            public void stderr(byte[] chunk) {
                errors.append(chunk);
            }
        });
        handle.exitCode().whenComplete((code, e) -> died(code == null ? 137 : code));
    }


    /**
     * Starts the runner of a box made with {@code runtime}: as its sandbox user, in its work directory, with the
     * environment every program of the box starts with ({@link SessionContext#baseEnv}).
     *
     * @param spare pid of a process whose tree the runner leaves alone (a stateful session's kernel), or 0
     * @param clean whether to kill every process of the sandbox user outside {@code spare}'s tree as it starts (a
     *     runner replacing one that died, in a box where leftovers of runs may wait for it); never while something
     *     else of the session may run (a fresh box's file transfers)
     * @throws BackendException if it exits, does not become ready within {@link EngineLimits#RUNNER_START} or cannot protect
     *     itself (non-dumpable)
     * @throws UnsupportedOperationException if the backend cannot stream an exec's standard input
     */
    static Runner start(SandboxBackend backend, Box box, dev.sandbox4j.RuntimeConfig runtime, int spare,
            boolean clean) {
        return start(backend, box, runtime.user(), runtime.workdir(), SessionContext.baseEnv(runtime),
                EngineLimits.RUNNER_START, clean ? Mode.BOX_CLEAN : Mode.BOX, spare);
    }

    /** Where a runner runs, which decides what it may kill. */
    enum Mode {
        /** On the host (tests): it only ever kills the programs it started. */
        HOST("host"),
        /** In a box of its own: it kills what runs leave behind (every process of its uid). */
        BOX("box"),
        /** In a box, replacing a runner that died: it also kills every other process of its uid as it starts. */
        BOX_CLEAN("box-clean");

        final String arg;

        Mode(String arg) {
            this.arg = arg;
        }
    }

    /**
     * Starts a runner and waits until it is ready.
     *
     * @param mode where it runs: only in a box of its own may it kill every process of its uid
     * @throws BackendException if it exits, does not become ready in time (e.g. the image has no perl) or cannot
     *     protect itself (non-dumpable)
     * @throws UnsupportedOperationException if the backend cannot stream an exec's standard input
     */
    static Runner start(SandboxBackend backend, Box box, String user, String workdir, Map<String, String> env,
            Duration timeout, Mode mode, int spare) {
        Runner r = new Runner(backend, box, user, workdir, env, mode.arg, spare);
        try {
            r.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.readyInfo.contains("dumpable=0")) {
                r.close();
                throw new BackendException(backend.name(), "the runner cannot protect its channel (prctl "
                        + "PR_SET_DUMPABLE failed: " + r.readyInfo + ")", null);
            }
            return r;
        } catch (ExecutionException | TimeoutException e) {
            r.close();
            String err = r.errors.text().strip();
            throw new BackendException(backend.name(), "the runner did not start"
                    + (e instanceof TimeoutException ? " within " + timeout.toMillis() + " ms" : "")
                    + (err.isEmpty() ? "" : ": " + err), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.close();
            throw new BackendException(backend.name(), "interrupted while starting the runner", e);
        }
    }

    /** Whether it kills what runs leave behind (in a box, as a non-root uid). */
    boolean killsLeftovers() {
        return readyInfo.contains("kill=1");
    }

    /** Whether it can take a run: started, not exited, stream intact. */
    boolean isAlive() {
        return ready.isDone() && !ready.isCompletedExceptionally() && !handle.exitCode().isDone() && !broken;
    }

    /**
     * Starts a program with no deadline of the runner's own, sparing nothing. See {@link #run(ExecRequest, OutputSink,
     * Duration, int)}.
     */
    RunHandle run(ExecRequest request, OutputSink sink) {
        return run(request, sink, null, null, 0);
    }

    /** {@link #run(ExecRequest, OutputSink, Duration, Duration, int)} without a CPU time limit. */
    RunHandle run(ExecRequest request, OutputSink sink, @Nullable Duration timeout, int spare) {
        return run(request, sink, timeout, null, spare);
    }

    /**
     * Starts a program. Its exit code completes when the runner reports it; if the runner dies first (killed with
     * every process of the sandbox user, or by the program), with the runner's own exit code.
     *
     * @param timeout the program's deadline: the runner kills it (and every process of the uid outside {@code
     *     spare}'s tree) when it passes, or {@code null} for none
     * @param cpuLimit the CPU time all processes of the run may use together: past it the runner kills them as at
     *     the deadline ({@link Killed#CPU}), or {@code null} for no limit
     * @param spare pid whose process tree survives the kills of this run, or 0
     */
    RunHandle run(ExecRequest request, OutputSink sink, @Nullable Duration timeout, @Nullable Duration cpuLimit,
            int spare) {
        return run(request, sink, timeout, cpuLimit, spare, null);
    }

    /**
     * As {@link #run(ExecRequest, OutputSink, Duration, Duration, int)}; with a {@code captureDir}, the runner empties
     * that directory before the program starts and reports what the program left in it after
     * ({@link RunHandle#artifacts}).
     */
    RunHandle run(ExecRequest request, OutputSink sink, @Nullable Duration timeout, @Nullable Duration cpuLimit,
            int spare, @Nullable String captureDir) {
        String capture = captureDir == null ? "" : ArtifactCapture.options(captureDir);
        return start(new Run(sink, spare, captureDir), RunnerWire.run(request, timeout, cpuLimit, spare, capture,
                List.of()));
    }
    /** Reports what is in {@code outputDir} now (a kernel's cell wrote it), as after a run that captures. */
    CompletableFuture<ArtifactCapture.Result> capture(String outputDir) {
        ArtifactCapture c = new ArtifactCapture();
        captures.add(c);
        try {
            send(RunnerWire.request(List.of("capture".getBytes(StandardCharsets.US_ASCII),
                    ArtifactCapture.options(outputDir).getBytes(StandardCharsets.UTF_8))));
        } catch (IOException e) {
            broken = true;
            captures.remove(c);
            c.fail("cannot send the request to the runner: " + e.getMessage());
        }
        return c.result();
    }

    private RunHandle start(Run run, byte[] request) {
        synchronized (lock) {
            if (!isAlive()) {
                throw new IllegalStateException("runner is not running");
            }
            if (current != null) {
                throw new IllegalStateException("a run is already in progress");
            }
            current = run;
        }
        if (run.capture != null) {
            captures.add(run.capture);
        }
        try {
            send(request);
        } catch (IOException e) {
            synchronized (lock) {
                current = null;
            }
            if (run.capture != null) {
                captures.remove(run.capture);
                run.capture.fail("the run was not sent");
            }
            broken = true;
            throw new BackendException("runner", "cannot send the program to the runner: " + e.getMessage(), e);
        }
        return run;
    }

    /**
     * Starts the fork server beside the runner (in the background: {@link #forkServerReady()} says when it can take
     * runs). Its argv must run a process that speaks the runner's fork-server channel (the Python plug-in's
     * {@code lang/sandbox4j_zygote.py}).
     */
    void startForkServer(List<String> argv, Map<String, String> env) {
        byte[] request = forkServer.startRequest(argv, env);
        try {
            send(request);
        } catch (IOException e) {
            broken = true;
            forkServer.notSent(e);
        }
    }

    /** Whether a fork server was asked for (it may still be starting, or have failed). */
    boolean forkServerRequested() {
        return forkServer.requested();
    }

    /** The argv the fork server was last started with (empty if it never was). */
    List<String> forkServerArgv() {
        return forkServer.argv();
    }

    /** Whether the fork server is up and takes runs ({@link #runForked}). */
    boolean forkServerReady() {
        return forkServer.ready() && isAlive();
    }

    /** Whether a fork server was started and has since failed (it is not started again). */
    boolean forkServerFailed() {
        return forkServer.failed();
    }

    /**
     * Runs a program of a plan in a child of the fork server (no exec): the child writes the plan's files into
     * {@code runDir} (emptying {@code outputDir}), as the launcher would, then runs {@code request.argv()}'s script.
     * Like {@link #run(ExecRequest, OutputSink, Duration, Duration, int)} otherwise.
     */
    RunHandle runForked(ExecRequest request, Map<String, byte[]> files, String runDir, @Nullable String outputDir,
            OutputSink sink, @Nullable Duration timeout, @Nullable Duration cpuLimit, int spare) {
        String options = "zygote=1\nenvc=" + request.env().size() + "\nrundir=" + runDir + "\n"
                + (outputDir != null ? ArtifactCapture.options(outputDir) : "");
        List<byte[]> extra = new ArrayList<>();
        files.forEach((name, content) -> {
            extra.add(name.getBytes(StandardCharsets.UTF_8));
            extra.add(content);
        });
        return start(new Run(sink, spare, outputDir), RunnerWire.run(request, timeout, cpuLimit, spare, options,
                extra));
    }

    private void send(byte[] frame) throws IOException {
        synchronized (toRunner) {
            toRunner.write(frame);
            toRunner.flush();
        }
    }

    /**
     * Kills every process of the sandbox user outside {@code spare}'s tree, between runs (the runner itself lives on).
     *
     * @return how many processes survived (0: clean), or -1 if the runner did not answer within {@code timeout} (it is
     *     then closed) or cannot kill in this box
     */
    int killAll(int spare, Duration timeout) {
        if (!isAlive() || !killsLeftovers()) {
            return -1;
        }
        CompletableFuture<Integer> answer = requestKill(spare);
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            close();
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return -1;
        }
    }

    private CompletableFuture<Integer> requestKill(int spare) {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        synchronized (lock) {
            kills.addLast(answer);
        }
        try {
            send(RunnerWire.request(List.of("kill".getBytes(StandardCharsets.US_ASCII),
                    Integer.toString(spare).getBytes(StandardCharsets.US_ASCII))));
        } catch (IOException e) {
            broken = true;
            answer.completeExceptionally(e);
        }
        return answer;
    }

    private void died(int code) {
        ready.completeExceptionally(new IllegalStateException("runner exited with code " + code));
        Run run;
        List<CompletableFuture<Integer>> waiting;
        synchronized (lock) {
            run = current;
            current = null;
            waiting = new ArrayList<>(kills);
            kills.clear();
        }
        waiting.forEach(k -> k.complete(-1));
        captures.failAll("the runner exited (code " + code + ")");
        if (run != null) {
            run.exit.complete(code);
        }
    }

    private void frame(char type, byte[] payload) {
        if (type == 'R') {
            readyInfo = new String(payload, StandardCharsets.US_ASCII);
            ready.complete(0);
            return;
        }
        if (type == 'Z') {
            forkServer.frame(payload);
            return;
        }
        if (captures.frame(type, payload)) {
            return;
        }
        if (type == 'K') {
            CompletableFuture<Integer> answer;
            synchronized (lock) {
                answer = kills.pollFirst();
            }
            if (answer != null) {
                answer.complete((int) RunnerWire.field(payload, "left", -1));
            }
            return;
        }
        Run run;
        synchronized (lock) {
            if (abandoned > 0) {
                if (type == 'X' || type == 'F') {
                    abandoned--;
                }
                return;
            }
            run = current;
            if (type == 'X' || type == 'F') {
                current = null;
            }
        }
        if (run == null) {
            return; // nobody asked (a program writing to the runner's stream): dropped
        }
        switch (type) {
            case 'O' -> run.sink.stdout(payload);
            case 'E' -> run.sink.stderr(payload);
            case 'X' -> {
                run.killedBy = switch (String.valueOf(RunnerWire.fieldText(payload, "killed"))) {
                    case "timeout" -> Killed.TIMEOUT;
                    case "host" -> Killed.HOST;
                    case "cpu" -> Killed.CPU;
                    default -> Killed.NO;
                };
                run.left = (int) RunnerWire.field(payload, "left", 0);
                run.usage = Usage.parse(RunnerWire.fieldText(payload, "cpu_ms"), RunnerWire.field(payload, "maxrss_kb", -1));
                run.oomKills = RunnerWire.field(payload, "oom_kills", -1);
                run.times = new Times(RunnerWire.field(payload, "wall_us", -1),
                        RunnerWire.field(payload, "teardown_us", -1), RunnerWire.field(payload, "run_cpu_ms", -1));
                run.exit.complete((int) RunnerWire.field(payload, "code", -1));
            }
            case 'F' -> {
                String why = new String(payload, StandardCharsets.UTF_8);
                if (why.contains("fork server")) {
                    run.notStarted = true; // the program never started: it may run again another way
                } else {
                    run.sink.stderr(("sandbox4j: " + why + "\n").getBytes(StandardCharsets.UTF_8));
                }
                run.exit.complete(126);
            }
            default -> { } // unknown frame types are ignored
        }
    }

    @Override
    public void close() {
        broken = true;
        try {
            toRunner.close();
        } catch (IOException ignored) {
            // already closed
        }
        handle.close();
        died(137);
    }

    /** Who ended a run early. */
    enum Killed {
        /** Nobody: the program exited by itself (or was killed by something else: see its exit code). */
        NO,
        /** The runner, at the run's deadline. */
        TIMEOUT,
        /** The runner, at the host's request ({@link RunHandle#kill}). */
        HOST,
        /** The runner (or RLIMIT_CPU), when the run's processes used up its CPU time limit. */
        CPU
    }

    /**
     * What the runner timed of a run, each -1 if unknown.
     *
     * @param wallMicros the program's wall time, from its start to its exit (or kill)
     * @param teardownMicros the kill of its leftovers and the drain of its output after that
     * @param runCpu the CPU time (ms) of all the run's processes as the runner last polled it (with a CPU limit only)
     */
    record Times(long wallMicros, long teardownMicros, long runCpu) {
        static final Times UNKNOWN = new Times(-1, -1, -1);
    }

    /** A program started by the runner: its exit code, who killed it, and a way to stop it. */
    interface RunHandle extends ExecHandle {
        /** Who ended the run early, once {@link #exitCode()} completed. */
        Killed killedBy();

        /** How many processes survived the kill of what the run left behind (0: none), once it completed. */
        int leftBehind();

        /** Asks the runner to kill the program (and every process of the uid outside the spared tree) now. */
        void kill();

        /** What the program used, as the kernel counted it when it was reaped, once it completed; null if unknown. */
        @Nullable Usage usage();

        /** The box's OOM-kill counter as the runner read it after a failed run, or -1 if it did not. */
        long oomKills();

        /** Whether the run ended before its program started (the fork server was gone): it may run again. */
        boolean notStarted();

        /** The runner's report of the output directory after the run, or null if the run does not capture. */
        @Nullable CompletableFuture<ArtifactCapture.Result> artifacts();

        /** What the runner timed of the run, once it completed. */
        Times times();
    }

    /**
     * CPU time and peak resident memory of a program and of the children it waited for (wait4's rusage).
     *
     * @param userMillis user CPU time
     * @param systemMillis system CPU time
     * @param maxRssKib peak resident set size in KiB, or -1 if unknown
     */
    record Usage(long userMillis, long systemMillis, long maxRssKib) {
        static @Nullable Usage parse(@Nullable String cpu, long maxRss) {
            if (cpu == null) {
                return null;
            }
            int plus = cpu.indexOf('+');
            try {
                return new Usage(Long.parseLong(cpu.substring(0, plus)), Long.parseLong(cpu.substring(plus + 1)),
                        maxRss);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /** One program started by the runner. */
    private final class Run implements RunHandle {
        private final OutputSink sink;
        private final int spare;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private volatile Killed killedBy = Killed.NO;
        private volatile int left;
        private volatile @Nullable Usage usage;
        private volatile long oomKills = -1;
        private volatile boolean notStarted;
        private final @Nullable ArtifactCapture capture;
        private volatile Times times = Times.UNKNOWN;

        Run(OutputSink sink, int spare, @Nullable String captureDir) {
            this.sink = sink;
            this.spare = spare;
            this.capture = captureDir == null ? null : new ArtifactCapture();
        }

        @Override
        public @Nullable CompletableFuture<ArtifactCapture.Result> artifacts() {
            return capture == null ? null : capture.result();
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
        }

        @Override
        public Killed killedBy() {
            return killedBy;
        }

        @Override
        public int leftBehind() {
            return left;
        }

        @Override
        public @Nullable Usage usage() {
            return usage;
        }

        @Override
        public long oomKills() {
            return oomKills;
        }

        @Override
        public boolean notStarted() {
            return notStarted;
        }

        @Override
        public Times times() {
            return times;
        }

        @Override
        public void kill() {
            if (!exit.isDone() && isAlive()) {
                requestKill(spare); // answered with a K after the run's X; nobody waits for it
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (current == this) {
                    current = null;
                    abandoned++;
                }
            }
            exit.complete(-1);
        }
    }
}
