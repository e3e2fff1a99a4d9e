package dev.sandbox4j.core;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The kernel of a stateful session: one long-lived interpreter in the box that runs each run as a cell, keeping its
 * state between them. Starts it (after the runner, whose kills then spare it), runs cells with the run's timeout,
 * output limit and cancellation (an interrupt first, a restart if the cell does not stop), confirms each cell's end
 * with a ping the cell cannot answer in advance, and restarts it on {@link #restart} (a fresh interpreter, every
 * process of the sandbox user killed).
 */
final class KernelDriver {
    private static final Logger log = LoggerFactory.getLogger(KernelDriver.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Where the kernel's files go (outside {@link Launcher#RUNS_DIR}, which later runs clean up). */
    static final String KERNEL_DIR = "/tmp/.sandbox4j-kernel";

    private final SessionContext ctx;
    private final SessionBox box;
    private final ProgramRunner programs;
    private final BoxFiles files;
    private final Runnable expire;
    private final AtomicInteger cellIds = new AtomicInteger();
    private volatile @Nullable Kernel kernel;
    /** Whether a cell runs now (a cancellation then has something to stop). */
    private volatile boolean running;

    KernelDriver(SessionContext ctx, SessionBox box, ProgramRunner programs, BoxFiles files, Runnable expire) {
        this.ctx = ctx;
        this.box = box;
        this.programs = programs;
        this.files = files;
        this.expire = expire;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The live kernel, if there is one. */
    @Nullable Kernel live() {
        Kernel k = kernel;
        return k != null && k.isAlive() ? k : null;
    }

    /** The pid of the live kernel, whose process tree survives the runner's kills, or 0. */
    int pid() {
        Kernel k = live();
        return k != null ? k.pid() : 0;
    }

    /** Stops the cell in progress, if any: it is interrupted and ends as killed ("cancelled"). */
    void cancel() {
        Kernel k = kernel;
        if (k != null && running) {
            k.post(Kernel.CANCEL);
        }
    }

    /** Closes the kernel's connection (the session is closing; the box goes with everything in it). */
    void close() {
        Kernel k = kernel;
        if (k != null) {
            k.close();
        }
    }

    private Kernel kernel(Box b) {
        Kernel k = kernel;
        if (k != null && k.isAlive()) {
            return k;
        }
        if (k != null) {
            k.close();
        }
        ExecutionPlan plan = ctx.handler().kernelPlan(new PlanContext(KERNEL_DIR, List.of(), null, ctx.home()));
        if (plan == null) {
            throw new UnsupportedOperationException("stateful sessions are not supported for " + ctx.handler().id());
        }
        // a runner starting now would kill the kernel as a leftover: let it finish starting first
        box.runner(b);
        Launcher.Invocation inv = Launcher.buildKeepingStdin(KERNEL_DIR, plan.files(), plan.argv());
        long t0 = System.nanoTime();
        k = Kernel.start(ctx.backend(), b, new ExecRequest(inv.argv(), ctx.env(plan.env()), ctx.user(), ctx.home(),
                inv.stdin()), EngineLimits.KERNEL_START);
        log.debug("Session {}: kernel started (pid {}) in {} ms", ctx.id(), k.pid(),
                (System.nanoTime() - t0) / 1_000_000);
        kernel = k;
        return k;
    }

    /** Runs one cell in the kernel: the stateful counterpart of {@link #execute}. */
    ExecutionResult runCell(String code, RunOptions runOptions) {
        box.lock().lock();
        try {
            Box b = box.current();
            MDC.put("sandbox.session", ctx.id());
            ProgramRunner.Bounds bounds = programs.bounds(runOptions);
            DataSize limit = bounds.outputLimit();
            long start = System.nanoTime();
            Kernel k = kernel(b);
            k.dropPosted(); // a cancellation that came after the previous cell ended is not this one's
            running = true;
            int cell = cellIds.incrementAndGet();
            com.fasterxml.jackson.databind.node.ObjectNode req = k.request("execute");
            req.put("id", cell);
            req.put("code", code);
            if (runOptions.stdin() != null) {
                req.put("stdin", new String(runOptions.stdin(), StandardCharsets.UTF_8));
            }
            String outputDir = runOptions.captureArtifacts() ? ctx.home() + "/" + dev.sandbox4j.SandboxSession.OUTPUT_DIR : null;
            if (outputDir != null) {
                req.put("output_dir", outputDir);
            }
            BoundedBuffer out = new BoundedBuffer(limit.bytes());
            BoundedBuffer err = new BoundedBuffer(limit.bytes());
            Map<String, String> value = Map.of();
            List<Map<String, String>> displays = new ArrayList<>();
            CellOutput.CellError error = null;
            int count = -1;
            boolean interrupted = false;
            boolean restarted = false;
            ExecutionStatus status = null;
            String killReason = null;
            int exitCode = 0;
            String nonce = null; // the ping sent after the cell's done; its pong ends the cell
            boolean forged = false;
            try {
                k.send(req);
                long deadline = start + bounds.timeout().toNanos();
                long graceEnd = Long.MAX_VALUE;
                while (true) {
                    long now = System.nanoTime();
                    long wait = interrupted ? graceEnd - now : deadline - now;
                    com.fasterxml.jackson.databind.JsonNode m = wait > 0 ? k.next(wait) : null;
                    if (m == null) {
                        if (!interrupted) {
                            interrupted = true;
                            status = ExecutionStatus.TIMED_OUT;
                            killReason = programs.timeoutReason(bounds);
                            interrupt(k);
                            graceEnd = System.nanoTime() + EngineLimits.INTERRUPT_GRACE.toNanos();
                            continue;
                        }
                        // the cell ignored the interrupt: kill the kernel, its state is lost
                        restart(b);
                        restarted = true;
                        killReason += "; the kernel did not stop when interrupted and was restarted";
                        exitCode = 137;
                        break;
                    }
                    String type = m.path("type").asText();
                    if (type.equals(Kernel.CANCEL)) {
                        if (!interrupted) { // stop the cell as a timeout would, and say why
                            interrupted = true;
                            status = ExecutionStatus.KILLED;
                            killReason = "cancelled";
                            interrupt(k);
                            graceEnd = System.nanoTime() + EngineLimits.INTERRUPT_GRACE.toNanos();
                        }
                        continue;
                    }
                    if (m.has("id") && m.path("id").asInt() != cell && !type.equals("exit")) {
                        continue; // late output of an earlier, interrupted cell
                    }
                    if (nonce != null && !type.equals("stream") && !type.equals("exit")
                            && !type.equals("protocol_error")) {
                        // after the cell's done only its pong may come: anything else means the cell wrote protocol
                        // messages of its own (e.g. a done before it failed)
                        if (type.equals("pong") && nonce.equals(m.path("nonce").asText())) {
                            break;
                        }
                        if (!type.equals("pong")) {
                            forged = true;
                        }
                        continue;
                    }
                    switch (type) {
                        case "stream" -> {
                            byte[] text = m.path("text").asText().getBytes(StandardCharsets.UTF_8);
                            boolean isErr = m.path("name").asText().equals("stderr");
                            BoundedBuffer buf = isErr ? err : out;
                            byte[] kept = buf.append(text);
                            if (kept.length > 0) {
                                try {
                                    if (isErr) {
                                        runOptions.listener().onStderr(kept);
                                    } else {
                                        runOptions.listener().onStdout(kept);
                                    }
                                } catch (RuntimeException e) {
                                    log.warn("OutputListener threw {}", e.toString());
                                }
                            }
                            if (buf.overflowed() && !interrupted) {
                                interrupted = true;
                                status = ExecutionStatus.OUTPUT_LIMIT;
                                killReason = (isErr ? "stderr" : "stdout") + " exceeded the output limit of " + limit;
                                interrupt(k);
                                graceEnd = System.nanoTime() + EngineLimits.INTERRUPT_GRACE.toNanos();
                            }
                        }
                        case "display" -> displays.add(strings(m.path("data")));
                        case "result" -> value = strings(m.path("data"));
                        case "error" -> {
                            List<String> tb = new ArrayList<>();
                            m.path("traceback").forEach(x -> tb.add(x.asText()));
                            error = new CellOutput.CellError(m.path("ename").asText(), m.path("evalue").asText(), tb);
                        }
                        case "exit", "protocol_error" -> {
                            restarted = true;
                            int code2 = m.path("code").asInt(-1);
                            restart(b);
                            if (box.newOomKill(b)) {
                                status = ExecutionStatus.OOM_KILLED;
                                killReason = "out of memory (limit " + ctx.options().limits().memory() + "); the kernel was "
                                        + "restarted";
                            } else if (status == null) {
                                status = ExecutionStatus.KILLED;
                                killReason = type.equals("exit") ? "the kernel exited (code " + code2
                                        + "); its state is lost and the next run starts a new one"
                                        : "the kernel broke the protocol (" + m.path("detail").asText() + ")";
                            }
                            exitCode = code2 < 0 ? 137 : code2;
                        }
                        case "done" -> count = m.path("count").asInt();
                        default -> log.debug("Session {}: unexpected kernel message {}", ctx.id(), type);
                    }
                    if (type.equals("done") && k.answersPing() && !interrupted) {
                        // A cell can reach its own interpreter's protocol stream and write a done of its own, then go
                        // on. The kernel answers a ping only from its request loop, after the cell's real done: a
                        // nonce made now, after this done arrived, cannot have been known to the cell in advance.
                        nonce = HexFormat.of().formatHex(randomBytes(16));
                        com.fasterxml.jackson.databind.node.ObjectNode ping = k.request("ping");
                        ping.put("nonce", nonce);
                        k.send(ping);
                        continue;
                    }
                    if (type.equals("done") || type.equals("exit") || type.equals("protocol_error")) {
                        break;
                    }
                }
            } catch (java.io.IOException e) {
                restart(b);
                throw new BackendException(ctx.backend().name(), "lost the connection to the kernel: "
                        + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                restart(b);
                throw new BackendException(ctx.backend().name(), "interrupted while waiting for the kernel", e);
            }
            if (forged && !restarted) {
                log.warn("Session {}: cell {} wrote kernel protocol messages of its own; restarting the kernel",
                        ctx.id(), cell);
                restart(b);
                restarted = true;
                status = ExecutionStatus.KILLED;
                killReason = "the cell wrote kernel protocol messages of its own, so its result cannot be trusted; "
                        + "the kernel was restarted and its state is lost";
                exitCode = 137;
                value = Map.of();
                displays.clear();
                error = null;
            } else if (status == null) {
                status = error == null ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT;
                exitCode = error == null ? 0 : 1;
            } else if (status == ExecutionStatus.TIMED_OUT || status == ExecutionStatus.OUTPUT_LIMIT
                    || "cancelled".equals(killReason)) {
                exitCode = restarted ? 137 : 130;
            }
            if (bounds.lifetimeBound() && status == ExecutionStatus.TIMED_OUT) {
                expire.run();
            }
            List<Artifact> artifacts = new ArrayList<>();
            int n = 0;
            for (Map<String, String> d : displays) {
                String png = d.get("image/png");
                if (png != null) {
                    try {
                        artifacts.add(Artifact.of("display-" + (++n) + ".png", java.util.Base64.getDecoder()
                                .decode(png)));
                    } catch (IllegalArgumentException e) {
                        log.debug("Session {}: display is not Base64 PNG", ctx.id());
                    }
                }
            }
            ExecutionResult r = new ExecutionResult(out.text(), err.text(), exitCode,
                    Duration.ofNanos(System.nanoTime() - start), status, killReason, out.overflowed(),
                    err.overflowed(), List.of(), List.of(), artifacts,
                    new CellOutput(count, value, displays, error, restarted));
            if (outputDir != null && !box.isClosed()) {
                List<Artifact> shown = r.artifacts();
                Runner runner = box.liveRunner(b);
                r = files.artifacts(r, runner == null ? null : runner.capture(outputDir), outputDir);
                List<Artifact> all = new ArrayList<>(shown);
                all.addAll(r.artifacts());
                r = r.withArtifacts(all);
            }
            return r;
        } finally {
            running = false;
            MDC.remove("sandbox.session");
            box.lock().unlock();
        }
    }

    /** Asks the running cell to stop (KeyboardInterrupt-like); the kernel keeps its state if the cell does stop. */
    private void interrupt(Kernel k) throws java.io.IOException {
        if (k.interruptBySignal()) {
            box.capture(BoxScripts.sh(BoxScripts.SIGNAL, "interrupt", "INT", Integer.toString(k.pid())), new byte[0],
                    DataSize.ofKilobytes(4));
        } else {
            k.send(k.request("interrupt"));
        }
    }

    private static Map<String, String> strings(com.fasterxml.jackson.databind.JsonNode data) {
        Map<String, String> m = new LinkedHashMap<>();
        data.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                : e.getValue().toString()));
        return m;
    }

    /** Kills the kernel (and every process of the sandbox user); the next run starts a new one. */
    void restart(Box b) {
        Kernel k = kernel;
        kernel = null;
        box.killOrReplace(b);
        if (k != null) {
            k.close();
        }
    }

}
