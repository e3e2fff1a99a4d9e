package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.audit.PolicyDecisionEvent;
import dev.sandbox4j.audit.RunEvent;
import dev.sandbox4j.audit.SessionEvent;
import dev.sandbox4j.core.policy.scan.Scanners;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Sanitized;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The {@link SandboxSession} implementation: one box, runs serialised by a lock. */
final class DefaultSandboxSession implements SandboxSession {
    private static final Logger log = LoggerFactory.getLogger(DefaultSandboxSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long to wait for a killed process to be reported gone before giving up on its stream. */
    private static final Duration KILL_GRACE = Duration.ofMillis(700);
    /** Files read back with getFile are capped (the box's tmpfs is bounded anyway). */
    static final long MAX_FILE_READ = 1L << 30;
    /** Time a compile step (javac, g++, go build) may take, separate from the run's timeout. */
    static final Duration COMPILE_TIMEOUT = Duration.ofSeconds(120);

    private final DefaultSandboxClient client;
    private final SandboxBackend backend;
    private final LanguageHandler handler;
    private final String image;
    private final SessionOptions options;
    private final Duration defaultTimeout;
    private final String id;
    private final String supervisorUser;
    private final @Nullable Instant expiresAt;
    private final @Nullable SecurityPolicy policy;
    private final @Nullable OutputSanitizer sanitizer;
    private final String principal;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final AtomicLong runs = new AtomicLong();
    private volatile @Nullable Box box;
    private volatile @Nullable String closeReason;
    /** Set when the session's lifetime ran out (as opposed to an explicit close). */
    private volatile boolean expired;
    private long oomKills;

    DefaultSandboxSession(DefaultSandboxClient client, SandboxBackend backend, LanguageHandler handler, String image,
            SessionOptions options, Duration defaultTimeout) {
        this.client = client;
        this.backend = backend;
        this.handler = handler;
        this.image = image;
        this.options = options;
        this.defaultTimeout = defaultTimeout;
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        this.id = HexFormat.of().formatHex(b);
        this.supervisorUser = options.runtime().user().equals("65533:65533") ? "65532:65532" : "65533:65533";
        this.expiresAt = options.sessionTimeout() == null ? null : Instant.now().plus(options.sessionTimeout());
        this.policy = options.policy() != null ? options.policy() : client.policy();
        this.sanitizer = options.sanitizer();
        this.principal = options.principal() != null ? options.principal() : client.principal();
    }

    void start() {
        Map<String, String> labels = new LinkedHashMap<>(options.runtime().labels());
        labels.put(DefaultSandboxClient.LABEL_MANAGED, "true");
        labels.put(DefaultSandboxClient.LABEL_SESSION, id);
        labels.put(DefaultSandboxClient.LABEL_OWNER, Owner.SELF);
        labels.put(DefaultSandboxClient.LABEL_CREATED, Instant.now().toString());
        labels.put(DefaultSandboxClient.LABEL_LANGUAGE, handler.id());
        if (expiresAt != null) {
            labels.put(DefaultSandboxClient.LABEL_EXPIRES, Long.toString(expiresAt.getEpochSecond() + 1));
        }
        BoxSpec spec = new BoxSpec("sandbox4j-" + handler.id() + "-" + id, image, supervisorUser, options.limits(),
                options.runtime(), labels);
        long t0 = System.nanoTime();
        box = backend.create(spec);
        log.info("Session {} opened: {} box {} ({} ms)", id, handler.id(), spec.name(),
                (System.nanoTime() - t0) / 1_000_000);
        client.events().sessionOpened(new SessionEvent(Instant.now(), id, principal, handler.id(), image, null));
    }

    void onClose(Runnable r) {
        onClose.add(r);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String language() {
        return handler.id();
    }

    @Override
    public String image() {
        return image;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public ExecutionResult run(String code, RunOptions runOptions) {
        requireNonNull(code, "code");
        requireNonNull(runOptions, "options");
        if (code.isBlank()) {
            throw new IllegalArgumentException("code must not be empty");
        }
        ensureOpen(); // a closed session refuses before the policy is consulted
        List<Violation> findings = List.of();
        if (policy != null) {
            PolicyVerdict verdict = decide(code, policy);
            if (!verdict.allowed()) {
                List<Violation> reasons = verdict.blocking();
                ExecutionResult blocked = new ExecutionResult("", "", -1, Duration.ZERO,
                        ExecutionStatus.BLOCKED_BY_POLICY, "blocked by policy '" + policy.name() + "': "
                                + reasons.size() + " violation(s) at or above " + policy.threshold().wireName()
                                + ", first: " + reasons.get(0), false, false, verdict.violations(), List.of());
                audit("run", code, runOptions, blocked);
                return blocked;
            }
            findings = verdict.violations();
        }
        String runDir = Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
        ExecutionPlan plan = handler.plan(code, new PlanContext(runDir, runOptions.args()));
        ExecutionResult raw;
        if (plan.compile().isEmpty()) {
            raw = execute(runDir, plan.files(), plan.argv(), plan.env(), runOptions);
        } else {
            raw = compileThenRun(runDir, plan, runOptions);
        }
        ExecutionResult r = finish(raw, findings);
        audit("run", code, runOptions, r);
        return r;
    }

    /**
     * Compiled languages: the compile step runs in its own exec (no stdin, {@link #COMPILE_TIMEOUT}), and only if it
     * succeeds does the program run, with the caller's timeout and stdin.
     */
    private ExecutionResult compileThenRun(String runDir, ExecutionPlan plan, RunOptions runOptions) {
        RunOptions compileOptions = RunOptions.builder().timeout(COMPILE_TIMEOUT).build();
        ExecutionResult c = execute(runDir, plan.files(), plan.compile(), plan.env(), compileOptions);
        switch (c.status()) {
            case OK -> {
                return execute(runDir, Map.of(), plan.argv(), plan.env(), runOptions);
            }
            case NONZERO_EXIT -> {
                return new ExecutionResult(c.stdout(), c.stderr(), c.exitCode(), c.duration(),
                        ExecutionStatus.COMPILE_ERROR, null, c.stdoutTruncated(), c.stderrTruncated());
            }
            case TIMED_OUT -> {
                return new ExecutionResult(c.stdout(), c.stderr(), c.exitCode(), c.duration(), ExecutionStatus.TIMED_OUT,
                        c.killReason() != null && c.killReason().startsWith("session lifetime") ? c.killReason()
                                : "compilation " + c.killReason(), c.stdoutTruncated(), c.stderrTruncated());
            }
            default -> {
                return c;
            }
        }
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
        PolicyVerdict v = p.check(handler.id(), code, Scanners.forHandler(handler));
        client.events().policyDecision(new PolicyDecisionEvent(Instant.now(), id, principal, handler.id(),
                Hashes.sha256(code), code.length(), v));
        if (!v.allowed()) {
            log.info("Session {}: code blocked by policy {} ({} violations)", id, p.name(), v.blocking().size());
        }
        return v;
    }

    /** Applies the sanitiser and attaches policy findings. */
    private ExecutionResult finish(ExecutionResult r, List<Violation> findings) {
        if (sanitizer == null) {
            return findings.isEmpty() ? r : r.with(findings, List.of());
        }
        Sanitized out = sanitizer.sanitize(r.stdout());
        Sanitized err = sanitizer.sanitize(r.stderr());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Redaction x : out.redactions()) {
            counts.merge(x.kind(), x.count(), Integer::sum);
        }
        for (Redaction x : err.redactions()) {
            counts.merge(x.kind(), x.count(), Integer::sum);
        }
        List<Redaction> redactions = counts.entrySet().stream().map(e -> new Redaction(e.getKey(), e.getValue()))
                .toList();
        return new ExecutionResult(out.text(), err.text(), r.exitCode(), r.duration(), r.status(), r.killReason(),
                r.stdoutTruncated(), r.stderrTruncated(), findings, redactions);
    }

    private void audit(String kind, String code, RunOptions runOptions, ExecutionResult r) {
        client.events().runFinished(new RunEvent(Instant.now(), id, principal, handler.id(), kind,
                Hashes.sha256(code), options.limits(),
                runOptions.timeout() != null ? runOptions.timeout() : defaultTimeout, r.status(), r.exitCode(),
                r.duration(), r.killReason(), r.redactions().stream().map(Redaction::kind).toList()));
    }

    @Override
    public ExecutionResult exec(List<String> command, RunOptions runOptions) {
        requireNonNull(command, "command");
        requireNonNull(runOptions, "options");
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        List<String> argv = new ArrayList<>(command);
        argv.addAll(runOptions.args());
        String runDir = Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
        ExecutionResult r = finish(execute(runDir, Map.of(), argv, Map.of(), runOptions), List.of());
        audit("exec", String.join("\u0000", argv), runOptions, r);
        return r;
    }

    @Override
    public void putFile(String path, byte[] content) {
        requireNonNull(path, "path");
        requireNonNull(content, "content");
        String target = BoxPaths.resolve(options.runtime().workdir(), path);
        ExecutionResult r = internalExec(List.of("/bin/sh", "-c",
                "case \"$1\" in */*) mkdir -p -- \"${1%/*}\" || exit 1;; esac; head -c \"$2\" > \"$1\"", "sh",
                target, Long.toString(content.length)), content, DataSize.ofKilobytes(64));
        if (r.exitCode() != 0) {
            throw new BackendException(backend.name(), "could not write '" + target + "' in the box: "
                    + r.stderr().strip(), null);
        }
    }

    @Override
    public byte[] getFile(String path) {
        requireNonNull(path, "path");
        String target = BoxPaths.resolve(options.runtime().workdir(), path);
        List<String> cmd = List.of("/bin/sh", "-c",
                "[ -f \"$1\" ] || { echo 'no such file' >&2; exit 3; }; exec cat -- \"$1\"", "sh", target);
        Capture c = internalCapture(cmd, new byte[0], DataSize.ofBytes(MAX_FILE_READ));
        if (c.exitCode == 3 && c.stderr.contains("no such file")) {
            throw new UncheckedIOException(new NoSuchFileException(target, null, "no such regular file in the box"));
        }
        if (c.exitCode != 0) {
            throw new BackendException(backend.name(), "could not read '" + target + "' from the box: "
                    + c.stderr.strip(), null);
        }
        if (c.truncated) {
            throw new IllegalArgumentException("file '" + target + "' is larger than " + DataSize.ofBytes(MAX_FILE_READ));
        }
        return c.stdout;
    }

    private record Capture(int exitCode, byte[] stdout, String stderr, boolean truncated) {}

    private ExecutionResult internalExec(List<String> argv, byte[] stdin, DataSize limit) {
        Capture c = internalCapture(argv, stdin, limit);
        return new ExecutionResult(new String(c.stdout, StandardCharsets.UTF_8), c.stderr, c.exitCode, Duration.ZERO,
                c.exitCode == 0 ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT, null, c.truncated, false);
    }

    /** A helper exec of our own (file transfer): no launcher, 60 s limit. */
    private Capture internalCapture(List<String> argv, byte[] stdin, DataSize limit) {
        lock.lock();
        try {
            Box b = ensureOpen();
            BoundedBuffer out = new BoundedBuffer(limit.bytes());
            BoundedBuffer err = new BoundedBuffer(64 * 1024);
            ExecRequest req = new ExecRequest(argv, Map.of(), options.runtime().user(), options.runtime().workdir(),
                    stdin);
            try (ExecHandle h = backend.exec(b, req, new OutputSink() {
                @Override
                public void stdout(byte[] chunk) {
                    out.append(chunk);
                }

                @Override
                public void stderr(byte[] chunk) {
                    err.append(chunk);
                }
            })) {
                int code = h.exitCode().get(60, TimeUnit.SECONDS);
                return new Capture(code, out.bytes(), err.text(), out.overflowed());
            } catch (TimeoutException e) {
                backend.killAll(b, options.runtime().user());
                throw new BackendException(backend.name(), "file transfer did not finish within 60 s", e);
            } catch (ExecutionException e) {
                throw unwrap(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException(backend.name(), "interrupted", e);
            }
        } finally {
            lock.unlock();
        }
    }

    private Box ensureOpen() {
        Box b = box;
        if (closed.get() || b == null) {
            String why = closeReason;
            throw new SessionClosedException("session " + id + " is closed" + (why == null ? "" : " (" + why + ")"));
        }
        return b;
    }

    private ExecutionResult execute(String runDir, Map<String, byte[]> files, List<String> command,
            Map<String, String> planEnv, RunOptions runOptions) {
        lock.lock();
        try {
            Box b = ensureOpen();
            MDC.put("sandbox.session", id);
            Duration timeout = runOptions.timeout() != null ? runOptions.timeout() : defaultTimeout;
            boolean lifetimeBound = false;
            if (expiresAt != null) {
                Duration left = Duration.between(Instant.now(), expiresAt);
                if (left.compareTo(timeout) < 0) {
                    timeout = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
                    lifetimeBound = true;
                }
            }
            DataSize limit = runOptions.outputLimit() != null ? runOptions.outputLimit() : options.limits().outputLimit();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", options.runtime().workdir());
            env.put("TMPDIR", "/tmp");
            env.putAll(options.runtime().env());
            env.putAll(planEnv);
            env.putAll(runOptions.env());
            Launcher.Invocation inv = Launcher.build(runDir, files, runOptions.stdin(), command);
            log.debug("Session {} exec {} (timeout {}, output limit {})", id, Launcher.describe(command), timeout, limit);
            return supervise(b, new ExecRequest(inv.argv(), env, options.runtime().user(),
                    options.runtime().workdir(), inv.stdin()), timeout, lifetimeBound, limit, runOptions.listener());
        } finally {
            MDC.remove("sandbox.session");
            lock.unlock();
        }
    }

    private ExecutionResult supervise(Box b, ExecRequest req, Duration timeout, boolean lifetimeBound,
            DataSize limit, OutputListener listener) {
        BoundedBuffer out = new BoundedBuffer(limit.bytes());
        BoundedBuffer err = new BoundedBuffer(limit.bytes());
        CompletableFuture<String> flood = new CompletableFuture<>();
        OutputSink sink = new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                byte[] kept = out.append(chunk);
                if (kept.length > 0) {
                    notify(() -> listener.onStdout(kept));
                }
                if (out.overflowed()) {
                    flood.complete("stdout exceeded the output limit of " + limit);
                }
            }

            @Override
            public void stderr(byte[] chunk) {
                byte[] kept = err.append(chunk);
                if (kept.length > 0) {
                    notify(() -> listener.onStderr(kept));
                }
                if (err.overflowed()) {
                    flood.complete("stderr exceeded the output limit of " + limit);
                }
            }

            private void notify(Runnable r) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.warn("OutputListener threw {}", e.toString());
                }
            }
        };
        long start = System.nanoTime();
        ExecHandle handle = backend.exec(b, req, sink);
        try {
            CompletableFuture<Integer> exit = handle.exitCode();
            ExecutionStatus status;
            String killReason = null;
            int code;
            try {
                Object first = CompletableFuture.anyOf(exit, flood).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (first instanceof Integer c && !flood.isDone()) {
                    code = c;
                    status = code == 0 ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT;
                } else {
                    killReason = flood.getNow("output limit exceeded");
                    status = ExecutionStatus.OUTPUT_LIMIT;
                    code = killAndReap(b, exit);
                }
            } catch (TimeoutException e) {
                if (closed.get()) {
                    status = expired ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED;
                    killReason = closeReason != null ? closeReason : "session closed";
                    code = -1;
                } else {
                    status = ExecutionStatus.TIMED_OUT;
                    killReason = lifetimeBound
                            ? "session lifetime of " + human(options.sessionTimeout()) + " exceeded"
                            : "timed out after " + human(timeout);
                    code = killAndReap(b, exit);
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (closed.get() && status != ExecutionStatus.OK) {
                status = expired ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED;
                killReason = closeReason != null ? closeReason : "session closed";
            } else if (status == ExecutionStatus.NONZERO_EXIT) {
                long oom = backend.oomKillCount(b);
                if (oom > oomKills) {
                    oomKills = oom;
                    status = ExecutionStatus.OOM_KILLED;
                    killReason = "out of memory (limit " + options.limits().memory() + ")";
                }
            }
            if (lifetimeBound && status == ExecutionStatus.TIMED_OUT) {
                expire();
            }
            ExecutionResult r = new ExecutionResult(out.text(), err.text(), code, elapsed, status, killReason,
                    out.overflowed(), err.overflowed());
            log.debug("Session {} run finished: {} exit {} in {} ms", id, status.wireName(), code, elapsed.toMillis());
            return r;
        } catch (ExecutionException e) {
            if (closed.get()) {
                return new ExecutionResult(out.text(), err.text(), -1, Duration.ofNanos(System.nanoTime() - start),
                        expired ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED, closeReason != null ? closeReason : "session closed", out.overflowed(),
                        err.overflowed());
            }
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            backend.killAll(b, options.runtime().user());
            throw new BackendException(backend.name(), "interrupted while waiting for the program", e);
        } finally {
            handle.close();
        }
    }

    /** Kills every untrusted process and returns the run's exit code (137 if it is not reported in time). */
    private int killAndReap(Box b, CompletableFuture<Integer> exit) throws InterruptedException {
        if (closed.get()) {
            return -1;
        }
        boolean clean = backend.killAll(b, options.runtime().user());
        if (!clean) {
            log.warn("Session {}: processes survived the kill; replacing the box", id);
            replaceBox(b);
        }
        try {
            return exit.get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return 137;
        }
    }

    /** Last resort when processes cannot be killed (e.g. the pids limit prevents even our kill): a fresh box. */
    private void replaceBox(Box old) {
        try {
            backend.remove(old.id());
            Box fresh = backend.create(old.spec());
            box = fresh;
            oomKills = 0;
        } catch (RuntimeException e) {
            closeReason = "box could not be replaced: " + e.getMessage();
            close();
        }
    }

    private static String human(Duration d) {
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + " s";
        }
        return d.toMillis() + " ms";
    }

    private static RuntimeException unwrap(ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException re) {
            return re;
        }
        return new BackendException("backend", String.valueOf(c), c);
    }

    /** Called when the session's lifetime is over. */
    void expire() {
        if (!closed.get()) {
            closeReason = "session lifetime of " + human(options.sessionTimeout()) + " exceeded";
            expired = true;
            log.info("Session {}: {}", id, closeReason);
            close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Box b = box;
        try {
            if (b != null) {
                backend.remove(b.id());
            }
            log.info("Session {} closed", id);
            client.events().sessionClosed(new SessionEvent(Instant.now(), id, principal, handler.id(), image,
                    closeReason));
        } catch (RuntimeException e) {
            log.warn("Session {}: could not remove box {}: {} (`sandbox4j gc` removes it later)", id,
                    b.name(), e.getMessage());
        } finally {
            client.forget(this);
            onClose.forEach(Runnable::run);
        }
    }
}
