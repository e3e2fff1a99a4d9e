package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.internal.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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
 * The resident runner of a box: one long-lived process ({@code sandbox4j_runner.pl}, perl-base only) started by one
 * engine exec, which then starts each program of the session itself. An engine exec costs tens of milliseconds (the
 * runtime joins the container's namespaces every time); the runner forks and execs in about one.
 *
 * <p>It runs as the sandbox user, like the programs it starts, so it is no boundary: a program can kill it or write to
 * its streams, which only affects its own session's results (the host still enforces timeouts and output limits, and
 * frames are bounded). Killing every process of the sandbox user (timeouts, floods, library installation) kills the
 * runner too; the session then starts a new one.
 *
 * <p>Runs are sequential: {@link #run} must not be called again before the previous run's exit code completed or its
 * handle was closed.
 */
final class Runner implements AutoCloseable {
    /** A sane runner sends at most 64 KiB per frame; anything much larger means the stream is not the runner's. */
    private static final int MAX_FRAME = 1 << 20;
    private static final String SCRIPT = loadScript();

    private final ExecHandle handle;
    private final OutputStream toRunner;
    private final Parser parser = new Parser();
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private final BoundedBuffer errors = new BoundedBuffer(8 * 1024);
    private final Object lock = new Object();
    private @Nullable Run current;
    /** Runs closed before their exit frame: frames are dropped until that many exit frames have gone by. */
    private int abandoned;
    private volatile boolean broken;

    private Runner(SandboxBackend backend, Box box, String user, String workdir, Map<String, String> env) {
        ChunkPipe pipe = new ChunkPipe(64);
        this.toRunner = pipe.sink();
        ExecRequest request = new ExecRequest(List.of("perl", "-e", SCRIPT), env, user, workdir, new byte[0]);
        this.handle = backend.exec(box, request, pipe.source(), new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                parser.feed(chunk);
            }

            @Override
            public void stderr(byte[] chunk) {
                errors.append(chunk);
            }
        });
        handle.exitCode().whenComplete((code, e) -> died(code == null ? 137 : code));
    }

    /** How long a runner may take to start. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Starts the runner of a box made with {@code runtime}: as its sandbox user, in its work directory, with the
     * environment every program of the box starts with ({@link DefaultSandboxSession#baseEnv}).
     *
     * @throws BackendException if it exits or does not become ready within {@link #START_TIMEOUT}
     * @throws UnsupportedOperationException if the backend cannot stream an exec's standard input
     */
    static Runner start(SandboxBackend backend, Box box, dev.sandbox4j.RuntimeConfig runtime) {
        return start(backend, box, runtime.user(), runtime.workdir(), DefaultSandboxSession.baseEnv(runtime),
                START_TIMEOUT);
    }

    /**
     * Starts a runner in the box and waits until it is ready.
     *
     * @throws BackendException if it exits or does not become ready in time (e.g. the image has no perl)
     * @throws UnsupportedOperationException if the backend cannot stream an exec's standard input
     */
    static Runner start(SandboxBackend backend, Box box, String user, String workdir, Map<String, String> env,
            Duration timeout) {
        Runner r = new Runner(backend, box, user, workdir, env);
        try {
            r.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

    private static String loadScript() {
        try (java.io.InputStream in = Runner.class.getResourceAsStream("sandbox4j_runner.pl")) {
            if (in == null) {
                throw new IllegalStateException("sandbox4j resource sandbox4j_runner.pl is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether it can take a run: started, not exited, stream intact. */
    boolean isAlive() {
        return ready.isDone() && !ready.isCompletedExceptionally() && !handle.exitCode().isDone() && !broken;
    }

    /**
     * Starts a program. Its exit code completes when the runner reports it; if the runner dies first (killed with
     * every process of the sandbox user, or by the program), with the runner's own exit code.
     */
    ExecHandle run(ExecRequest request, OutputSink sink) {
        Run run = new Run(sink);
        synchronized (lock) {
            if (!isAlive()) {
                throw new IllegalStateException("runner is not running");
            }
            if (current != null) {
                throw new IllegalStateException("a run is already in progress");
            }
            current = run;
        }
        try {
            toRunner.write(encode(request));
            toRunner.flush();
        } catch (IOException e) {
            synchronized (lock) {
                current = null;
            }
            broken = true;
            throw new BackendException("runner", "cannot send the program to the runner: " + e.getMessage(), e);
        }
        return run;
    }

    /** The request frame: count, then (length, bytes) of workdir, stdin, argc, argv..., env... */
    static byte[] encode(ExecRequest request) {
        List<byte[]> fields = new ArrayList<>();
        fields.add(request.workdir().getBytes(StandardCharsets.UTF_8));
        fields.add(request.stdin());
        fields.add(Integer.toString(request.argv().size()).getBytes(StandardCharsets.US_ASCII));
        for (String a : request.argv()) {
            fields.add(a.getBytes(StandardCharsets.UTF_8));
        }
        request.env().forEach((k, v) -> fields.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(fields.size()).array());
        for (byte[] f : fields) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(f.length).array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    private void died(int code) {
        ready.completeExceptionally(new IllegalStateException("runner exited with code " + code));
        Run run;
        synchronized (lock) {
            run = current;
            current = null;
        }
        if (run != null) {
            run.exit.complete(code);
        }
    }

    private void frame(char type, byte[] payload) {
        if (type == 'R') {
            ready.complete(0);
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
            case 'X' -> run.exit.complete(parseCode(payload));
            case 'F' -> {
                run.sink.stderr(("sandbox4j: " + new String(payload, StandardCharsets.UTF_8) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                run.exit.complete(126);
            }
            default -> { } // unknown frame types are ignored
        }
    }

    private static int parseCode(byte[] payload) {
        try {
            return Integer.parseInt(new String(payload, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return -1;
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

    /** One program started by the runner. */
    private final class Run implements ExecHandle {
        private final OutputSink sink;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Run(OutputSink sink) {
            this.sink = sink;
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
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

    /** Cuts the runner's stdout into frames; called on the backend's stream thread only. */
    private final class Parser {
        private byte[] buf = new byte[8192];
        private int len;

        void feed(byte[] chunk) {
            if (broken) {
                return;
            }
            if (len + chunk.length > buf.length) {
                byte[] bigger = new byte[Math.max(buf.length * 2, len + chunk.length)];
                System.arraycopy(buf, 0, bigger, 0, len);
                buf = bigger;
            }
            System.arraycopy(chunk, 0, buf, len, chunk.length);
            len += chunk.length;
            int pos = 0;
            while (len - pos >= 5) {
                char type = (char) (buf[pos] & 0xff);
                int size = ByteBuffer.wrap(buf, pos + 1, 4).getInt();
                if (size < 0 || size > MAX_FRAME || "ROEXF".indexOf(type) < 0) {
                    broken = true; // not the runner speaking: stop trusting this stream
                    len = 0;
                    died(-1);
                    return;
                }
                if (len - pos - 5 < size) {
                    break;
                }
                byte[] payload = new byte[size];
                System.arraycopy(buf, pos + 5, payload, 0, size);
                pos += 5 + size;
                frame(type, payload);
            }
            System.arraycopy(buf, pos, buf, 0, len - pos);
            len -= pos;
            if (buf.length > 4 * MAX_FRAME && len < 8192) {
                buf = java.util.Arrays.copyOf(buf, 8192);
            }
        }
    }
}
