package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.EngineCalls.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec in a box (started by {@link #start}): its stream callback, which hands stdout and stderr frames to the
 * sink, plus a poller for streams that stay open after the process exits and for boxes that die under it.
 *
 * <p>The exit code completes from the engine's inspect of the exec; {@link #close} stops the output and releases the
 * stream. The caller's interrupt is not handled here: {@link DockerBackend} calls {@link #start} uninterrupted.
 */
final class DockerExec extends ResultCallback.Adapter<Frame> implements ExecHandle {
    private static final Logger log = LoggerFactory.getLogger(DockerExec.class);

    private final DockerClient docker;
    private final ScheduledExecutorService poller;
    private final String boxId;
    private final String execId;
    private final OutputSink sink;
    private final @Nullable AttachedStdin stdin;
    private int polls;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long exitedSeenAt;

    private DockerExec(DockerClient docker, ScheduledExecutorService poller, String boxId, String execId,
            OutputSink sink, @Nullable AttachedStdin stdin) {
        this.docker = docker;
        this.poller = poller;
        this.boxId = boxId;
        this.execId = execId;
        this.sink = sink;
        this.stdin = stdin;
        if (stdin != null) {
            exit.whenComplete((code, e) -> stdin.end());
        }
    }

    /**
     * Creates and starts an exec of {@code request} in {@code box}, attached to its stdout and stderr (and to
     * {@code stdin} when given).
     *
     * @param poller runs the polls of the exec's state
     */
    static DockerExec start(DockerClient docker, ScheduledExecutorService poller, Box box, ExecRequest request,
            @Nullable InputStream stdin, OutputSink sink) {
        List<String> env = new ArrayList<>();
        request.env().forEach((k, v) -> env.add(k + "=" + v));
        boolean withStdin = stdin != null;
        String execId;
        try {
            execId = docker.execCreateCmd(box.id())
                    .withCmd(request.argv().toArray(String[]::new))
                    .withUser(request.user())
                    .withWorkingDir(request.workdir())
                    .withEnv(env)
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withAttachStdin(withStdin)
                    .exec()
                    .getId();
        } catch (ConflictException e) {
            if (String.valueOf(e.getMessage()).contains("is not running")) {
                throw new BackendException("docker", "box " + box.name() + " is no longer running (it was removed or "
                        + "died, e.g. of its memory limit under gVisor); open a new session", e);
            }
            throw fail("exec in " + box.name(), e);
        } catch (RuntimeException e) {
            throw fail("exec in " + box.name(), e);
        }
        AttachedStdin attached = stdin == null ? null : new AttachedStdin(stdin, execId);
        DockerExec exec = new DockerExec(docker, poller, box.id(), execId, sink, attached);
        try {
            docker.execStartCmd(execId)
                    .withStdIn(attached)
                    .exec(exec);
        } catch (RuntimeException e) {
            throw fail("start exec in " + box.name(), e);
        }
        exec.schedulePoll(50);
        return exec;
    }

    /** Called by docker-java once the exec is attached, before anything can close its connection. */
    @Override
    public void onStart(java.io.Closeable stream) {
        if (stdin != null) {
            stdin.awaitReader();
        }
        super.onStart(stream);
        if (closed.get()) {
            closeStream(); // closed before it was attached
        }
    }

    @Override
    public void onNext(Frame frame) {
        if (closed.get()) {
            return;
        }
        byte[] payload = frame.getPayload();
        if (payload == null || payload.length == 0) {
            return;
        }
        switch (frame.getStreamType()) {
            case STDERR -> sink.stderr(payload);
            case STDOUT, RAW -> sink.stdout(payload);
            default -> { }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        if (closed.get() || exit.isDone()) {
            return;
        }
        // the stream broke; the process may still have finished normally
        finishFromInspect(throwable);
    }

    @Override
    public void onComplete() {
        finishFromInspect(null);
    }

    private void finishFromInspect(@Nullable Throwable streamError) {
        if (exit.isDone()) {
            return;
        }
        try {
            for (int i = 0; i < 50; i++) {
                InspectExecResponse r = docker.inspectExecCmd(execId).exec();
                if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) {
                    exit.complete(r.getExitCodeLong().intValue());
                    return;
                }
                if (streamError == null && !Boolean.TRUE.equals(r.isRunning())) {
                    exit.complete(-1);
                    return;
                }
                if (streamError != null) {
                    // the process runs on while our stream is gone: keep polling
                    schedulePoll(100);
                    return;
                }
                Thread.sleep(10);
            }
            exit.complete(-1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit.completeExceptionally(fail("inspect exec", e));
        } catch (RuntimeException e) {
            exit.completeExceptionally(
                    fail("inspect exec", streamError != null ? streamError : e));
        }
    }

    void schedulePoll(long delayMillis) {
        if (exit.isDone() || closed.get()) {
            return;
        }
        try {
            poller.schedule(this::poll, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            // backend closing
        }
    }

    /**
     * The stream ends only when every process holding the exec's stdout/stderr is gone; a daemonised child can
     * hold it forever. Once the exec's own process has exited, give the stream a short grace, then finish.
     */
    private void poll() {
        if (exit.isDone() || closed.get()) {
            return;
        }
        try {
            InspectExecResponse r = docker.inspectExecCmd(execId).exec();
            if (Boolean.TRUE.equals(r.isRunning())) {
                // gVisor: when the sandbox dies (its memory limit kills the whole sandbox, not one process) the
                // exec stays "running" forever; the container's state tells
                if (++polls % 4 == 0 && boxDied()) {
                    return;
                }
                schedulePoll(250);
                return;
            }
            long now = System.nanoTime();
            if (exitedSeenAt == 0) {
                exitedSeenAt = now;
                schedulePoll(300);
                return;
            }
            Long code = r.getExitCodeLong();
            log.debug("exec {} exited but its output stream is still open (a background process holds it)",
                    execId);
            exit.complete(code == null ? -1 : code.intValue());
            closeStream();
        } catch (RuntimeException e) {
            // e.g. 404 for the exec: gVisor's execs vanish with a dead sandbox while their stream stays open
            if (!exit.isDone() && !boxDiedQuietly()) {
                schedulePoll(500);
            }
        }
    }

    private boolean boxDiedQuietly() {
        try {
            return boxDied();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether the box is gone; if so the exec ends with 137 when the OOM killer took it, else -1. */
    private boolean boxDied() {
        InspectContainerResponse.ContainerState st;
        try {
            st = docker.inspectContainerCmd(boxId).exec().getState();
        } catch (NotFoundException e) {
            st = null;
        }
        if (st != null && Boolean.TRUE.equals(st.getRunning())) {
            return false;
        }
        boolean oom = st != null && Boolean.TRUE.equals(st.getOOMKilled());
        log.debug("box {} died during exec {}{}", boxId, execId, oom ? " (out of memory)" : "");
        exit.complete(oom ? 137 : -1);
        closeStream();
        return true;
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    private void closeStream() {
        try {
            super.close();
        } catch (IOException | RuntimeException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (stdin != null) {
                stdin.end();
            }
            closeStream();
        }
    }
}
