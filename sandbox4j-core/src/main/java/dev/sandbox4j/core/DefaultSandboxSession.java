package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.Command;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.SessionEvent;
import dev.sandbox4j.core.support.Hashes;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.core.support.Notebooks;
import dev.sandbox4j.core.support.RunResults;
import dev.sandbox4j.core.tar.TarExtractor;
import dev.sandbox4j.core.tar.TarReader;
import dev.sandbox4j.core.tar.TarWriter;
import dev.sandbox4j.text.Texts;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
    /** How long to wait for a killed process to be reported gone before giving up on its stream. */
    private static final Duration KILL_GRACE = Duration.ofMillis(700);
    /**
     * How long past a run's deadline the host waits for the runner, which enforces the deadline itself, before it
     * decides the runner is stopped or dead and kills through the engine.
     */
    private static final Duration RUNNER_BACKSTOP = Duration.ofSeconds(2);
    /** Longest the runner may take to answer a kill request between runs. */
    private static final Duration RUNNER_KILL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LIFETIME_SLACK = Duration.ofMillis(300);
    /** Files read back with getFile are capped (the box's tmpfs is bounded anyway). */
    static final long MAX_FILE_READ = 1L << 30;
    /** Time a compile step (javac, g++, go build) may take, separate from the run's timeout. */
    static final Duration COMPILE_TIMEOUT = Duration.ofSeconds(120);
    /** Longest a file copy into or out of the box may take. */
    static final Duration COPY_TIMEOUT = Duration.ofMinutes(10);
    /** Artifacts returned per run: at most this many files ... */
    static final int MAX_ARTIFACTS = 256;
    /** ... and this many bytes. */
    static final long MAX_ARTIFACT_BYTES = 64L << 20;
    /** Image label of committed images: where the saved work directory is. */
    static final String LABEL_WORKSPACE_SEED = "dev.sandbox4j.workspace";
    /** Where {@link #commit} saves the work directory in the new image. */
    static final String SEED_DIR = "/opt/sandbox4j/workspace";

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
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final AtomicLong runs = new AtomicLong();
    private final InstallConfig installConfig;
    private final String home;
    private final boolean removeOnClose;
    private final List<String> installed = new CopyOnWriteArrayList<>();
    private volatile @Nullable Box box;
    /** The box's resident runner ({@link Runner}), started in the background when the box is; null until then. */
    private final Object runnerLock = new Object();
    private @Nullable CompletableFuture<Runner> runnerStart;
    private @Nullable Runner runner;
    private volatile boolean runnerUnavailable;
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
        this.installConfig = options.install() != null ? options.install() : client.installConfig();
        this.home = options.runtime().workdir();
        this.removeOnClose = true;
    }

    /** A session on a container sandbox4j did not create ({@link DefaultSandboxClient#attachSession}). */
    DefaultSandboxSession(DefaultSandboxClient client, SandboxBackend backend, LanguageHandler handler, Box attached,
            SessionOptions options, Duration defaultTimeout, boolean removeOnClose) {
        this.client = client;
        this.backend = backend;
        this.handler = handler;
        this.image = attached.spec().image();
        this.options = options;
        this.defaultTimeout = defaultTimeout;
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        this.id = HexFormat.of().formatHex(b);
        this.supervisorUser = attached.spec().supervisorUser();
        this.expiresAt = options.sessionTimeout() == null ? null : Instant.now().plus(options.sessionTimeout());
        this.policy = options.policy() != null ? options.policy() : client.policy();
        this.sanitizer = options.sanitizer();
        this.principal = options.principal() != null ? options.principal() : client.principal();
        this.installConfig = options.install() != null ? options.install() : client.installConfig();
        this.home = options.runtime().workdir();
        this.removeOnClose = removeOnClose;
        this.box = attached;
        client.events().sessionOpened(new SessionEvent(Instant.now(), id, principal, handler.id(), image, null));
        log.info("Session {} attached to container {} ({})", id, attached.name(), attached.id());
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
        Map<String, String> imageLabels = backend.imageLabels(image);
        box = client.createBox(spec);
        String seed = imageLabels == null ? null : imageLabels.get(LABEL_WORKSPACE_SEED);
        if (seed != null) {
            seedWorkspace(seed);
        }
        Runner leased = client.leasedRunner();
        if (leased != null && leased.isAlive()) {
            synchronized (runnerLock) {
                runner = leased;
            }
        } else {
            if (leased != null) {
                leased.close();
            }
            startRunnerSoon(box);
        }
        ResourceLimits l = options.limits();
        log.info("Session {} opened: {} box {} from {} in {} ms (memory {}, {} CPU, {} pids, network {}{})", id,
                handler.id(), spec.name(), image, (System.nanoTime() - t0) / 1_000_000, l.memory(),
                l.cpus() == Math.rint(l.cpus()) ? Long.toString((long) l.cpus()) : Double.toString(l.cpus()),
                l.pids(), options.runtime().networkEnabled() ? "on" : "none",
                options.runtime().ociRuntime() == null ? "" : ", runtime " + options.runtime().ociRuntime());
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
                ExecutionResult blocked = RunResults.blockedByPolicy(verdict);
                audit("run", code, runOptions, blocked);
                return blocked;
            }
            findings = verdict.violations();
        }
        ExecutionResult failedInstall = installMissing(runOptions);
        if (failedInstall != null) {
            ExecutionResult r = finish(failedInstall, findings);
            audit("run", code, runOptions, r);
            return r;
        }
        if (options.stateful()) {
            ExecutionResult r = finish(runCell(code, runOptions), findings);
            remember(code, r);
            audit("run", code, runOptions, r);
            return r;
        }
        String runDir = Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
        String outputDir = runOptions.captureArtifacts() ? home + "/" + OUTPUT_DIR : null;
        ExecutionPlan plan = handler.plan(code, new PlanContext(runDir, runOptions.args(), outputDir, home));
        ExecutionResult raw;
        if (plan.compile().isEmpty()) {
            raw = execute(runDir, plan.files(), plan.argv(), plan.env(), runOptions, outputDir, true);
        } else {
            raw = compileThenRun(runDir, plan, runOptions, outputDir);
        }
        if (outputDir != null && raw.status() != ExecutionStatus.COMPILE_ERROR && isOpen()) {
            raw = collectArtifacts(raw, outputDir);
        }
        ExecutionResult r = finish(raw, findings);
        remember(code, r);
        audit("run", code, runOptions, r);
        return r;
    }

    /**
     * Compiled languages: the compile step runs in its own exec (no stdin, {@link #COMPILE_TIMEOUT}), and only if it
     * succeeds does the program run, with the caller's timeout and stdin.
     */
    private ExecutionResult compileThenRun(String runDir, ExecutionPlan plan, RunOptions runOptions,
            @Nullable String outputDir) {
        RunOptions compileOptions = RunOptions.builder()
                .timeout(runOptions.compileTimeout() != null ? runOptions.compileTimeout() : COMPILE_TIMEOUT)
                .build();
        ExecutionResult c = execute(runDir, plan.files(), plan.compile(), plan.env(), compileOptions, null, false);
        switch (c.status()) {
            case OK -> {
                return execute(runDir, Map.of(), plan.argv(), plan.env(), runOptions, outputDir, true);
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
        PolicyVerdict v = PolicyCheck.run(p, handler, code);
        client.events().policyDecision(new PolicyDecisionEvent(Instant.now(), id, principal, handler.id(),
                Hashes.sha256(code), code.length(), v));
        if (!v.allowed()) {
            log.info("Session {}: code blocked by policy {} ({} violations)", id, p.name(), v.blocking().size());
        } else {
            log.debug("Session {}: policy {} allows the code ({} finding(s) below its threshold {})", id, p.name(),
                    v.violations().size(), v.threshold().wireName());
        }
        return v;
    }

    /** Applies the sanitiser and attaches policy findings. */
    private ExecutionResult finish(ExecutionResult r, List<Violation> findings) {
        return RunResults.finish(r, findings, sanitizer);
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
        ExecutionResult failedInstall = installMissing(runOptions);
        if (failedInstall != null) {
            return failedInstall;
        }
        String runDir = Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
        String outputDir = runOptions.captureArtifacts() ? home + "/" + OUTPUT_DIR : null;
        ExecutionResult raw = execute(runDir, Map.of(), argv, Map.of(), runOptions, outputDir, true);
        if (outputDir != null && isOpen()) {
            raw = collectArtifacts(raw, outputDir);
        }
        ExecutionResult r = finish(raw, List.of());
        audit("exec", String.join("\u0000", argv), runOptions, r);
        return r;
    }

    @Override
    public List<ExecutionResult> execSequence(List<Command> commands, RunOptions runOptions) {
        requireNonNull(commands, "commands");
        requireNonNull(runOptions, "options");
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("commands must not be empty");
        }
        for (Command c : commands) {
            if (c.workdir() != null) {
                BoxPaths.workdir(home, c.workdir()); // a bad directory fails the call before anything runs
            }
        }
        List<ExecutionResult> results = new ArrayList<>();
        for (Command c : commands) {
            RunOptions o = c.workdir() == null ? runOptions : runOptions.toBuilder().workdir(c.workdir()).build();
            ExecutionResult r = exec(c.argv(), o);
            results.add(r);
            if (r.status() != ExecutionStatus.OK) {
                break;
            }
        }
        return List.copyOf(results);
    }

    /**
     * Shell function {@code inside PATH} (true if PATH, already resolved, lies under $h or /tmp) and {@code refuse}
     * (exit 5, the resolved path on stderr). A program in the box can plant symbolic links; the file scripts resolve
     * every path and then check the file they actually opened ({@code /proc/$$/fd/3}), so neither a link nor a link
     * swapped in meanwhile makes them read or write outside the work directory and /tmp.
     */
    private static final String FILE_CHECKS = """
            inside() { case "$1" in "$h"|"$h"/*|/tmp|/tmp/*) return 0;; esac; return 1; }
            refuse() { echo "resolves to $1" >&2; exit 5; }
            command -v realpath >/dev/null 2>&1 || { echo 'realpath is missing in the image' >&2; exit 1; }
            """;

    /**
     * Writes stdin to a file with one exec: $1 the path, $2 the length, $3 the work directory. Before anything is
     * created, the deepest existing ancestor must resolve inside; then the parent, a link at the target, and the
     * opened file. Exit 5: it resolves outside (the resolved path on stderr).
     */
    static final String WRITE_SCRIPT = FILE_CHECKS + """
            h=$3; p=${1%/*}; [ -n "$p" ] || p=/
            a=$p; while [ ! -e "$a" ] && [ ! -L "$a" ]; do a=${a%/*}; [ -n "$a" ] || a=/; done
            r=$(realpath -e -- "$a" 2>/dev/null) || refuse "nowhere (a dangling link: $a)"
            inside "$r" || refuse "$r"
            mkdir -p -- "$p" || exit 1
            r=$(realpath -e -- "$p" 2>/dev/null) || refuse "nowhere ($p)"
            inside "$r" || refuse "$r"
            t=$r/${1##*/}
            if [ -L "$t" ]; then r=$(realpath -m -- "$t" 2>/dev/null) || refuse "nowhere ($t)"; inside "$r" || refuse "$r"; t=$r; fi
            [ ! -d "$t" ] || { echo "$1 is a directory" >&2; exit 1; }
            true >> "$t" || exit 1
            exec 3>> "$t"
            o=$(readlink -- "/proc/$$/fd/3") || { echo 'cannot check the opened file' >&2; exit 1; }
            inside "$o" || refuse "$o"
            exec head -c "$2" > "/proc/$$/fd/3"
            """;

    @Override
    public void putFile(String path, byte[] content) {
        requireNonNull(path, "path");
        requireNonNull(content, "content");
        String target = BoxPaths.resolve(home, path);
        ExecutionResult r = internalExec(List.of("/bin/sh", "-c", WRITE_SCRIPT, "sh", target,
                Long.toString(content.length), home), content, DataSize.ofKilobytes(64));
        if (r.exitCode() == 5) {
            throw outsideTheBox(path, r.stderr());
        }
        if (r.exitCode() != 0) {
            throw new BackendException(backend.name(), "could not write '" + target + "' in the box: "
                    + (r.stderr().isBlank() ? "exit code " + r.exitCode() : r.stderr().strip()), null);
        }
    }

    private IllegalArgumentException outsideTheBox(String path, String stderr) {
        String to = stderr.strip().startsWith("resolves to ") ? stderr.strip().substring("resolves to ".length())
                : "?";
        return new IllegalArgumentException("file path '" + Texts.sanitize(path, 120) + "' resolves (through a "
                + "symbolic link in the box) to '" + Texts.sanitize(to, 120) + "', outside the box's writable "
                + "directories (" + home + ", /tmp)");
    }

    @Override
    public byte[] getFile(String path) {
        return getFile(path, DataSize.ofBytes(MAX_FILE_READ));
    }

    /**
     * Reads a regular file with one exec: $1 the path, $2 the limit, $3 the limit plus one, $4 the work directory.
     * Exit 3: no such file; exit 4: {@code stat} says it is larger than the limit (its size on stderr), nothing is
     * sent; exit 5: it resolves outside the work directory and /tmp. Where there is no {@code stat}, {@code head}
     * sends one byte past the limit, which tells the caller the file is too large.
     */
    static final String READ_SCRIPT = FILE_CHECKS + """
            h=$4
            r=$(realpath -e -- "$1" 2>/dev/null) || { echo 'no such file' >&2; exit 3; }
            inside "$r" || refuse "$r"
            [ -f "$r" ] || { echo 'no such file' >&2; exit 3; }
            [ -r "$r" ] || { echo "cannot read $1" >&2; exit 1; }
            exec 3< "$r"
            o=$(readlink -- "/proc/$$/fd/3") || { echo 'cannot check the opened file' >&2; exit 1; }
            inside "$o" || refuse "$o"
            s=$(stat -L -c %s -- "/proc/$$/fd/3" 2>/dev/null) && [ "$s" -gt "$2" ] 2>/dev/null && { echo "size $s" >&2; exit 4; }
            exec head -c "$3" <&3
            """;

    @Override
    public byte[] getFile(String path, DataSize max) {
        requireNonNull(path, "path");
        requireNonNull(max, "max");
        String target = BoxPaths.resolve(home, path);
        DataSize limit = max.bytes() > MAX_FILE_READ ? DataSize.ofBytes(MAX_FILE_READ) : max;
        List<String> cmd = List.of("/bin/sh", "-c", READ_SCRIPT, "sh", target, Long.toString(limit.bytes()),
                Long.toString(limit.bytes() + 1), home);
        Capture c = internalCapture(cmd, new byte[0], limit);
        if (c.exitCode == 5) {
            throw outsideTheBox(path, c.stderr);
        }
        if (c.exitCode == 3 && c.stderr.contains("no such file")) {
            throw new UncheckedIOException(new NoSuchFileException(target, null, "no such regular file in the box"));
        }
        if (c.exitCode == 4 && c.stderr.startsWith("size ")) {
            long size;
            try {
                size = Long.parseLong(c.stderr.substring(5).strip());
            } catch (NumberFormatException e) {
                size = -1;
            }
            throw new FileTooLargeException(target, size, limit);
        }
        if (c.exitCode != 0) {
            throw new BackendException(backend.name(), "could not read '" + target + "' from the box: "
                    + c.stderr.strip(), null);
        }
        if (c.truncated) {
            throw new FileTooLargeException(target, -1, limit);
        }
        return c.stdout;
    }

    // ---------------------------------------------------------------- stateful sessions (kernels)

    /** Where the kernel's files go (outside {@link Launcher#RUNS_DIR}, which later runs clean up). */
    static final String KERNEL_DIR = "/tmp/.sandbox4j-kernel";
    /** Longest a kernel may take to start. */
    static final Duration KERNEL_START = Duration.ofSeconds(30);
    /** How long an interrupted cell gets to stop before the kernel is killed and restarted. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(2);
    static final int MAX_HISTORY = 1000;

    /** Kills every process of the sandbox user except $1 (the kernel), until none is left. Builtins only. */
    private static final String KILL_ALL_BUT = """
            k=$1; i=0
            while [ "$i" -lt 300 ]; do
              left=
              for p in /proc/[0-9]*; do
                q=${p#/proc/}
                [ "$q" = "$$" ] || [ "$q" = "$k" ] || { [ -O "$p" ] && kill -9 "$q" 2>/dev/null && left=$q; }
              done
              [ -z "$left" ] && exit 0
              i=$((i+1)); [ "$i" -gt 20 ] && sleep 0.01 2>/dev/null
            done
            exit 1
            """;

    private @Nullable Kernel kernel;
    private final java.util.concurrent.atomic.AtomicInteger cellIds = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.ArrayDeque<HistoryEntry> history = new java.util.ArrayDeque<>();

    private record HistoryEntry(String code, ExecutionResult result) {}

    @Override
    public boolean isStateful() {
        return options.stateful();
    }

    private Kernel kernel(Box b) {
        Kernel k = kernel;
        if (k != null && k.isAlive()) {
            return k;
        }
        if (k != null) {
            k.close();
        }
        ExecutionPlan plan = handler.kernelPlan(new PlanContext(KERNEL_DIR, List.of(), null, home));
        if (plan == null) {
            throw new UnsupportedOperationException("stateful sessions are not supported for " + handler.id());
        }
        // a runner starting now would kill the kernel as a leftover: let it finish starting first
        runner(b);
        Map<String, String> env = boxEnv(plan.env());
        Launcher.Invocation inv = Launcher.buildKeepingStdin(KERNEL_DIR, plan.files(), plan.argv());
        long t0 = System.nanoTime();
        k = Kernel.start(backend, b, new ExecRequest(inv.argv(), env, options.runtime().user(), home, inv.stdin()),
                KERNEL_START);
        log.debug("Session {}: kernel started (pid {}) in {} ms", id, k.pid(), (System.nanoTime() - t0) / 1_000_000);
        kernel = k;
        return k;
    }

    /** Runs one cell in the kernel: the stateful counterpart of {@link #execute}. */
    private ExecutionResult runCell(String code, RunOptions runOptions) {
        lock.lock();
        try {
            Box b = ensureOpen();
            MDC.put("sandbox.session", id);
            Bounds bounds = bounds(runOptions);
            DataSize limit = bounds.outputLimit();
            long start = System.nanoTime();
            Kernel k = kernel(b);
            int cell = cellIds.incrementAndGet();
            com.fasterxml.jackson.databind.node.ObjectNode req = k.request("execute");
            req.put("id", cell);
            req.put("code", code);
            if (runOptions.stdin() != null) {
                req.put("stdin", new String(runOptions.stdin(), StandardCharsets.UTF_8));
            }
            String outputDir = runOptions.captureArtifacts() ? home + "/" + OUTPUT_DIR : null;
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
                            killReason = timeoutReason(bounds);
                            interrupt(k);
                            graceEnd = System.nanoTime() + INTERRUPT_GRACE.toNanos();
                            continue;
                        }
                        // the cell ignored the interrupt: kill the kernel, its state is lost
                        restartKernel(b);
                        restarted = true;
                        killReason += "; the kernel did not stop when interrupted and was restarted";
                        exitCode = 137;
                        break;
                    }
                    String type = m.path("type").asText();
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
                                graceEnd = System.nanoTime() + INTERRUPT_GRACE.toNanos();
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
                            restartKernel(b);
                            if (newOomKill(b)) {
                                status = ExecutionStatus.OOM_KILLED;
                                killReason = "out of memory (limit " + options.limits().memory() + "); the kernel was "
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
                        default -> log.debug("Session {}: unexpected kernel message {}", id, type);
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
                restartKernel(b);
                throw new BackendException(backend.name(), "lost the connection to the kernel: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                restartKernel(b);
                throw new BackendException(backend.name(), "interrupted while waiting for the kernel", e);
            }
            if (forged && !restarted) {
                log.warn("Session {}: cell {} wrote kernel protocol messages of its own; restarting the kernel", id,
                        cell);
                restartKernel(b);
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
            } else if (status == ExecutionStatus.TIMED_OUT || status == ExecutionStatus.OUTPUT_LIMIT) {
                exitCode = restarted ? 137 : 130;
            }
            if (bounds.lifetimeBound() && status == ExecutionStatus.TIMED_OUT) {
                expire();
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
                        log.debug("Session {}: display is not Base64 PNG", id);
                    }
                }
            }
            ExecutionResult r = new ExecutionResult(out.text(), err.text(), exitCode,
                    Duration.ofNanos(System.nanoTime() - start), status, killReason, out.overflowed(),
                    err.overflowed(), List.of(), List.of(), artifacts,
                    new CellOutput(count, value, displays, error, restarted));
            if (outputDir != null && isOpen()) {
                List<Artifact> shown = r.artifacts();
                r = collectArtifacts(r, outputDir);
                List<Artifact> all = new ArrayList<>(shown);
                all.addAll(r.artifacts());
                r = r.withArtifacts(all);
            }
            return r;
        } finally {
            MDC.remove("sandbox.session");
            lock.unlock();
        }
    }

    /** Asks the running cell to stop (KeyboardInterrupt-like); the kernel keeps its state if the cell does stop. */
    private void interrupt(Kernel k) throws java.io.IOException {
        if (k.interruptBySignal()) {
            internalExec(List.of("/bin/sh", "-c", "kill -INT \"$1\"", "interrupt", Integer.toString(k.pid())),
                    new byte[0], DataSize.ofKilobytes(4));
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
    private void restartKernel(Box b) {
        Kernel k = kernel;
        kernel = null;
        if (!killUntrusted(b)) {
            replaceBox(b);
        }
        if (k != null) {
            k.close();
        }
    }

    @Override
    public void reset() {
        lock.lock();
        try {
            Box b = ensureOpen();
            if (options.stateful()) {
                // a fresh interpreter: whatever the old one ran (threads, children, daemons) is killed with it
                restartKernel(b);
            } else {
                killUntrusted(b);
            }
            log.info("Session {} reset", id);
        } finally {
            lock.unlock();
        }
    }

    private void remember(String code, ExecutionResult r) {
        synchronized (history) {
            history.addLast(new HistoryEntry(code, r));
            while (history.size() > MAX_HISTORY) {
                history.removeFirst();
            }
        }
    }

    @Override
    public String exportNotebook() {
        List<HistoryEntry> entries;
        synchronized (history) {
            entries = List.copyOf(history);
        }
        return Notebooks.write(handler.id(), image, id, entries.stream()
                .map(e -> new Notebooks.Cell(e.code(), e.result())).toList());
    }

    // ---------------------------------------------------------------- libraries

    @Override
    public ExecutionResult install(List<String> libraries) {
        requireNonNull(libraries, "libraries");
        List<String> wanted = libraries.stream().distinct().toList();
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("no libraries to install");
        }
        lock.lock();
        try {
            Box b = ensureOpen();
            List<String> missing = wanted.stream().filter(l -> !installed.contains(l)).toList();
            if (missing.isEmpty()) {
                return new ExecutionResult("already installed: " + String.join(" ", wanted) + "\n", "", 0,
                        Duration.ZERO, ExecutionStatus.OK, null, false, false);
            }
            String runDir = Launcher.RUNS_DIR + "/r" + runs.incrementAndGet();
            Map<String, byte[]> files = new LinkedHashMap<>();
            String ca = null;
            if (installConfig.caBundle() != null) {
                try {
                    files.put("ca.pem", java.nio.file.Files.readAllBytes(installConfig.caBundle()));
                    ca = runDir + "/ca.pem";
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException("cannot read the CA bundle " + installConfig.caBundle(), e);
                }
            }
            ExecutionPlan plan = handler.installPlan(missing, new InstallContext(runDir, home, installConfig, ca));
            files.putAll(plan.files());
            boolean networked = !options.runtime().networkEnabled();
            long t0 = System.nanoTime();
            ExecutionResult r;
            // nothing an earlier run left behind may see the network; a kernel is frozen, not killed
            Kernel k = kernel != null && kernel.isAlive() ? kernel : null;
            if (!stopEverythingBut(b, k)) {
                throw new BackendException(backend.name(), "could not stop the box's processes before installing", null);
            }
            if (networked) {
                try {
                    backend.setNetwork(b, installConfig.network());
                } catch (UnsupportedOperationException e) {
                    resumeKernel(k);
                    throw e;
                } catch (RuntimeException e) {
                    cutNetwork(b, k);
                    resumeKernel(k);
                    throw e;
                }
            }
            try {
                // the package manager runs in its own fresh directory, never in the (untrusted, writable) work
                // directory, so files planted there by earlier runs are not picked up while the box has a network
                RunOptions o = RunOptions.builder().timeout(installConfig.timeout()).workdir(runDir).build();
                if (!plan.compile().isEmpty()) {
                    r = execute(runDir, files, plan.compile(), plan.env(), o, null, false);
                    if (r.status() == ExecutionStatus.OK) {
                        r = execute(runDir, Map.of(), plan.argv(), plan.env(), o, null, false);
                    }
                } else {
                    r = execute(runDir, files, plan.argv(), plan.env(), o, null, false);
                }
            } finally {
                if (networked) {
                    cutNetwork(b, k);
                }
                resumeKernel(k);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            if (r.status() == ExecutionStatus.OK) {
                installed.addAll(missing);
                log.info("Session {}: installed {} in {} ms", id, missing, took.toMillis());
            } else if (r.status() == ExecutionStatus.NONZERO_EXIT) {
                r = new ExecutionResult(r.stdout(), r.stderr(), r.exitCode(), r.duration(),
                        ExecutionStatus.INSTALL_FAILED, null, r.stdoutTruncated(), r.stderrTruncated());
            } else if (r.status() == ExecutionStatus.TIMED_OUT && r.killReason() != null
                    && r.killReason().startsWith("timed out")) {
                r = new ExecutionResult(r.stdout(), r.stderr(), r.exitCode(), r.duration(), r.status(),
                        "installation " + r.killReason(), r.stdoutTruncated(), r.stderrTruncated());
            }
            audit("install", String.join("\u0000", missing), RunOptions.timeout(installConfig.timeout()), r);
            return r;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Kills every process of the sandbox user; a live kernel is stopped (SIGSTOP) instead, so that it keeps its state
     * but cannot run while the box has a network.
     */
    private boolean stopEverythingBut(Box b, @Nullable Kernel k) {
        if (k == null) {
            return killUntrusted(b);
        }
        retireRunner();
        String pid = Integer.toString(k.pid());
        return internalExec(List.of("/bin/sh", "-c", "kill -STOP \"$1\" || exit 1\n" + KILL_ALL_BUT, "freeze", pid),
                new byte[0], DataSize.ofKilobytes(4)).exitCode() == 0;
    }

    private void resumeKernel(@Nullable Kernel k) {
        if (k != null && isOpen()) {
            internalExec(List.of("/bin/sh", "-c", "kill -CONT \"$1\"", "thaw", Integer.toString(k.pid())),
                    new byte[0], DataSize.ofKilobytes(4));
        }
    }

    /** Kills what the installation left running, then takes the network away; a box that keeps it is closed. */
    private void cutNetwork(Box b, @Nullable Kernel k) {
        Box current = box;
        Box target = current != null ? current : b;
        if (closed.get() && removeOnClose) {
            return; // the session ended meanwhile (e.g. its lifetime): the box is gone with its network
        }
        try {
            if (!stopEverythingBut(target, k)) {
                throw new BackendException(backend.name(), "processes of the installation survived the kill", null);
            }
            backend.setNetwork(target, null);
        } catch (RuntimeException e) {
            closeReason = "could not disconnect the box from the network after installing: " + e.getMessage();
            log.error("Session {}: {}; closing the session", id, closeReason);
            close();
            throw new BackendException(backend.name(), closeReason, e);
        }
    }

    /** Installs the run's libraries not installed yet; the installation's result if it failed, else null. */
    private @Nullable ExecutionResult installMissing(RunOptions runOptions) {
        List<String> missing = runOptions.libraries().stream().filter(l -> !installed.contains(l)).toList();
        if (missing.isEmpty()) {
            return null;
        }
        ExecutionResult inst = install(missing);
        return inst.status() == ExecutionStatus.OK ? null : inst;
    }

    @Override
    public List<String> installedLibraries() {
        return List.copyOf(installed);
    }

    // ---------------------------------------------------------------- files

    @Override
    public void copyToRuntime(Path hostPath, String boxPath) {
        requireNonNull(hostPath, "hostPath");
        requireNonNull(boxPath, "boxPath");
        if (!Files.exists(hostPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(new NoSuchFileException(hostPath.toString(), null, "no such file on the host"));
        }
        boolean dir = Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS);
        String target = dir ? BoxPaths.resolveAllowingRoot(home, boxPath) : BoxPaths.resolve(home, boxPath);
        String script;
        String entryName;
        if (dir) {
            // entries are "<name>/..."; strip that first component into the target directory
            entryName = "d";
            script = CHECK_INSIDE + "mkdir -p -- \"$1\" && inside \"$1\" && exec tar -x -f - -C \"$1\" "
                    + "--strip-components=1 --no-same-owner --no-same-permissions -m";
        } else {
            entryName = target.substring(target.lastIndexOf('/') + 1);
            script = CHECK_INSIDE + "p=\"${1%/*}\"; [ -n \"$p\" ] || p=/; mkdir -p -- \"$p\" && inside \"$p\" && "
                    + "{ [ ! -d \"$1\" ] || { echo \"$1 is a directory in the box\" >&2; exit 5; }; } && "
                    + "exec tar -x -f - -C \"$p\" --no-same-owner --no-same-permissions -m";
        }
        lock.lock();
        try {
            Box b = ensureOpen();
            ChunkPipe pipe = new ChunkPipe(16);
            CompletableFuture<Long> writer = new CompletableFuture<>();
            Thread.ofVirtual().name("sandbox4j-copy-in-" + id).start(() -> {
                try (java.io.OutputStream out = pipe.sink()) {
                    writer.complete(TarWriter.writeTree(hostPath, entryName, out));
                } catch (java.io.IOException | RuntimeException e) {
                    // the stream just ends (the engine would log a failed stdin loudly); tar in the box then
                    // waits for the rest and is killed below
                    writer.completeExceptionally(e);
                }
            });
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            ExecRequest req = new ExecRequest(List.of("/bin/sh", "-c", script, "copy-in", target, home), Map.of(),
                    options.runtime().user(), home, new byte[0]);
            java.io.InputStream source = pipe.source();
            ExecHandle started;
            try {
                started = backend.exec(b, req, source, new OutputSink() {
                @Override
                public void stdout(byte[] chunk) {
                    err.append(chunk);
                }

                @Override
                public void stderr(byte[] chunk) {
                    err.append(chunk);
                }
            });
            } catch (RuntimeException e) {
                try {
                    source.close(); // releases the writer thread (and the host file it holds)
                } catch (java.io.IOException ignored) {
                    // never thrown by a ChunkPipe
                }
                throw e;
            }
            try (ExecHandle h = started) {
                try {
                    writer.get(COPY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    killUntrusted(b);
                    Throwable c = e.getCause();
                    throw c instanceof java.io.IOException io ? new UncheckedIOException(io.getMessage(), io)
                            : unwrap(e);
                }
                int code = h.exitCode().get(COPY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (code != 0) {
                    throw new BackendException(backend.name(), "could not copy " + hostPath + " to '" + target
                            + "' in the box: " + err.text().strip(), null);
                }
            }
        } catch (TimeoutException e) {
            killUntrusted(box);
            throw new BackendException(backend.name(), "copy to the box did not finish within " + Texts.human(COPY_TIMEOUT),
                    e);
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(backend.name(), "interrupted", e);
        } finally {
            lock.unlock();
        }
        log.debug("Session {}: copied {} to {}", id, hostPath, target);
    }

    /** Shell function {@code inside PATH}: exits unless PATH resolves (symlinks followed) under $2 (home) or /tmp. */
    private static final String CHECK_INSIDE = """
            h=$2
            inside() { r=$(realpath -e -- "$1" 2>/dev/null) || { echo "no such file or directory: $1" >&2; exit 3; }
              case "$r" in "$h"|"$h"/*|/tmp|/tmp/*) return 0;; esac
              echo "$1 resolves to $r, outside the box's writable directories" >&2; exit 4; }
            """;

    @Override
    public CopyResult copyFromRuntime(String boxPath, Path hostPath) {
        requireNonNull(boxPath, "boxPath");
        requireNonNull(hostPath, "hostPath");
        String source = BoxPaths.resolveAllowingRoot(home, boxPath);
        // first byte says what follows: D (a directory's entries) or F (one file), then a tar stream
        String script = CHECK_INSIDE + """
                [ -L "$1" ] && { echo "$1 is a symbolic link" >&2; exit 4; }
                [ -e "$1" ] || { echo "no such file or directory: $1" >&2; exit 3; }
                inside "$1"
                if [ -d "$1" ]; then
                  cd -- "$1" || exit 1; printf D
                  find . -mindepth 1 -maxdepth 1 -printf '%P\\0' | exec tar -c -f - --format=pax --null -T -
                elif [ -f "$1" ]; then
                  cd -- "${1%/*}/" || exit 1; printf F
                  exec tar -c -f - --format=pax -- "${1##*/}"
                else
                  echo "$1 is not a regular file or directory" >&2; exit 4
                fi
                """;
        lock.lock();
        try {
            Box b = ensureOpen();
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            StreamedExec out = streamOut(b, List.of("/bin/sh", "-c", script, "copy-out", source, home), err);
            ExecHandle h = out.handle();
            try (h; java.io.InputStream in = out.stdout()) {
                int kind = in.read();
                CopyResult result;
                if (kind == 'D') {
                    TarExtractor.Result x = TarExtractor.extract(in, hostPath, Long.MAX_VALUE, 1_000_000);
                    result = new CopyResult(x.files(), x.directories(), x.bytes(), x.skipped());
                } else if (kind == 'F') {
                    result = extractSingleFile(in, hostPath);
                } else {
                    result = null;
                }
                int code = h.exitCode().get(COPY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (code == 3) {
                    throw new UncheckedIOException(new NoSuchFileException(source, null, "no such file in the box"));
                }
                if (code != 0 || result == null) {
                    throw new BackendException(backend.name(), "could not copy '" + source + "' from the box: "
                            + (err.text().isBlank() ? "exit code " + code : err.text().strip()), null);
                }
                log.debug("Session {}: copied {} to {}: {}", id, source, hostPath, result);
                return result;
            } catch (java.io.IOException e) {
                killUntrusted(b);
                throw new UncheckedIOException("copy of '" + source + "' to " + hostPath + " failed: " + e.getMessage(),
                        e);
            }
        } catch (TimeoutException e) {
            killUntrusted(box);
            throw new BackendException(backend.name(), "copy from the box did not finish within "
                    + Texts.human(COPY_TIMEOUT), e);
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(backend.name(), "interrupted", e);
        } finally {
            lock.unlock();
        }
    }

    /** An exec of our own whose stdout is read as a stream (tar archives out of the box). */
    private record StreamedExec(ExecHandle handle, java.io.InputStream stdout) {}

    /**
     * Starts {@code argv} as the sandbox user with its stdout flowing through a bounded pipe (the engine's thread blocks
     * while the reader is behind; if the reader gives up, the rest is dropped) and its stderr into {@code err}.
     */
    private StreamedExec streamOut(Box b, List<String> argv, BoundedBuffer err) {
        ChunkPipe pipe = new ChunkPipe(16);
        java.io.OutputStream sink = pipe.sink();
        ExecHandle h = backend.exec(b, new ExecRequest(argv, Map.of(), options.runtime().user(), home, new byte[0]),
                new OutputSink() {
                    @Override
                    public void stdout(byte[] chunk) {
                        try {
                            sink.write(chunk);
                        } catch (java.io.IOException e) {
                            // the reader gave up (error on the host side): drop the rest
                        }
                    }

                    @Override
                    public void stderr(byte[] chunk) {
                        err.append(chunk);
                    }
                });
        h.exitCode().whenComplete((code, e) -> {
            try {
                sink.close();
            } catch (java.io.IOException ignored) {
                // reader closed
            }
        });
        return new StreamedExec(h, pipe.source());
    }

    /** Writes the single file entry of {@code in} to {@code hostPath} (or into it, if it is a directory). */
    private static CopyResult extractSingleFile(java.io.InputStream in, Path hostPath) throws java.io.IOException {
        TarReader reader = new TarReader(in);
        TarReader.Entry e = reader.next();
        if (e == null || e.type() != TarReader.Entry.Type.FILE) {
            throw new java.io.IOException("the box did not send a regular file");
        }
        Path target = Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS)
                ? hostPath.resolve(Path.of(e.name()).getFileName().toString()) : hostPath;
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Files.deleteIfExists(target); // a symlink at the target is replaced, never written through
        long n;
        try (java.io.OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            n = reader.content().transferTo(out);
        }
        while (reader.next() != null) {
            // drain to the end marker
        }
        return new CopyResult(1, 0, n, List.of());
    }

    // ---------------------------------------------------------------- artifacts

    /** Reads the output directory's files (not links) into the result, up to {@link #MAX_ARTIFACT_BYTES}. */
    private ExecutionResult collectArtifacts(ExecutionResult r, String outputDir) {
        String script = """
                [ -d "$1" ] && [ ! -L "$1" ] || exit 0
                cd -- "$1" || exit 1
                find . -mindepth 1 -maxdepth 1 -printf '%P\\0' | exec tar -c -f - --format=pax --null -T -
                """;
        List<Artifact> artifacts = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        lock.lock();
        try {
            Box b = ensureOpen();
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            StreamedExec out = streamOut(b, List.of("/bin/sh", "-c", script, "artifacts", outputDir), err);
            ExecHandle h = out.handle();
            long total = 0;
            try (h; java.io.InputStream in = out.stdout()) {
                TarReader reader = new TarReader(in);
                for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                    if (e.type() != TarReader.Entry.Type.FILE) {
                        if (e.type() == TarReader.Entry.Type.SYMLINK) {
                            dropped.add(e.name() + " (symbolic link)");
                        }
                        continue;
                    }
                    if (artifacts.size() >= MAX_ARTIFACTS || total + e.size() > MAX_ARTIFACT_BYTES) {
                        dropped.add(e.name() + " (" + DataSize.ofBytes(e.size()) + ")");
                        continue;
                    }
                    byte[] content = reader.content().readAllBytes();
                    total += content.length;
                    artifacts.add(Artifact.of(e.name(), content));
                }
                h.exitCode().get(COPY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (!err.text().isBlank()) {
                log.debug("artifact listing: {}", err.text().strip());
            }
        } catch (java.io.IOException | ExecutionException | TimeoutException e) {
            log.warn("Session {}: could not collect artifacts: {}", id, e.toString());
            dropped.add("all (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(backend.name(), "interrupted", e);
        } finally {
            lock.unlock();
        }
        artifacts.sort(java.util.Comparator.comparing(Artifact::name));
        ExecutionResult out = r.withArtifacts(artifacts);
        if (!dropped.isEmpty()) {
            String note = "sandbox4j: artifacts not returned (limit " + MAX_ARTIFACTS + " files, "
                    + DataSize.ofBytes(MAX_ARTIFACT_BYTES) + "): " + String.join(", ", dropped) + "\n";
            out = new ExecutionResult(out.stdout(), out.stderr() + note, out.exitCode(), out.duration(), out.status(),
                    out.killReason(), out.stdoutTruncated(), out.stderrTruncated(), out.violations(),
                    out.redactions(), out.artifacts());
        }
        return out;
    }

    // ---------------------------------------------------------------- images

    @Override
    public String commit(String newImage) {
        requireNonNull(newImage, "image");
        if (!newImage.matches("[a-z0-9][a-z0-9._/\\-]*(:[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,127})?")) {
            throw new IllegalArgumentException("'" + Texts.sanitize(newImage, 80) + "' is not a valid image reference");
        }
        Path ctx = null;
        try {
            ctx = Files.createTempDirectory("sandbox4j-commit-");
            Path ws = ctx.resolve("workspace");
            Files.createDirectories(ws);
            lock.lock();
            try {
                copyFromRuntime(home, ws);
                Files.writeString(ctx.resolve("Dockerfile"), "FROM " + image + "\n"
                        + "COPY workspace/ " + SEED_DIR + "/\n");
                String imageId = backend.buildImage(ctx, null, newImage,
                        Map.of(LABEL_WORKSPACE_SEED, SEED_DIR, DefaultSandboxClient.LABEL_MANAGED + ".image", "true"),
                        line -> log.debug("commit {}: {}", newImage, line));
                log.info("Session {}: committed to image {} ({})", id, newImage, imageId);
                return imageId;
            } finally {
                lock.unlock();
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("could not prepare the image build for " + newImage, e);
        } finally {
            if (ctx != null) {
                deleteTree(ctx);
            }
        }
    }

    /** Copies a committed image's saved work directory into the fresh box. */
    private void seedWorkspace(String seedDir) {
        ExecutionResult r = internalExec(List.of("/bin/sh", "-c", "[ -d \"$1\" ] && cp -R -- \"$1\"/. \"$2\"/",
                "seed", seedDir, home), new byte[0], DataSize.ofKilobytes(64));
        if (r.exitCode() != 0) {
            log.warn("Session {}: could not restore the image's saved work directory {}: {}", id, seedDir,
                    r.stderr().strip());
        }
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (java.io.IOException e) {
                    log.debug("could not delete {}: {}", p, e.toString());
                }
            });
        } catch (java.io.IOException e) {
            log.debug("could not delete {}: {}", root, e.toString());
        }
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
                killUntrusted(b);
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

    /**
     * A run's bounds: its timeout, shortened to what is left of the session's lifetime (then {@code lifetimeBound}),
     * and its per-stream output limit.
     */
    private record Bounds(Duration timeout, boolean lifetimeBound, DataSize outputLimit) {}

    private Bounds bounds(RunOptions runOptions) {
        Duration timeout = runOptions.timeout() != null ? runOptions.timeout() : defaultTimeout;
        DataSize limit = runOptions.outputLimit() != null ? runOptions.outputLimit() : options.limits().outputLimit();
        if (expiresAt != null) {
            Duration left = Duration.between(Instant.now(), expiresAt);
            if (left.compareTo(timeout) < 0) {
                // a little past the lifetime, so that the session's own expiry (which closes it) normally comes first
                // and the run does not race it with a kill in a box that is being removed
                Duration bound = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left.plus(LIFETIME_SLACK);
                return new Bounds(bound, true, limit);
            }
        }
        return new Bounds(timeout, false, limit);
    }

    /** Why a run that reached its deadline was stopped. */
    private String timeoutReason(Bounds bounds) {
        return bounds.lifetimeBound() ? lifetimeReason() : "timed out after " + Texts.human(bounds.timeout());
    }

    private String lifetimeReason() {
        return "session lifetime of " + Texts.human(options.sessionTimeout()) + " exceeded";
    }

    /** Whether the kernel's OOM killer struck in the box since the last check (and remembers the new count). */
    private boolean newOomKill(Box b) {
        long oom = backend.oomKillCount(b);
        if (oom > oomKills) {
            oomKills = oom;
            return true;
        }
        return false;
    }

    /** The environment every program in the box starts with, then the plan's additions. */
    private Map<String, String> boxEnv(Map<String, String> planEnv) {
        Map<String, String> env = baseEnv(options.runtime());
        env.putAll(planEnv);
        return env;
    }

    /** The environment every program of a box with this runtime starts with (the work directory is home). */
    static Map<String, String> baseEnv(RuntimeConfig runtime) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", runtime.workdir());
        env.put("TMPDIR", "/tmp");
        env.putAll(runtime.env());
        return env;
    }

    /**
     * Runs one program of the sandbox user and supervises it.
     *
     * @param userCode whether it is the caller's program (a run or a command), whose leftovers must be killed when it
     *     ends, as opposed to a compile step or an installation, which are followed by a kill of their own or by the
     *     program they prepare
     */
    private ExecutionResult execute(String runDir, Map<String, byte[]> files, List<String> command,
            Map<String, String> planEnv, RunOptions runOptions, @Nullable String outputDir, boolean userCode) {
        lock.lock();
        try {
            Box b = ensureOpen();
            MDC.put("sandbox.session", id);
            Bounds bounds = bounds(runOptions);
            Map<String, String> env = boxEnv(planEnv);
            env.putAll(runOptions.env());
            String workdir = runOptions.workdir() == null ? null : BoxPaths.workdir(home, runOptions.workdir());
            if (outputDir != null) {
                env.put("SANDBOX4J_OUTPUT_DIR", outputDir);
            }
            Launcher.Invocation inv = Launcher.build(runDir, files, runOptions.stdin(), command, workdir, outputDir);
            log.debug("Session {} exec {} (timeout {}, output limit {})", id, Launcher.describe(command),
                    Texts.human(bounds.timeout()), bounds.outputLimit());
            return supervise(b, new ExecRequest(inv.argv(), env, options.runtime().user(),
                    options.runtime().workdir(), inv.stdin()), bounds, runOptions.listener(), userCode);
        } finally {
            MDC.remove("sandbox.session");
            lock.unlock();
        }
    }

    private ExecutionResult supervise(Box b, ExecRequest req, Bounds bounds, OutputListener listener,
            boolean userCode) {
        Duration timeout = bounds.timeout();
        DataSize limit = bounds.outputLimit();
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
        ExecHandle handle = launch(b, req, sink, timeout);
        Runner.RunHandle viaRunner = handle instanceof Runner.RunHandle rh ? rh : null;
        try {
            CompletableFuture<Integer> exit = handle.exitCode();
            ExecutionStatus status;
            String killReason = null;
            int code;
            try {
                // the runner enforces the deadline itself; the host only backstops it
                Duration wait = viaRunner != null ? timeout.plus(RUNNER_BACKSTOP) : timeout;
                Object first = CompletableFuture.anyOf(exit, flood).get(wait.toNanos(), TimeUnit.NANOSECONDS);
                if (first instanceof Integer c && !flood.isDone()) {
                    code = c;
                    if (viaRunner != null && viaRunner.killedBy() == Runner.Killed.TIMEOUT) {
                        status = ExecutionStatus.TIMED_OUT;
                        killReason = timeoutReason(bounds);
                    } else {
                        status = code == 0 ? ExecutionStatus.OK : ExecutionStatus.NONZERO_EXIT;
                    }
                    if (viaRunner != null && viaRunner.leftBehind() != 0 && !closed.get()) {
                        // something of the run survived the runner's kill: make sure, or start over
                        log.warn("Session {}: {} processes survived the runner's kill", id, viaRunner.leftBehind());
                        if (!killUntrusted(b) && !closed.get()) {
                            replaceBox(b);
                        }
                    }
                } else {
                    killReason = flood.getNow("output limit exceeded");
                    status = ExecutionStatus.OUTPUT_LIMIT;
                    code = viaRunner != null ? killThroughRunner(b, viaRunner) : killAndReap(b, exit);
                }
            } catch (TimeoutException e) {
                if (closed.get()) {
                    status = expired ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED;
                    killReason = closeReason != null ? closeReason : "session closed";
                    code = -1;
                } else {
                    status = ExecutionStatus.TIMED_OUT;
                    killReason = timeoutReason(bounds);
                    if (viaRunner != null) {
                        // stopped or killed by the program: the engine kills, and a new runner takes over
                        log.warn("Session {}: the runner did not end the run at its deadline; killing through the "
                                + "engine", id);
                        retireRunner();
                    }
                    code = killAndReap(b, exit);
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (closed.get() && status != ExecutionStatus.OK) {
                status = expired ? ExecutionStatus.TIMED_OUT : ExecutionStatus.KILLED;
                killReason = closeReason != null ? closeReason : "session closed";
            } else if (status == ExecutionStatus.NONZERO_EXIT && newOomKill(b)) {
                status = ExecutionStatus.OOM_KILLED;
                killReason = "out of memory (limit " + options.limits().memory() + ")";
            }
            if (bounds.lifetimeBound() && status == ExecutionStatus.TIMED_OUT) {
                expire();
            }
            ExecutionResult r = new ExecutionResult(out.text(), err.text(), code, elapsed, status, killReason,
                    out.overflowed(), err.overflowed());
            log.debug("Session {} run finished: {} exit {} in {} ms", id, status.wireName(), code, elapsed.toMillis());
            if (userCode && viaRunner == null && killReason == null && kernelPid() == 0 && !closed.get()) {
                // without a runner nothing else kills what the run left behind, and nothing of one run may reach
                // the next
                killUntrusted(b);
            }
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
            killUntrusted(b);
            throw new BackendException(backend.name(), "interrupted while waiting for the program", e);
        } finally {
            handle.close();
        }
    }

    /**
     * Asks the runner to stop the run (it kills the program and what it started, then reports the exit); falls back to
     * {@link #killAndReap} if it does not report within {@link #KILL_GRACE}.
     */
    private int killThroughRunner(Box b, Runner.RunHandle run) throws InterruptedException {
        run.kill();
        try {
            int code = run.exitCode().get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            if (run.leftBehind() == 0) {
                return code;
            }
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Session {}: the runner did not report the killed run: {}", id, e.toString());
        }
        retireRunner();
        return killAndReap(b, run.exitCode());
    }

    /** Kills every untrusted process and returns the run's exit code (137 if it is not reported in time). */
    private int killAndReap(Box b, CompletableFuture<Integer> exit) throws InterruptedException {
        if (closed.get()) {
            return -1;
        }
        boolean clean = killUntrusted(b);
        if (!clean && !closed.get()) {
            log.warn("Session {}: processes survived the kill; replacing the box", id);
            replaceBox(b);
        }
        try {
            return exit.get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return 137;
        }
    }

    /**
     * Kills every process of the sandbox user: through the resident runner when it answers (no engine exec, no free
     * pid needed, and the runner lives on), else through the engine (the runner dies with the rest).
     */
    private boolean killUntrusted(Box b) {
        Runner r;
        synchronized (runnerLock) {
            r = box == b && runner != null && runner.isAlive() ? runner : null;
        }
        if (r != null && r.killAll(0, RUNNER_KILL_TIMEOUT) == 0) {
            return true;
        }
        retireRunner();
        return backend.killAll(b, options.runtime().user());
    }

    /** The pid of the live kernel, whose process tree survives the runner's kills, or 0. */
    private int kernelPid() {
        Kernel k = kernel;
        return k != null && k.isAlive() ? k.pid() : 0;
    }

    /** Forgets the runner (it is about to be killed, or its box replaced); the next run starts a new one. */
    private void retireRunner() {
        CompletableFuture<Runner> pending;
        Runner r;
        synchronized (runnerLock) {
            pending = runnerStart;
            r = runner;
            runnerStart = null;
            runner = null;
        }
        if (pending != null) {
            pending.thenAccept(Runner::close);
        }
        if (r != null) {
            r.close();
        }
    }

    /** Starts the runner on a background thread, so that opening the session does not wait for it. */
    private void startRunnerSoon(Box b) {
        if (runnerUnavailable) {
            return;
        }
        CompletableFuture<Runner> f = new CompletableFuture<>();
        synchronized (runnerLock) {
            runnerStart = f;
        }
        Thread.ofVirtual().name("sandbox4j-runner-" + id).start(() -> {
            try {
                f.complete(Runner.start(backend, b, options.runtime(), 0, false));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
    }

    /**
     * Starts a program of the sandbox user: through the resident runner when there is one (about a millisecond),
     * else with an engine exec (tens of milliseconds). A backend that cannot stream an exec's input, or an image
     * without perl, keeps using execs.
     */
    private ExecHandle launch(Box b, ExecRequest req, OutputSink sink, Duration timeout) {
        if (req.user().equals(options.runtime().user()) && !runnerUnavailable) {
            Runner r = runner(b);
            if (r != null) {
                try {
                    return r.run(req, sink, timeout, kernelPid());
                } catch (RuntimeException e) {
                    log.debug("Session {}: runner unusable ({}); using an exec", id, e.toString());
                    retireRunner();
                }
            }
        }
        return backend.exec(b, req, sink);
    }

    /** The live runner of box {@code b}, started now if need be; null if it cannot start (then never tried again). */
    private @Nullable Runner runner(Box b) {
        CompletableFuture<Runner> pending;
        Runner old;
        synchronized (runnerLock) {
            if (runner != null && runner.isAlive()) {
                return runner;
            }
            old = runner;
            pending = runnerStart;
            runner = null;
            runnerStart = null;
        }
        if (old != null) {
            old.close();
        }
        Runner r;
        try {
            // a runner started now replaces one that died: leftovers of runs may be waiting for it
            r = pending != null ? pending.join()
                    : Runner.start(backend, b, options.runtime(), kernelPid(), true);
        } catch (RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            runnerUnavailable = true;
            log.info("Session {}: no resident runner ({}); each program starts with an exec", id, cause.getMessage());
            return null;
        }
        synchronized (runnerLock) {
            if (!closed.get() && box == b) {
                runner = r;
                return r;
            }
        }
        r.close();
        return null;
    }

    /** Last resort when processes cannot be killed (e.g. the pids limit prevents even our kill): a fresh box. */
    private void replaceBox(Box old) {
        retireRunner();
        try {
            backend.remove(old.id());
            if (closed.get()) {
                return;
            }
            Box fresh = backend.create(old.spec());
            box = fresh;
            oomKills = 0;
            if (closed.get()) { // closed meanwhile: close() may have removed the old box only
                backend.remove(fresh.id());
            }
        } catch (RuntimeException e) {
            closeReason = "box could not be replaced: " + e.getMessage();
            close();
        }
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
            closeReason = lifetimeReason();
            expired = true;
            log.info("Session {}: {}", id, closeReason);
            close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        Box b = box;
        Kernel k = kernel;
        if (k != null) {
            k.close();
        }
        retireRunner();
        try {
            if (b != null && removeOnClose) {
                backend.remove(b.id());
            } else if (b != null) {
                killUntrusted(b);
            }
            log.info("Session {} closed ({})", id, b == null ? "no box" : removeOnClose ? "box " + b.name()
                    + " removed" : "container " + b.name() + " left running");
            client.events().sessionClosed(new SessionEvent(Instant.now(), id, principal, handler.id(), image,
                    closeReason));
        } catch (RuntimeException e) {
            log.warn("Session {}: could not remove box {}: {} (`sandbox4j gc` removes it later)", id,
                    b.name(), e.getMessage());
        } finally {
            client.forget(this);
            onClose.forEach(Runnable::run);
            closeDone.countDown();
        }
    }

    /** A second close() returns once the first one has removed the box (a client closing waits for its boxes). */
    private void awaitClosed() {
        try {
            if (!closeDone.await(2, TimeUnit.MINUTES)) {
                log.warn("Session {}: still closing after 2 minutes", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
