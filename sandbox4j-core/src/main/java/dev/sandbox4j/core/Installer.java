package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs a session's libraries: every process of the sandbox user is stopped (a kernel frozen, not killed), the box
 * joins the install network only for the package manager's run (in a fresh directory, never the untrusted work
 * directory), everything it left running is killed again, and the box leaves the network; a box that cannot leave it
 * ends the session.
 */
final class Installer {
    private static final Logger log = LoggerFactory.getLogger(Installer.class);

    private final SessionContext ctx;
    private final SessionBox box;
    private final ProgramRunner programs;
    private final KernelDriver kernels;
    /** Audits an installation: what was installed and how it ended. */
    private final BiConsumer<List<String>, ExecutionResult> audit;
    private final List<String> installed = new CopyOnWriteArrayList<>();

    Installer(SessionContext ctx, SessionBox box, ProgramRunner programs, KernelDriver kernels,
            BiConsumer<List<String>, ExecutionResult> audit) {
        this.ctx = ctx;
        this.box = box;
        this.programs = programs;
        this.kernels = kernels;
        this.audit = audit;
    }

    List<String> installed() {
        return List.copyOf(installed);
    }

    /**
     * Installs the libraries not installed yet, with the box on the install network for the duration; a failure is the
     * result's status ({@code install_failed}).
     */
    ExecutionResult install(List<String> libraries) {
        requireNonNull(libraries, "libraries");
        List<String> wanted = libraries.stream().distinct().toList();
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("no libraries to install");
        }
        box.lock().lock();
        try {
            Box b = box.current();
            List<String> missing = wanted.stream().filter(l -> !installed.contains(l)).toList();
            if (missing.isEmpty()) {
                return new ExecutionResult("already installed: " + String.join(" ", wanted) + "\n", "", 0,
                        Duration.ZERO, ExecutionStatus.OK, null, false, false);
            }
            box.notReusable("libraries were installed (the box was on a network)");
            if (ctx.direct() != null) {
                long start = System.nanoTime();
                return finish(missing, programs.install(missing, RunOptions.timeout(ctx.install().timeout())),
                        start);
            }
            String runDir = programs.nextRunDir();
            Map<String, byte[]> files = new LinkedHashMap<>();
            String ca = null;
            InstallConfig installConfig = ctx.install();
            if (installConfig.caBundle() != null) {
                try {
                    files.put("ca.pem", java.nio.file.Files.readAllBytes(installConfig.caBundle()));
                    ca = runDir + "/ca.pem";
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException("cannot read the CA bundle " + installConfig.caBundle(), e);
                }
            }
            ExecutionPlan plan = ctx.handler().installPlan(missing, new InstallContext(runDir, ctx.home(),
                    installConfig, ca));
            files.putAll(plan.files());
            boolean networked = !ctx.runtime().networkEnabled();
            long t0 = System.nanoTime();
            ExecutionResult r;
            // nothing an earlier run left behind may see the network; a kernel is frozen, not killed
            Kernel k = kernels.live();
            if (!stopEverythingBut(b, k)) {
                throw new BackendException(ctx.backend().name(), "could not stop the box's processes before "
                        + "installing", null);
            }
            if (networked) {
                try {
                    ctx.backend().setNetwork(b, installConfig.network());
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
                    r = programs.execute(runDir, files, plan.compile(), plan.env(), o, null, false);
                    if (r.status() == ExecutionStatus.OK) {
                        r = programs.execute(runDir, Map.of(), plan.argv(), plan.env(), o, null, false);
                    }
                } else {
                    r = programs.execute(runDir, files, plan.argv(), plan.env(), o, null, false);
                }
            } finally {
                if (networked) {
                    cutNetwork(b, k);
                }
                resumeKernel(k);
            }
            return finish(missing, r, t0);
        } finally {
            box.lock().unlock();
        }
    }

    /** Records a successful installation, says how a failed one failed, and audits it. */
    private ExecutionResult finish(List<String> missing, ExecutionResult r, long t0) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (r.status() == ExecutionStatus.OK) {
            installed.addAll(missing);
            box.restartForkServer(); // it preloaded (and cached the import paths of) what was there before
            log.info("Session {}: installed {} in {} ms", ctx.id(), missing, took.toMillis());
        } else if (r.status() == ExecutionStatus.NONZERO_EXIT) {
            r = new ExecutionResult(r.stdout(), r.stderr(), r.exitCode(), r.duration(),
                    ExecutionStatus.INSTALL_FAILED, null, r.stdoutTruncated(), r.stderrTruncated());
        } else if (r.status() == ExecutionStatus.TIMED_OUT && r.killReason() != null
                && r.killReason().startsWith("timed out")) {
            r = new ExecutionResult(r.stdout(), r.stderr(), r.exitCode(), r.duration(), r.status(),
                    "installation " + r.killReason(), r.stdoutTruncated(), r.stderrTruncated());
        }
        audit.accept(missing, r);
        return r;
    }

    /**
     * Kills every process of the sandbox user; a live kernel is stopped (SIGSTOP) instead, so that it keeps its state
     * but cannot run while the box has a network.
     */
    private boolean stopEverythingBut(Box b, @Nullable Kernel k) {
        if (k == null) {
            return box.killUntrusted(b);
        }
        box.retireRunner();
        String pid = Integer.toString(k.pid());
        return box.capture(BoxScripts.sh(BoxScripts.SIGNAL, "freeze", "STOP", pid), new byte[0],
                DataSize.ofKilobytes(4)).exitCode() == 0
                && box.capture(BoxScripts.sh(BoxScripts.KILL_ALL_BUT, "kill", pid), new byte[0],
                        DataSize.ofKilobytes(4)).exitCode() == 0;
    }

    private void resumeKernel(@Nullable Kernel k) {
        if (k != null && !box.isClosed()) {
            box.capture(BoxScripts.sh(BoxScripts.SIGNAL, "thaw", "CONT", Integer.toString(k.pid())), new byte[0],
                    DataSize.ofKilobytes(4));
        }
    }

    /** Kills what the installation left running, then takes the network away; a box that keeps it is closed. */
    private void cutNetwork(Box b, @Nullable Kernel k) {
        Box current = box.boxOrNull();
        Box target = current != null ? current : b;
        if (box.isClosed() && box.removeOnClose()) {
            return; // the session ended meanwhile (e.g. its lifetime): the box is gone with its network
        }
        try {
            if (!stopEverythingBut(target, k)) {
                throw new BackendException(ctx.backend().name(), "processes of the installation survived the kill",
                        null);
            }
            ctx.backend().setNetwork(target, null);
        } catch (RuntimeException e) {
            String why = "could not disconnect the box from the network after installing: " + e.getMessage();
            log.error("Session {}: {}; closing the session", ctx.id(), why);
            box.fail(why);
            throw new BackendException(ctx.backend().name(), why, e);
        }
    }

    /** Installs the run's libraries not installed yet; the installation's result if it failed, else null. */
    @Nullable ExecutionResult installMissing(RunOptions runOptions) {
        List<String> missing = runOptions.libraries().stream().filter(l -> !installed.contains(l)).toList();
        if (missing.isEmpty()) {
            return null;
        }
        ExecutionResult inst = install(missing);
        return inst.status() == ExecutionStatus.OK ? null : inst;
    }

}
