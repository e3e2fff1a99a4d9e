package dev.sandbox4j.spi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small commands a backend runs in its own boxes (kill every process of a user, read the OOM counter), shared by the
 * container backends so that each does not carry its own copy.
 *
 * @since 0.2
 */
public final class BoxCommands {
    private static final Logger log = LoggerFactory.getLogger(BoxCommands.class);

    /** Prints the box's cgroup memory events (v2) or OOM control (v1); both have an {@code oom_kill N} line. */
    public static final String OOM_COUNT =
            "cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control";

    /**
     * Kills every process of the calling uid except this shell and the processes of session 1, until none is left
     * (exit 0; exit 1 with "still running: /proc/N" on stderr when some survive 400 rounds). Stopping before killing
     * keeps forkers from replacing what is killed; only shell builtins are used, so it keeps working while a fork bomb
     * holds the pids limit.
     *
     * <p>Session 1 is the box's main process (PID 1) and its children, started before any exec: where they share the
     * calling uid (a Kubernetes Pod runs everything as its one user, including the reaper that is its PID 1 and the
     * {@code sleep} it waits on) they must not keep this loop waiting ({@code kill -1} never signals PID 1, the reaper
     * restarts its {@code sleep}). Every process started through an engine exec has a session of its own or one from
     * outside the box's PID namespace (shown as 0), and no process can join session 1; where the main process runs as
     * another uid (Docker's supervisor), the check changes nothing.
     */
    public static final String KILL_ALL = """
            i=0
            while [ "$i" -lt 400 ]; do
              kill -STOP -1 2>/dev/null
              kill -9 -1 2>/dev/null
              left=
              for p in /proc/[0-9]*; do
                [ "${p#/proc/}" = "$$" ] && continue
                [ -O "$p" ] || continue
                read -r stat < "$p/stat" 2>/dev/null || continue
                set -- ${stat##*) }
                [ "$4" = 1 ] && continue
                left=$p; break
              done
              [ -z "$left" ] && exit 0
              i=$((i+1))
              [ "$i" -gt 20 ] && sleep 0.01 2>/dev/null
            done
            echo "still running: $left" >&2
            exit 1
            """;

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
     * Runs a shell script as {@code user} like {@link #collect}, for commands whose failure the caller handles by
     * value. Never throws.
     *
     * @return what it printed and its exit code, or {@code null} if it could not run or did not end within
     *     {@code timeout} (the reason is logged at debug)
     */
    public static @Nullable Output tryScript(SandboxBackend backend, Box box, String user, String script,
            Duration timeout) {
        try {
            return collect(backend, box, user, List.of("/bin/sh", "-c", script), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.debug("command in {} interrupted", box.name());
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            log.debug("command in {} failed: {}", box.name(), e.toString());
        }
        return null;
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
            // e.g. "cannot fork" while a fork bomb holds every pid: try again
            Output out = tryScript(backend, box, user, script, timeout);
            if (out != null && out.exitCode() == 0) {
                return true;
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
