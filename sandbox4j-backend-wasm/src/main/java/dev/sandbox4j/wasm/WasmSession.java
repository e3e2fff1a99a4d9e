package dev.sandbox4j.wasm;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Command;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.core.support.Hashes;
import dev.sandbox4j.core.support.Notebooks;
import dev.sandbox4j.core.support.RunResults;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.wasm.DriverProcess.DriverGoneException;
import dev.sandbox4j.spi.Frames.Frame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A session of the wasm backend: one Deno process running Pyodide, restarted when a run has to be killed.
 *
 * <p>Runs are serialised. A stateless session runs each program in fresh Python globals (modules imported by earlier
 * runs stay loaded); a stateful one keeps its globals. Files live in the interpreter's in-memory filesystem: they stay
 * between runs, but are lost, like the globals, when a run is killed (timeout, output flood, out of memory) and the
 * interpreter restarts. Thread-safe.
 *
 * <p>The session holds the lifecycle, the policy checks and audit, the history and the files; each run of a program or
 * cell on the interpreter is a {@link WasmRun}.
 */
final class WasmSession implements SandboxSession {
    private static final Duration FILE_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_HISTORY = 1000;

    private final WasmSandboxClient client;
    private final String id;
    private final SessionOptions options;
    private final @Nullable SecurityPolicy policy;
    private final @Nullable OutputSanitizer sanitizer;
    private final String principal;
    private final Duration defaultTimeout;
    private final String workdir;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Notebooks.Cell> history = new ArrayList<>();
    /** The interpreter, its files and its installed wheels (shared with the engine's wasm backend). */
    private final WasmRuntime runtime;
    private volatile boolean closed;
    private volatile @Nullable String closeReason;
    private volatile @Nullable ScheduledFuture<?> lifetime;
    private int executionCount;
    private boolean lostState;

    WasmSession(WasmSandboxClient client, String id, SessionOptions options, @Nullable SecurityPolicy policy,
            String principal, Duration defaultTimeout) {
        this.client = client;
        this.id = id;
        this.options = options;
        this.policy = policy;
        this.sanitizer = options.sanitizer();
        this.principal = principal;
        this.defaultTimeout = defaultTimeout;
        this.workdir = options.runtime().workdir();
        this.runtime = new WasmRuntime(client, "sandbox4j-wasm-" + id, options.limits().memory().bytes(), workdir);
    }

    /** Starts the interpreter (the caller closes the session if this throws). */
    void start() {
        lock.lock();
        try {
            runtime.start();
        } finally {
            lock.unlock();
        }
    }

    void lifetime(ScheduledFuture<?> future) {
        this.lifetime = future;
    }

    SessionOptions options() {
        return options;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String language() {
        return "python";
    }

    @Override
    public String image() {
        return client.image();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public boolean isStateful() {
        return options.stateful();
    }

    /** Process id of the running interpreter, or {@code -1} between a kill and the restart. */
    long pid() {
        return runtime.pid();
    }

    @Override
    public PolicyVerdict isSafe(String code) {
        requireNonNull(code, "code");
        if (policy == null) {
            return new PolicyVerdict(true, Severity.HIGH, List.of(), "none");
        }
        return decide(code, policy);
    }

    private PolicyVerdict decide(String code, SecurityPolicy p) {
        PolicyVerdict v = dev.sandbox4j.Sandbox4j.check("python", code, p);
        client.events().policyDecision(new PolicyDecisionEvent(Instant.now(), id, principal, "python",
                Hashes.sha256(code), code.length(), v));
        return v;
    }

    @Override
    public ExecutionResult run(String code, RunOptions runOptions) {
        SandboxSession.requireCode(code);
        requireNonNull(runOptions, "options");
        ensureOpen(); // a closed session refuses before the policy is consulted
        String cwd = runOptions.workdir() == null ? workdir : BoxPaths.workdir(workdir, runOptions.workdir());
        Duration timeout = runOptions.timeout() != null ? runOptions.timeout() : defaultTimeout;
        List<Violation> findings = List.of();
        if (policy != null) { // before anything is installed, as on every backend
            PolicyVerdict v = decide(code, policy);
            findings = v.violations();
            if (!v.allowed()) {
                ExecutionResult blocked = RunResults.blockedByPolicy(v);
                audit(code, timeout, blocked);
                return blocked;
            }
        }
        if (!runOptions.libraries().isEmpty()) {
            ExecutionResult installation = install(runOptions.libraries());
            if (installation.status() != ExecutionStatus.OK) {
                return installation;
            }
        }
        ExecutionResult r;
        lock.lock();
        try {
            ensureOpen();
            r = runLocked(code, runOptions, cwd, timeout);
            remember(code, r);
        } finally {
            lock.unlock();
        }
        r = finish(r, findings);
        audit(code, timeout, r);
        return r;
    }

    private ExecutionResult runLocked(String code, RunOptions runOptions, String cwd, Duration timeout) {
        boolean restarted = lostState;
        lostState = false;
        DriverProcess d = ensureDriver();
        if (lostState) { // the interpreter had died between runs
            restarted = true;
            lostState = false;
        }
        if (restarted) {
            executionCount = 0; // a fresh interpreter counts from 1 again
        }
        WasmRun run = new WasmRun(id, options, runtime, this::closedBecause, code, runOptions, cwd, timeout);
        ExecutionResult r = run.execute(d, executionCount + 1, restarted);
        if (options.stateful()) {
            executionCount = run.killedInterpreter() ? 0 : executionCount + 1;
        }
        return r;
    }

    /** Why the session was closed, or {@code null} while it is open. */
    private @Nullable String closedBecause() {
        if (!closed) {
            return null;
        }
        String reason = closeReason;
        return reason != null ? reason : "session closed";
    }

    private DriverProcess ensureDriver() {
        ensureOpen();
        int deaths = runtime.deaths();
        DriverProcess d = runtime.driver();
        if (runtime.deaths() != deaths) {
            lostState = true; // the interpreter had died between runs
        }
        if (closed) { // closed while starting
            runtime.closeNow();
            throw new SessionClosedException("session " + id + " is closed");
        }
        return d;
    }

    private void killDriver() {
        runtime.killDriver();
    }

    /** Applies the sanitiser and attaches policy findings. */
    private ExecutionResult finish(ExecutionResult r, List<Violation> findings) {
        return RunResults.finish(r, findings, sanitizer);
    }

    private void audit(String code, Duration timeout, ExecutionResult r) {
        client.events().runFinished(new RunEvent(Instant.now(), id, principal, "python", "run",
                Hashes.sha256(code), options.limits(), timeout, r.status(), r.exitCode(), r.duration(),
                r.killReason(), r.redactions().stream().map(Redaction::kind).toList()));
    }

    private void remember(String code, ExecutionResult r) {
        history.add(new Notebooks.Cell(code, r));
        if (history.size() > MAX_HISTORY) {
            history.remove(0);
        }
    }

    @Override
    public ExecutionResult exec(List<String> command, RunOptions runOptions) {
        requireNonNull(command, "command");
        throw new UnsupportedOperationException("the wasm backend runs Python in WebAssembly: there is no shell and "
                + "no processes to exec (command '" + (command.isEmpty() ? "" : command.get(0)) + "'); use a "
                + "container backend for commands");
    }

    @Override
    public List<ExecutionResult> execSequence(List<Command> commands, RunOptions runOptions) {
        throw new UnsupportedOperationException("the wasm backend cannot run commands (no shell, no processes)");
    }

    @Override
    public ExecutionResult install(List<String> libraries) {
        requireNonNull(libraries, "libraries");
        if (libraries.isEmpty()) {
            throw new IllegalArgumentException("libraries must not be empty");
        }
        ensureOpen();
        long start = System.nanoTime();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        ExecutionStatus status;
        lock.lock();
        try {
            ensureDriver();
            int code = runtime.install(libraries, new dev.sandbox4j.spi.OutputSink() {
                @Override
                public void stdout(byte[] chunk) {
                    out.append(new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
                }

                @Override
                public void stderr(byte[] chunk) {
                    err.append(new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
                }
            }).exitCode().join();
            status = code == 0 ? ExecutionStatus.OK : ExecutionStatus.INSTALL_FAILED;
        } finally {
            lock.unlock();
        }
        ExecutionResult r = new ExecutionResult(out.toString(), err.toString(),
                status == ExecutionStatus.OK ? 0 : 1, Duration.ofNanos(System.nanoTime() - start), status, null,
                false, false);
        client.events().runFinished(new RunEvent(Instant.now(), id, principal, "python", "install",
                Hashes.sha256(String.join(" ", libraries)), options.limits(), FILE_TIMEOUT, r.status(),
                r.exitCode(), r.duration(), null, List.of()));
        return r;
    }

    @Override
    public List<String> installedLibraries() {
        return runtime.installed();
    }

    @Override
    public void putFile(String path, byte[] content) {
        requireNonNull(content, "content");
        String target = BoxPaths.resolve(workdir, requireNonNull(path, "path"));
        fileOp(target, () -> {
            runtime.writeFile(target, content);
            return null;
        });
    }

    @Override
    public byte[] getFile(String path) {
        String target = BoxPaths.resolve(workdir, requireNonNull(path, "path"));
        return fileOp(target, () -> runtime.readFile(target, Long.MAX_VALUE));
    }

    /** The driver refuses a file over {@code max} before sending it; the payload is checked as well. */
    @Override
    public byte[] getFile(String path, DataSize max) {
        requireNonNull(max, "max");
        String target = BoxPaths.resolve(workdir, requireNonNull(path, "path"));
        try {
            return fileOp(target, () -> runtime.readFile(target, max.bytes()));
        } catch (FileTooLargeException e) {
            throw new FileTooLargeException(target, e.size().orElse(-1), max);
        }
    }

    @Override
    public List<dev.sandbox4j.FileEntry> listFiles(String path) {
        String dir = BoxPaths.resolveAllowingRoot(workdir, requireNonNull(path, "path"));
        return fileOp(dir, () -> runtime.listFiles(dir).stream()
                .sorted(java.util.Comparator.comparing(dev.sandbox4j.FileEntry::name)).toList());
    }

    private interface FileCall<T> {
        T call() throws IOException;
    }

    /** One file operation of the interpreter, its errors in the session API's terms. */
    private <T> T fileOp(String target, FileCall<T> op) {
        lock.lock();
        try {
            ensureOpen();
            ensureDriver();
            return op.call();
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(new NoSuchFileException(target, null, "no such file in the sandbox"));
        } catch (java.nio.file.NotDirectoryException e) {
            throw new IllegalArgumentException("'" + Texts.sanitize(target, 120) + "' is not a directory");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("file path '" + Texts.sanitize(target, 120) + "' resolves (through a "
                    + "symbolic link in the sandbox) to '" + Texts.sanitize(String.valueOf(e.getOtherFile()), 120)
                    + "', outside the box's writable directories (" + workdir + ", /tmp)");
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot access '" + target + "': " + e.getMessage(), e));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void copyToRuntime(Path hostPath, String boxPath) {
        requireNonNull(hostPath, "hostPath");
        HostCopies.copyIn(hostPath, BoxPaths.resolve(workdir, requireNonNull(boxPath, "boxPath")), this::putFile);
    }

    @Override
    public CopyResult copyFromRuntime(String boxPath, Path hostPath) {
        requireNonNull(hostPath, "hostPath");
        return HostCopies.copyOut(boxPath, getFile(boxPath), hostPath);
    }

    /** Not yet: a run is stopped only by its own timeout or output limit here. */
    @Override
    public void cancelRun() {
        throw new UnsupportedOperationException("the WebAssembly backend cannot cancel a run yet");
    }

    @Override
    public String commit(String image) {
        throw new UnsupportedOperationException("the wasm backend has no images to commit");
    }

    @Override
    public void reset() {
        lock.lock();
        try {
            ensureOpen();
            executionCount = 0;
            if (!options.stateful()) {
                return;
            }
            DriverProcess d = ensureDriver();
            try {
                d.command(Map.of("op", "reset"), null);
                long deadline = System.nanoTime() + FILE_TIMEOUT.toNanos();
                for (Frame f; (f = d.next(deadline)) != null; ) {
                    if (f.type() == 'R') {
                        return;
                    }
                }
                killDriver(); // did not answer: a fresh interpreter is a reset too
            } catch (DriverGoneException e) {
                killDriver();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String exportNotebook() {
        lock.lock();
        try {
            return Notebooks.write(history, meta -> {
                meta.putObject("kernelspec")
                        .put("name", "python3")
                        .put("display_name", "Python 3 (Pyodide)")
                        .put("language", "python");
                meta.putObject("language_info").put("name", "python").put("version", client.pythonVersion());
            });
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new SessionClosedException("session " + id + " is closed"
                    + (closeReason != null ? " (" + closeReason + ")" : ""));
        }
    }

    /** Closes with a reason (e.g. the session's lifetime ran out). */
    void close(@Nullable String reason) {
        if (closed) {
            return;
        }
        closeReason = reason;
        closed = true;
        ScheduledFuture<?> f = lifetime;
        if (f != null) {
            f.cancel(false);
        }
        if (lock.tryLock()) {
            try {
                runtime.close();
            } finally {
                lock.unlock();
            }
        } else {
            runtime.closeNow(); // a run is going on: it ends with status killed
        }
        client.closed(this, reason);
    }

    @Override
    public void close() {
        close(null);
    }
}
