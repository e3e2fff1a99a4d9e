package dev.sandbox4j.spi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Small commands a backend runs in its own boxes (kill every process of a user, read the OOM counter), shared by the
 * container backends so that each does not carry its own copy.
 *
 * @since 0.2
 */
public final class BoxCommands {
    /** Prints the box's cgroup memory events (v2) or OOM control (v1); both have an {@code oom_kill N} line. */
    public static final String OOM_COUNT =
            "cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control";

    /** What a command printed (stdout and stderr together) and its exit code. */
    public record Output(int exitCode, String text) {}

    private BoxCommands() {}

    /**
     * Runs {@code argv} in the box as {@code user} (working directory {@code /}, no stdin) through {@code backend}'s
     * exec, collecting its output in memory.
     *
     * @throws TimeoutException if it does not end within {@code timeout}
     * @throws ExecutionException if the engine fails
     * @throws InterruptedException if the caller is interrupted
     */
    public static Output collect(SandboxBackend backend, Box box, String user, List<String> argv, Duration timeout)
            throws TimeoutException, ExecutionException, InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecRequest req = new ExecRequest(argv, Map.of(), user, "/", new byte[0]);
        try (ExecHandle h = backend.exec(box, req, new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                synchronized (out) {
                    out.writeBytes(chunk);
                }
            }

            @Override
            public void stderr(byte[] chunk) {
                stdout(chunk);
            }
        })) {
            int code = h.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (out) {
                return new Output(code, out.toString(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Runs a shell script as {@code user} until it exits 0, at most {@code attempts} times with a growing pause (a
     * kill script may fail to start while a fork bomb holds every pid). Never throws.
     *
     * @return whether one attempt exited 0
     */
    public static boolean retry(SandboxBackend backend, Box box, String user, String script, Duration timeout,
            int attempts) {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                if (collect(backend, box, user, List.of("/bin/sh", "-c", script), timeout).exitCode() == 0) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (TimeoutException | ExecutionException | RuntimeException e) {
                // e.g. "cannot fork" while a fork bomb holds every pid: try again
            }
            try {
                Thread.sleep(100L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The {@code oom_kill} count in {@link #OOM_COUNT}'s output, or -1 if there is none. */
    public static long oomKills(String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith("oom_kill ")) {
                try {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
