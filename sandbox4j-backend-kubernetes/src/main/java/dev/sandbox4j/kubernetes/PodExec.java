package dev.sandbox4j.kubernetes;

import static dev.sandbox4j.kubernetes.KubernetesErrors.fail;
import static dev.sandbox4j.kubernetes.KubernetesErrors.rootMessage;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec in a Pod, over the API's {@code exec} WebSocket (stdout and stderr arrive on their own channels, the exit
 * code on the status channel). Output is written to the sink by fabric8's serial executor, in order; the listener's
 * {@code onClose} runs on the same executor after the last output, so the exit code completes only once all output
 * is delivered.
 */
final class PodExec implements ExecHandle, ExecListener {
    private static final Logger log = LoggerFactory.getLogger(PodExec.class);

    /**
     * Runs a request's program the way Docker's exec would: in its working directory, with its environment added,
     * under the box's ulimits (Kubernetes has no per-exec working directory, environment or ulimits).
     * Arguments: workdir, nofile, fsize in 512-byte blocks, the number of NAME=value pairs, the pairs, then argv.
     */
    static final String EXEC_WRAPPER = """
            cd -- "$1" || exit 126
            ulimit -c 0 2>/dev/null; ulimit -n "$2" 2>/dev/null; ulimit -f "$3" 2>/dev/null
            n=$4; shift 4
            while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n-1)); done
            exec "$@"
            """;

    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable ExecWatch watch;
    private @Nullable Integer closeCode;
    private @Nullable String closeReason;
    private final OutputStream stdout;
    private final OutputStream stderr;

    private PodExec(OutputSink sink) {
        this.stdout = new SinkStream(closed, sink, false);
        this.stderr = new SinkStream(closed, sink, true);
    }

    /**
     * Starts {@code request} in {@code container} through {@link #EXEC_WRAPPER}, with {@code stdin} (closed when the
     * exec ends or cannot start) copied to its standard input when given.
     */
    static PodExec start(ContainerResource container, Box box, ExecRequest request, @Nullable InputStream stdin,
            OutputSink sink) {
        List<String> argv = wrap(request, box.spec().limits());
        PodExec handle = new PodExec(sink);
        TtyExecOutputErrorable io = stdin == null ? container : container.redirectingInput();
        ExecWatch watch;
        try {
            watch = io.writingOutput(handle.stdout)
                    .writingError(handle.stderr)
                    .usingListener(handle)
                    .exec(argv.toArray(String[]::new));
        } catch (KubernetesClientException e) {
            closeQuietly(stdin);
            throw fail("exec in " + box.name(), e);
        }
        handle.watch = watch;
        if (stdin != null) {
            Thread.ofVirtual().name("sandbox4j-k8s-stdin-" + box.name()).start(() -> pump(stdin, watch, handle));
        }
        handle.finish();
        return handle;
    }

    /** The argv that runs {@code request} through {@link #EXEC_WRAPPER}. */
    static List<String> wrap(ExecRequest request, ResourceLimits limits) {
        List<String> argv = new ArrayList<>();
        argv.add("/bin/sh");
        argv.add("-c");
        argv.add(EXEC_WRAPPER);
        argv.add("sandbox4j-exec");
        argv.add(request.workdir());
        argv.add(Integer.toString(limits.openFiles()));
        argv.add(Long.toString((limits.fileSize().bytes() + 511) / 512));
        argv.add(Integer.toString(request.env().size()));
        request.env().forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(request.argv());
        return argv;
    }

    /**
     * Copies {@code stdin} into the exec's standard input until it ends, then closes that (the process sees
     * end-of-file where the API server speaks the v5 streaming protocol). Stops when the exec ends or is closed;
     * the source is closed either way, so a writer feeding it is never left blocked.
     */
    private static void pump(InputStream stdin, ExecWatch watch, PodExec handle) {
        try (InputStream in = stdin) {
            OutputStream out = watch.getInput();
            byte[] buf = new byte[64 * 1024];
            int n;
            while (!handle.exitCode().isDone() && (n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            if (!handle.exitCode().isDone()) {
                out.close();
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.debug("exec stdin stopped: {}", e.toString());
        }
    }

    /** Closes a stdin stream that will not be copied (the exec was refused or failed to start). */
    static void closeQuietly(@Nullable InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (java.io.IOException e) {
                // nothing to release
            }
        }
    }

    @Override
    public void onExit(int code, io.fabric8.kubernetes.api.model.Status status) {
        // onClose follows once the remaining output has been written
    }

    @Override
    public void onFailure(Throwable t, @Nullable Response failureResponse) {
        if (!exit.isDone()) {
            exit.completeExceptionally(new BackendException("kubernetes", "exec stream failed: "
                    + rootMessage(t), t));
        }
    }

    @Override
    public void onClose(int code, String reason) {
        synchronized (this) {
            closeCode = code;
            closeReason = reason;
        }
        finish();
    }

    /** Completes the exit code once the stream has closed and {@link #watch} is known (either may come first). */
    synchronized void finish() {
        ExecWatch w = watch;
        if (w == null || closeCode == null || exit.isDone()) {
            return;
        }
        Integer value = null;
        try {
            value = w.exitCode().getNow(null);
        } catch (RuntimeException e) {
            // no status arrived
        }
        if (value != null) {
            exit.complete(value);
        } else if (closed.get()) {
            exit.complete(-1);
        } else {
            exit.completeExceptionally(new BackendException("kubernetes", "exec stream closed without an exit "
                    + "status (" + closeCode + (closeReason == null || closeReason.isEmpty() ? "" : " "
                    + closeReason) + ")", null));
        }
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ExecWatch w = watch;
            if (w != null) {
                try {
                    w.close();
                } catch (RuntimeException e) {
                    log.debug("closing exec stream: {}", e.toString());
                }
            }
        }
    }

    /** Hands each write to the sink as one chunk (copied: fabric8 may reuse its buffer). */
    private static final class SinkStream extends OutputStream {
        private final AtomicBoolean closed;
        private final OutputSink sink;
        private final boolean err;

        SinkStream(AtomicBoolean closed, OutputSink sink, boolean err) {
            this.closed = closed;
            this.sink = sink;
            this.err = err;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len == 0 || closed.get()) {
                return;
            }
            byte[] chunk = java.util.Arrays.copyOfRange(b, off, off + len);
            if (err) {
                sink.stderr(chunk);
            } else {
                sink.stdout(chunk);
            }
        }
    }
}
