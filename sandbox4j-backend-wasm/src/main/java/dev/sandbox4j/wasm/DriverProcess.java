package dev.sandbox4j.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.spi.Frames;
import dev.sandbox4j.spi.Frames.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Deno process running the driver: a reader thread turns its stdout into frames, another keeps the tail of its
 * stderr (Deno's and Pyodide's own diagnostics) for error messages.
 */
final class DriverProcess {
    private static final Logger log = LoggerFactory.getLogger(DriverProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DRIVER_FRAME_TYPES = "YOERFX";
    private static final int STDERR_TAIL = 16 * 1024;
    /** How often a run checks the Deno process's resident memory ({@link #residentBytes()}). */
    static final long WATCH_NANOS = 200_000_000L;
    /** Deno's own footprint besides the interpreter's linear memory and V8's heap (both bounded by the limit). */
    private static final long RUNTIME_HEADROOM = 256L << 20;

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>(256);
    private final StringBuilder stderrTail = new StringBuilder();
    private final String name;
    private volatile boolean killed;

    /** The driver ended (exited, was killed, or broke the framing). */
    static final class DriverGoneException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean heapExhausted;

        DriverGoneException(String message, boolean heapExhausted, @Nullable Throwable cause) {
            super(message, cause);
            this.heapExhausted = heapExhausted;
        }

        /** Whether V8 died of heap exhaustion (its {@code --max-old-space-size}). */
        boolean heapExhausted() {
            return heapExhausted;
        }
    }

    private record End(@Nullable IOException error) {}

    private DriverProcess(Process process, String name) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.name = name;
    }

    /**
     * Starts a driver and waits for its ready frame.
     *
     * @throws BackendException if Deno cannot be started or the driver does not become ready in time
     */
    static DriverProcess start(List<String> argv, Map<String, String> env, Path directory, Duration startTimeout,
            int maxFrame, String name) {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(directory.toFile());
        pb.environment().clear(); // the host's environment never reaches the sandbox
        pb.environment().putAll(env);
        log.debug("Starting {}: {}", name, argv);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BackendException("wasm", "cannot start Deno (" + argv.get(0) + "): " + e.getMessage(), e);
        }
        DriverProcess d = new DriverProcess(p, name);
        d.startThreads(maxFrame);
        try {
            Frame ready = d.next(System.nanoTime() + startTimeout.toNanos());
            if (ready == null) {
                d.kill();
                throw new BackendException("wasm", "Pyodide did not start within " + startTimeout + d.stderrHint(),
                        null);
            }
            if (ready.type() != 'Y') {
                d.kill();
                throw new BackendException("wasm", "Pyodide failed to start: " + d.describe(ready) + d.stderrHint(),
                        null);
            }
            JSON.readTree(ready.payload()); // its content (the driver's versions) is not used, but it must be JSON
            return d;
        } catch (DriverGoneException e) {
            throw new BackendException("wasm", "Pyodide failed to start: " + e.getMessage(), e);
        } catch (IOException e) {
            d.kill();
            throw new BackendException("wasm", "Pyodide sent a malformed ready message", e);
        }
    }

    private void startThreads(int maxFrame) {
        InputStream out = process.getInputStream();
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            Frames.Decoder decoder = Frames.typedDecoder(DRIVER_FRAME_TYPES, maxFrame);
            boolean[] stopped = {false};
            IOException error = null;
            byte[] buf = new byte[64 * 1024];
            try {
                for (int n; !stopped[0] && (n = out.read(buf)) > 0; ) {
                    decoder.feed(buf, 0, n, f -> stopped[0] = stopped[0] || !offer(f));
                }
                if (stopped[0]) {
                    return;
                }
                if (decoder.hasPartialFrame()) {
                    error = new Frames.FrameException("stream ended inside a frame");
                }
            } catch (IOException e) {
                error = e;
            }
            offer(new End(error));
        });
        InputStream err = process.getErrorStream();
        Thread.ofPlatform().daemon().name(name + "-stderr").start(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = err.read(buf)) > 0; ) {
                    String text = new String(buf, 0, n, StandardCharsets.UTF_8);
                    synchronized (stderrTail) {
                        stderrTail.append(text);
                        if (stderrTail.length() > STDERR_TAIL) {
                            stderrTail.delete(0, stderrTail.length() - STDERR_TAIL);
                        }
                    }
                    if (log.isDebugEnabled()) {
                        log.debug("{} stderr: {}", name, Texts.sanitize(text, 1024));
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    private boolean offer(Object item) {
        try {
            while (!frames.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (killed) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The next frame, or {@code null} when {@code deadlineNanos} ({@link System#nanoTime()}) passes first.
     *
     * @throws DriverGoneException if the driver ended or broke the framing (it is then killed)
     */
    @Nullable Frame next(long deadlineNanos) throws DriverGoneException {
        Object item;
        try {
            item = frames.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new DriverGoneException("interrupted", false, e);
        }
        if (item == null) {
            return null;
        }
        if (item instanceof Frame f) {
            if (f.type() == 'X') {
                kill();
                throw new DriverGoneException("the driver failed: " + describe(f) + stderrHint(), heapExhausted(),
                        null);
            }
            return f;
        }
        End end = (End) item;
        frames.offer(end); // later calls see the end too
        int code = waitForExit();
        kill();
        if (end.error() != null) {
            throw new DriverGoneException("the sandboxed program broke the driver's channel ("
                    + end.error().getMessage() + ")", false, end.error());
        }
        boolean oom = heapExhausted();
        throw new DriverGoneException((killed && !oom ? "the Deno process was killed" : "the Deno process exited")
                + " (exit code " + code + ")" + stderrHint(), oom, null);
    }

    /** Sends one frame. */
    void send(char type, byte[] payload) throws IOException {
        stdin.write(Frames.typed(type, payload));
    }

    /** Sends a command, with an optional data frame after it. */
    void command(Map<String, ?> command, byte @Nullable [] data) {
        try {
            byte[] json = JSON.writeValueAsBytes(command);
            send('C', json);
            if (data != null) {
                send('D', data);
            }
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(Frame f) throws IOException {
        return JSON.readTree(f.payload());
    }

    private int waitForExit() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** Whether V8 reported running out of heap (its {@code --max-old-space-size}). */
    boolean heapExhausted() {
        String tail = stderrTail();
        return tail.contains("out of memory") || tail.contains("heap limit");
    }

    String stderrTail() {
        synchronized (stderrTail) {
            return stderrTail.toString();
        }
    }

    private String stderrHint() {
        String tail = stderrTail().strip();
        if (tail.isEmpty()) {
            return "";
        }
        int from = Math.max(0, tail.length() - 600);
        return "; Deno said: " + Texts.sanitize(tail.substring(from), 600);
    }

    private String describe(Frame f) {
        try {
            return Texts.sanitize(json(f).path("message").asText(new String(f.payload(), StandardCharsets.UTF_8)),
                    400);
        } catch (IOException e) {
            return "frame '" + f.type() + "'";
        }
    }

    /** Kills the process and whatever it started (only possible with {@code allowRun}). Idempotent. */
    void kill() {
        killed = true;
        ProcessHandle handle = process.toHandle();
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Asks the driver to exit, then kills it. */
    void close() {
        if (process.isAlive() && !killed) {
            try {
                command(Map.of("op", "exit"), null);
                process.waitFor(500, TimeUnit.MILLISECONDS);
            } catch (UncheckedIOException e) {
                // gone already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kill();
    }

    /** Resident memory of the Deno process in bytes (Linux {@code /proc}), or -1 when unknown. */
    long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(process.pid()),
                    "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /**
     * The resident memory past which a run's Deno process counts as out of memory: the interpreter's linear memory and
     * V8's heap (each bounded by {@code memory}) plus Deno's own footprint. A backstop for memory a program allocates
     * through JavaScript (ArrayBuffers), which is outside both limits.
     */
    static long residentLimit(long memory) {
        return 2 * memory + RUNTIME_HEADROOM;
    }

    /** Whether {@link #kill()} ended it (as opposed to exiting or breaking the channel by itself). */
    boolean wasKilled() {
        return killed;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }
}
