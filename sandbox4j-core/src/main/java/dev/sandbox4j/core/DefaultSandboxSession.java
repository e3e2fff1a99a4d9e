package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Command;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.PhaseTimings;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionEvent;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.core.support.Hashes;
import dev.sandbox4j.core.support.Notebooks;
import dev.sandbox4j.core.support.RunResults;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.text.Texts;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SandboxSession} implementation: the one pipeline every run goes through (policy, then libraries, then
 * the program or the cell, then the artifacts, the sanitiser, the audit event and the notebook history), over the
 * session's parts: its {@link SessionBox} (the box, the runner, kills), {@link ProgramRunner} (programs and their
 * limits), {@link KernelDriver} (cells), {@link BoxFiles} and {@link Installer}. Runs are serialised by the box's lock.
 */
final class DefaultSandboxSession implements SandboxSession {
    private static final Logger log = LoggerFactory.getLogger(DefaultSandboxSession.class);
    /** Image label of committed images: where the saved work directory is. */
    static final String LABEL_WORKSPACE_SEED = "dev.sandbox4j.workspace";
    /** Where {@link #commit} saves the work directory in the new image. */
    static final String SEED_DIR = "/opt/sandbox4j/workspace";

    private final SessionContext ctx;
    private final SessionBox box;
    private final ProgramRunner programs;
    private final KernelDriver kernels;
    private final BoxFiles files;
    private final Installer installer;
    private final @Nullable OutputSanitizer sanitizer;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final CountDownLatch closeDone = new CountDownLatch(1);
    private final ArrayDeque<HistoryEntry> history = new ArrayDeque<>();

    private record HistoryEntry(String code, ExecutionResult result) {}

    /**
     * A session on a box that is already running: one the client created or took from a warm pool, or a container
     * sandbox4j did not create ({@code removeOnClose} false: it is left running, with nothing of the sandbox user).
     */
    DefaultSandboxSession(SessionContext ctx, Box box, boolean removeOnClose) {
        this(ctx, box, removeOnClose, false);
    }

    /** @param oneShot whether it runs one program and closes (see {@link SessionBox}) */
    DefaultSandboxSession(SessionContext ctx, Box box, boolean removeOnClose, boolean oneShot) {
        this.ctx = ctx;
        this.box = new SessionBox(ctx, box, removeOnClose, this::closeBecause, oneShot);
        this.files = new BoxFiles(ctx, this.box);
        this.programs = new ProgramRunner(ctx, this.box, files, this::expire);
        this.kernels = new KernelDriver(ctx, this.box, programs, files, this::expire);
        this.box.spare(kernels::pid);
        this.installer = new Installer(ctx, this.box, programs, kernels, (libs, r) -> audit("install",
                String.join("\u0000", libs), RunOptions.timeout(ctx.install().timeout()), r));
        this.sanitizer = ctx.options().sanitizer();
    }

    /**
     * Makes the box ready for runs: restores a committed image's work directory, takes over the runner that came with
     * a pooled box (or starts one in the background), and announces the session.
     *
     * @param knownLabels the image's labels, when the pool read them while the box waited (then opening the session
     *     makes no engine call), or null to ask the engine
     */
    void open(@Nullable Runner leased, @Nullable Map<String, String> knownLabels, long startedNanos) {
        Map<String, String> imageLabels = knownLabels != null ? knownLabels : ctx.backend().imageLabels(ctx.image());
        String seed = imageLabels == null ? null : imageLabels.get(LABEL_WORKSPACE_SEED);
        if (seed != null) {
            files.seedWorkspace(seed);
        }
        box.adoptOrStartRunner(leased);
        ResourceLimits l = ctx.options().limits();
        log.info("Session {} opened: {} box {} from {} in {} ms (memory {}, {} CPU, {} pids, network {}{})", ctx.id(),
                ctx.handler().id(), box.current().name(), ctx.image(), (System.nanoTime() - startedNanos) / 1_000_000,
                l.memory(), l.cpus() == Math.rint(l.cpus()) ? Long.toString((long) l.cpus()) : Double.toString(l.cpus()),
                l.pids(), ctx.runtime().networkEnabled() ? "on" : "none",
                ctx.runtime().ociRuntime() == null ? "" : ", runtime " + ctx.runtime().ociRuntime());
        announce();
    }

    /** A container sandbox4j did not create: nothing to prepare, the runner starts at the first run. */
    void attached() {
        log.info("Session {} attached to container {} ({})", ctx.id(), box.current().name(), box.current().id());
        announce();
    }

    private void announce() {
        ctx.events().sessionOpened(new SessionEvent(Instant.now(), ctx.id(), ctx.principal(), ctx.handler().id(),
                ctx.image(), null));
    }

    void onClose(Runnable r) {
        onClose.add(r);
    }

    /** The box came from a recycling warm pool: it goes back there on close, unless the session made it unfit. */
    void returnTo(SessionBox.Returner pool) {
        box.returnTo(pool);
    }

    @Override
    public String id() {
        return ctx.id();
    }

    @Override
    public String language() {
        return ctx.handler().id();
    }

    @Override
    public String image() {
        return ctx.image();
    }

    @Override
    public boolean isOpen() {
        return !box.isClosed();
    }

    @Override
    public boolean isStateful() {
        return ctx.options().stateful();
    }

    // ------------------------------------------------------------------ runs

    @Override
    public ExecutionResult run(String code, RunOptions runOptions) {
        SandboxSession.requireCode(code);
        requireNonNull(runOptions, "options");
        box.current(); // a closed session refuses before the policy is consulted
        List<Violation> findings = List.of();
        PhaseTimings before = PhaseTimings.NONE;
        if (ctx.policy() != null) {
            long t = System.nanoTime();
            PolicyVerdict verdict = decide(code, ctx.policy());
            before = PhaseTimings.of(PhaseTimings.Phase.POLICY, since(t));
            if (!verdict.allowed()) {
                ExecutionResult blocked = RunResults.blockedByPolicy(verdict).withPhases(before);
                audit("run", code, runOptions, blocked);
                return blocked;
            }
            findings = verdict.violations();
        }
        long t = System.nanoTime();
        ExecutionResult failedInstall = installer.installMissing(runOptions);
        if (!runOptions.libraries().isEmpty()) {
            before = before.plus(PhaseTimings.Phase.INSTALL, since(t));
        }
        if (failedInstall != null) {
            ExecutionResult r = finish(failedInstall.withPhases(before), findings);
            audit("run", code, runOptions, r);
            return r;
        }
        ExecutionResult raw = ctx.options().stateful() ? cell(code, runOptions) : runProgram(code, runOptions);
        ExecutionResult r = finish(raw.plusPhases(before), findings);
        remember(code, r);
        audit("run", code, runOptions, r);
        return r;
    }

    private static java.time.Duration since(long nanos) {
        return java.time.Duration.ofNanos(System.nanoTime() - nanos);
    }

    /** A cell of the kernel: its run time is the cell's. */
    private ExecutionResult cell(String code, RunOptions runOptions) {
        ExecutionResult r = kernels.runCell(code, runOptions);
        return r.phases().isEmpty() ? r.withPhases(PhaseTimings.of(PhaseTimings.Phase.RUN, r.duration())) : r;
    }

    /**
     * A stateless run: the language's plan (compiled first, where it has a compile step); its artifacts come with the
     * program's run.
     */
    private ExecutionResult runProgram(String code, RunOptions runOptions) {
        String runDir = programs.nextRunDir();
        String outputDir = runOptions.captureArtifacts() ? ctx.home() + "/" + OUTPUT_DIR : null;
        ExecutionPlan plan = ctx.handler().plan(code, new PlanContext(runDir, runOptions.args(), outputDir,
                ctx.home()));
        return plan.compile().isEmpty()
                ? programs.execute(runDir, plan.files(), plan.argv(), plan.env(), runOptions, outputDir, true, true)
                : compileThenRun(runDir, plan, runOptions, outputDir);
    }

    /**
     * Compiled languages: the compile step runs on its own (no stdin, {@link EngineLimits#COMPILE} unless the run sets
     * a compile timeout), and only if it succeeds does the program run, with the caller's timeout and stdin.
     */
    private ExecutionResult compileThenRun(String runDir, ExecutionPlan plan, RunOptions runOptions,
            @Nullable String outputDir) {
        RunOptions compileOptions = RunOptions.builder()
                .timeout(runOptions.compileTimeout() != null ? runOptions.compileTimeout() : EngineLimits.COMPILE)
                .build();
        ExecutionResult c = programs.execute(runDir, plan.files(), plan.compile(), plan.env(), compileOptions, null,
                false);
        PhaseTimings compiling = asCompile(c.phases());
        return switch (c.status()) {
            case OK -> programs.execute(runDir, Map.of(), plan.argv(), plan.env(), runOptions, outputDir, true)
                    .plusPhases(compiling);
            case NONZERO_EXIT -> new ExecutionResult(c.stdout(), c.stderr(), c.exitCode(), c.duration(),
                    ExecutionStatus.COMPILE_ERROR, null, c.stdoutTruncated(), c.stderrTruncated())
                    .withPhases(compiling);
            case TIMED_OUT -> new ExecutionResult(c.stdout(), c.stderr(), c.exitCode(), c.duration(),
                    ExecutionStatus.TIMED_OUT, c.killReason() != null && c.killReason().startsWith("session lifetime")
                            ? c.killReason() : "compilation " + c.killReason(), c.stdoutTruncated(),
                    c.stderrTruncated()).withPhases(compiling);
            default -> c.withPhases(compiling);
        };
    }

    /** The phases of a compile step: its run is the compile phase. */
    private static PhaseTimings asCompile(PhaseTimings step) {
        java.util.EnumMap<PhaseTimings.Phase, java.time.Duration> m = new java.util.EnumMap<>(PhaseTimings.Phase.class);
        step.durations().forEach((p, d) -> m.put(p == PhaseTimings.Phase.RUN ? PhaseTimings.Phase.COMPILE : p, d));
        return new PhaseTimings(m);
    }

    @Override
    public ExecutionResult exec(List<String> command, RunOptions runOptions) {
        requireNonNull(command, "command");
        requireNonNull(runOptions, "options");
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        refuseOnDirect(DirectBackend.Feature.COMMANDS, "commands");
        List<String> argv = new ArrayList<>(command);
        argv.addAll(runOptions.args());
        long t = System.nanoTime();
        ExecutionResult failedInstall = installer.installMissing(runOptions);
        PhaseTimings before = runOptions.libraries().isEmpty() ? PhaseTimings.NONE
                : PhaseTimings.of(PhaseTimings.Phase.INSTALL, since(t));
        if (failedInstall != null) {
            return failedInstall.withPhases(before);
        }
        String outputDir = runOptions.captureArtifacts() ? ctx.home() + "/" + OUTPUT_DIR : null;
        ExecutionResult raw = programs.execute(programs.nextRunDir(), Map.of(), argv, Map.of(), runOptions, outputDir,
                true).plusPhases(before);
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
        refuseOnDirect(DirectBackend.Feature.COMMANDS, "commands");
        for (Command c : commands) {
            if (c.workdir() != null) {
                BoxPaths.workdir(ctx.home(), c.workdir()); // a bad directory fails the call before anything runs
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

    /** A direct backend's boxes run no commands and have no images: refused with the backend's reason. */
    private void refuseOnDirect(DirectBackend.Feature feature, String what) {
        if (ctx.direct() != null) {
            throw Direct.refused(ctx.direct(), feature, what);
        }
    }

    @Override
    public void cancelRun() {
        programs.cancel();
        kernels.cancel();
    }

    @Override
    public PolicyVerdict isSafe(String code) {
        requireNonNull(code, "code");
        if (ctx.policy() == null) {
            return new PolicyVerdict(true, Severity.HIGH, List.of(), "none");
        }
        return decide(code, ctx.policy());
    }

    private PolicyVerdict decide(String code, SecurityPolicy p) {
        PolicyVerdict v = PolicyCheck.run(p, ctx.handler(), code);
        ctx.events().policyDecision(new PolicyDecisionEvent(Instant.now(), ctx.id(), ctx.principal(),
                ctx.handler().id(), Hashes.sha256(code), code.length(), v));
        if (!v.allowed()) {
            log.info("Session {}: code blocked by policy {} ({} violations)", ctx.id(), p.name(), v.blocking().size());
        } else {
            log.debug("Session {}: policy {} allows the code ({} finding(s) below its threshold {})", ctx.id(),
                    p.name(), v.violations().size(), v.threshold().wireName());
        }
        return v;
    }

    /** Applies the sanitiser and attaches policy findings. */
    private ExecutionResult finish(ExecutionResult r, List<Violation> findings) {
        return RunResults.finish(r, findings, sanitizer);
    }

    private void audit(String kind, String code, RunOptions runOptions, ExecutionResult r) {
        ctx.events().runFinished(new RunEvent(Instant.now(), ctx.id(), ctx.principal(), ctx.handler().id(), kind,
                Hashes.sha256(code), ctx.options().limits(),
                runOptions.timeout() != null ? runOptions.timeout() : ctx.defaultTimeout(), r.status(), r.exitCode(),
                r.duration(), r.killReason(), r.redactions().stream().map(Redaction::kind).toList()));
    }

    @Override
    public void reset() {
        box.lock().lock();
        try {
            Box b = box.current();
            if (ctx.options().stateful()) {
                // a fresh interpreter: whatever the old one ran (threads, children, daemons) is killed with it
                kernels.restart(b);
            } else {
                box.killUntrusted(b);
            }
            log.info("Session {} reset", ctx.id());
        } finally {
            box.lock().unlock();
        }
    }

    private void remember(String code, ExecutionResult r) {
        synchronized (history) {
            history.addLast(new HistoryEntry(code, r));
            while (history.size() > EngineLimits.MAX_HISTORY) {
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
        return Notebooks.write(ctx.handler().id(), ctx.image(), ctx.id(), entries.stream()
                .map(e -> new Notebooks.Cell(e.code(), e.result())).toList());
    }

    // ------------------------------------------------------------------ libraries

    @Override
    public ExecutionResult install(List<String> libraries) {
        return installer.install(libraries);
    }

    @Override
    public List<String> installedLibraries() {
        return installer.installed();
    }

    // ------------------------------------------------------------------ files

    @Override
    public void putFile(String path, byte[] content) {
        files.putFile(path, content);
    }

    @Override
    public byte[] getFile(String path) {
        return files.getFile(path);
    }

    @Override
    public byte[] getFile(String path, DataSize max) {
        return files.getFile(path, max);
    }

    @Override
    public List<FileEntry> listFiles(String path) {
        return files.listFiles(path);
    }

    @Override
    public void copyToRuntime(Path hostPath, String boxPath) {
        files.copyToRuntime(hostPath, boxPath);
    }

    @Override
    public CopyResult copyFromRuntime(String boxPath, Path hostPath) {
        return files.copyFromRuntime(boxPath, hostPath);
    }

    @Override
    public String commit(String newImage) {
        requireNonNull(newImage, "image");
        if (!newImage.matches("[a-z0-9][a-z0-9._/\\-]*(:[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,127})?")) {
            throw new IllegalArgumentException("'" + Texts.sanitize(newImage, 80) + "' is not a valid image reference");
        }
        refuseOnDirect(DirectBackend.Feature.COMMIT, "saving a session as an image");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("sandbox4j-commit-");
            Path ws = dir.resolve("workspace");
            Files.createDirectories(ws);
            box.lock().lock();
            try {
                files.copyFromRuntime(ctx.home(), ws);
                Files.writeString(dir.resolve("Dockerfile"), "FROM " + ctx.image() + "\n"
                        + "COPY workspace/ " + SEED_DIR + "/\n");
                String imageId = ctx.backend().buildImage(dir, null, newImage,
                        Map.of(LABEL_WORKSPACE_SEED, SEED_DIR, DefaultSandboxClient.LABEL_MANAGED + ".image", "true"),
                        line -> log.debug("commit {}: {}", newImage, line));
                log.info("Session {}: committed to image {} ({})", ctx.id(), newImage, imageId);
                return imageId;
            } finally {
                box.lock().unlock();
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("could not prepare the image build for " + newImage, e);
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
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

    // ------------------------------------------------------------------ the end

    /** Called when the session's lifetime is over. */
    void expire() {
        if (!box.isClosed()) {
            box.closeReason(ctx.lifetimeReason(), true);
            log.info("Session {}: {}", ctx.id(), ctx.lifetimeReason());
            close();
        }
    }

    /** The box is lost for good: the session closes, and says why to every later call. */
    private void closeBecause(String reason) {
        box.notReusable(reason);
        box.closeReason(reason, false);
        close();
    }

    @Override
    public void close() {
        if (!box.markClosed()) {
            awaitClosed();
            return;
        }
        kernels.close();
        Box b = box.boxOrNull();
        try {
            box.remove();
            log.info("Session {} closed ({})", ctx.id(), b == null ? "no box" : box.returned() ? "box " + b.name()
                    + " given back to its pool" : box.removeOnClose() ? "box " + b.name() + " removed" : "container "
                    + b.name() + " left running");
            ctx.events().sessionClosed(new SessionEvent(Instant.now(), ctx.id(), ctx.principal(), ctx.handler().id(),
                    ctx.image(), box.closeReason()));
        } catch (RuntimeException e) {
            log.warn("Session {}: could not remove box {}: {} (`sandbox4j gc` removes it later)", ctx.id(),
                    b == null ? "?" : b.name(), e.getMessage());
        } finally {
            onClose.forEach(Runnable::run);
            closeDone.countDown();
        }
    }

    /** A second close() returns once the first one has removed the box (a client closing waits for its boxes). */
    private void awaitClosed() {
        try {
            if (!closeDone.await(EngineLimits.CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Session {}: still closing after {}", ctx.id(), Texts.human(EngineLimits.CLOSE_WAIT));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
