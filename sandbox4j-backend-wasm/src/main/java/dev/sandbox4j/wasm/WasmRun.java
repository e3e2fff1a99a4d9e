package dev.sandbox4j.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Frames.Frame;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.wasm.DriverProcess.DriverGoneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a program (or, in a stateful session, a cell) on a {@link WasmSession}'s interpreter: sends the run
 * request to the driver, collects stdout and stderr within the output limit (passing what is kept to the run's
 * listener), watches the Deno process's memory, and turns the driver's answer into an {@link ExecutionResult}.
 *
 * <p>Past its timeout or output limit the program is interrupted first (KeyboardInterrupt, the interpreter's state
 * kept); only if it does not stop within a grace period, runs out of memory, breaks the driver's channel or the driver
 * ends is the interpreter killed, and the next use of the session starts a fresh one ({@link #killedInterpreter()}).
 * The session keeps the lifecycle, policy, history and execution count; a run is used once, under the session's
 * lock, and is not thread-safe.
 */
final class WasmRun {
    private static final Logger log = LoggerFactory.getLogger(WasmRun.class);
    private static final int KILLED_EXIT = 137;
    /** 128 + SIGINT: the run was interrupted. */
    private static final int INTERRUPTED_EXIT = 130;
    /** How long an interrupted program has to stop before its interpreter is killed. */
    private static final long INTERRUPT_GRACE_NANOS = 2_000_000_000L;

    private final String sessionId;
    private final SessionOptions options;
    private final WasmRuntime runtime;
    private final Supplier<@Nullable String> closedBecause;
    private final String code;
    private final RunOptions runOptions;
    private final String cwd;
    private final Duration timeout;
    private final DataSize limit;
    private final BoundedBuffer out;
    private final BoundedBuffer err;

    private @Nullable JsonNode result;
    private @Nullable ExecutionStatus status;
    private @Nullable String killReason;
    /** Set once the program was interrupted (timeout or output limit): what it ends with unless it is killed. */
    private @Nullable ExecutionStatus stopping;
    private @Nullable String stopReason;
    private long stopDeadline;
    private boolean killed;

    /**
     * @param closedBecause why the session was closed, or {@code null} while it is open (a close during the run ends
     *     the driver; the run then reports this reason)
     */
    WasmRun(String sessionId, SessionOptions options, WasmRuntime runtime, Supplier<@Nullable String> closedBecause,
            String code, RunOptions runOptions, String cwd, Duration timeout) {
        this.sessionId = sessionId;
        this.options = options;
        this.runtime = runtime;
        this.closedBecause = closedBecause;
        this.code = code;
        this.runOptions = runOptions;
        this.cwd = cwd;
        this.timeout = timeout;
        this.limit = runOptions.outputLimit() != null ? runOptions.outputLimit() : options.limits().outputLimit();
        this.out = new BoundedBuffer(limit.bytes());
        this.err = new BoundedBuffer(limit.bytes());
    }

    /**
     * Runs the program on {@code d} and returns its result.
     *
     * @param cell the number the cell gets if the interpreter survives (stateful sessions; 1 on a fresh interpreter)
     * @param restarted whether the interpreter was started afresh (state lost) since the previous run
     */
    ExecutionResult execute(DriverProcess d, int cell, boolean restarted) {
        log.debug("Session {} run (timeout {}, output limit {})", sessionId, timeout, limit);
        long start = System.nanoTime();
        try {
            d.command(command(cell), runOptions.stdin());
            readFrames(d, start);
        } catch (DriverGoneException e) {
            String closed = closedBecause.get();
            if (closed != null) {
                status = ExecutionStatus.KILLED;
                killReason = closed;
            } else if (e.heapExhausted()) {
                status = ExecutionStatus.OOM_KILLED;
                killReason = "out of memory (limit " + options.limits().memory() + "): V8's heap is exhausted";
            } else {
                status = ExecutionStatus.KILLED;
                killReason = e.getMessage();
            }
        } catch (IOException | UncheckedIOException e) {
            status = ExecutionStatus.KILLED;
            killReason = "the driver's channel failed: " + e.getMessage();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return toResult(elapsed, cell, restarted);
    }

    /** Whether the run killed the interpreter (its state and files are lost; the next use starts a fresh one). */
    boolean killedInterpreter() {
        return killed;
    }

    private Map<String, Object> command(int cell) {
        Map<String, String> env = new LinkedHashMap<>(options.runtime().env());
        env.putAll(runOptions.env());
        List<String> argv = new ArrayList<>();
        argv.add(options.stateful() ? "<cell>" : "main.py");
        argv.addAll(runOptions.args());
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("op", "run");
        command.put("code", code);
        command.put("stateful", options.stateful());
        command.put("env", env);
        command.put("argv", argv);
        command.put("cwd", cwd);
        command.put("filename", options.stateful() ? "<cell-" + cell + ">" : "main.py");
        command.put("artifacts", runOptions.captureArtifacts());
        command.put("data", runOptions.stdin() != null);
        return command;
    }

    /** Reads the driver's frames until the program's result, or until the run has to be killed. */
    private void readFrames(DriverProcess d, long start) throws DriverGoneException, IOException {
        long deadline = start + timeout.toNanos();
        long residentLimit = DriverProcess.residentLimit(options.limits().memory().bytes());
        long nextWatch = start + DriverProcess.WATCH_NANOS;
        while (result == null && status == null) {
            long waitUntil = stopping != null ? stopDeadline : deadline;
            Frame f = d.next(Math.min(waitUntil, nextWatch));
            long now = System.nanoTime();
            if (now - nextWatch >= 0) {
                // backstop: memory a program allocates through JavaScript (ArrayBuffers) is outside both limits
                nextWatch = now + DriverProcess.WATCH_NANOS;
                long rss = d.residentBytes();
                if (rss > residentLimit) {
                    status = ExecutionStatus.OOM_KILLED;
                    killReason = "out of memory (limit " + options.limits().memory() + "): the Deno process "
                            + "grew to " + (rss >> 20) + " MiB";
                    return;
                }
            }
            if (f == null) {
                if (now - waitUntil < 0) {
                    continue;
                }
                if (stopping == null) {
                    stop(d, ExecutionStatus.TIMED_OUT, "timed out after " + Texts.human(timeout));
                    continue;
                }
                status = stopping;
                killReason = stopReason + "; the program did not stop when interrupted";
                return;
            }
            switch (f.type()) {
                case 'O', 'E' -> output(d, f.type() == 'O', f.payload());
                case 'R' -> result = DriverProcess.json(f);
                default -> {
                    status = ExecutionStatus.KILLED;
                    killReason = "the sandboxed program broke the driver's channel (frame '" + f.type() + "')";
                }
            }
        }
    }

    /** Keeps a chunk of output within the limit and passes what is kept on; interrupts a program that floods. */
    private void output(DriverProcess d, boolean isOut, byte[] chunk) {
        BoundedBuffer c = isOut ? out : err;
        byte[] kept = c.append(chunk);
        if (kept.length > 0) {
            OutputListener listener = runOptions.listener();
            if (isOut) {
                listener.onStdout(kept);
            } else {
                listener.onStderr(kept);
            }
        }
        if (c.overflowed() && stopping == null) {
            stop(d, ExecutionStatus.OUTPUT_LIMIT,
                    (isOut ? "stdout" : "stderr") + " exceeded the output limit of " + limit);
        }
    }

    /** Asks the driver to interrupt the running program, which then has the grace period to stop. */
    private void stop(DriverProcess d, ExecutionStatus why, String reason) {
        stopping = why;
        stopReason = reason;
        d.command(Map.of("op", "interrupt"), null);
        stopDeadline = System.nanoTime() + INTERRUPT_GRACE_NANOS;
    }

    /** The run's result; kills the interpreter first if it is stuck, flooding, out of memory or gone. */
    private ExecutionResult toResult(Duration elapsed, int cell, boolean restarted) {
        int exitCode = KILLED_EXIT;
        List<Artifact> artifacts = List.of();
        CellOutput.CellError error = null;
        Map<String, String> value = Map.of();
        JsonNode r = result;
        if (r != null) {
            exitCode = r.path("exit").asInt(1);
            if (r.path("oom").asBoolean(false)) {
                status = ExecutionStatus.OOM_KILLED;
                killReason = "out of memory (limit " + options.limits().memory() + "): MemoryError";
            } else if (stopping != null) {
                status = stopping;
                if (r.path("interrupted").asBoolean(false)) {
                    exitCode = INTERRUPTED_EXIT;
                    killReason = stopReason + "; the program was interrupted (KeyboardInterrupt)"
                            + (options.stateful() ? ", the session's state is kept" : "");
                } else {
                    killReason = stopReason;
                }
            } else {
                status = exitCode == 0 ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT;
            }
            JsonNode e = r.path("error");
            if (e.isObject()) {
                List<String> tb = new ArrayList<>();
                e.path("traceback").forEach(n -> tb.add(n.asText()));
                error = new CellOutput.CellError(e.path("name").asText(), e.path("value").asText(), tb);
            }
            if (r.hasNonNull("value")) {
                value = Map.of("text/plain", r.get("value").asText());
            }
            List<Artifact> found = new ArrayList<>();
            r.path("artifacts").forEach(a -> found.add(Artifact.of(a.path("name").asText(),
                    Base64.getDecoder().decode(a.path("data").asText()))));
            artifacts = found;
        }
        killed = r == null || status == ExecutionStatus.OOM_KILLED;
        if (killed) {
            // the next use of the session starts a fresh interpreter
            runtime.killDriver();
            if (closedBecause.get() == null) {
                killReason += options.stateful() ? "; the interpreter was restarted and its state is lost"
                        : "; the interpreter was restarted (files in the sandbox are lost)";
            }
        }
        CellOutput cellOutput = null;
        if (options.stateful()) {
            // a killed cell is the first of the fresh interpreter
            cellOutput = new CellOutput(killed ? 1 : cell, value, List.of(), error, restarted || killed);
        }
        return new ExecutionResult(out.text(), err.text(), exitCode, elapsed, status, killReason, out.overflowed(),
                err.overflowed(), List.of(), List.of(), artifacts, cellOutput);
    }
}
