package dev.sandbox4j.docker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ulimit;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxCommands;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boxes as Docker containers: {@code docker-init} (tini) as PID 1 over {@code sleep infinity} running as the
 * supervisor uid; every program runs through {@code exec} as the untrusted uid.
 */
final class DockerBackend implements SandboxBackend {
    private static final Logger log = LoggerFactory.getLogger(DockerBackend.class);

    private final DockerClient docker;
    private final String description;
    private final boolean podman;
    private final @Nullable String defaultRuntime;
    private final ScheduledExecutorService poller;

    /**
     * @param podman whether the engine is Podman's Docker-compatible service (its differences are handled here)
     * @param defaultRuntime OCI runtime of boxes whose {@link RuntimeConfig} names none, or {@code null} for the
     *     engine's default
     */
    DockerBackend(DockerClient docker, String description, boolean podman, @Nullable String defaultRuntime) {
        this.docker = docker;
        this.description = description;
        this.podman = podman;
        this.defaultRuntime = defaultRuntime;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox4j-docker-poller");
            t.setDaemon(true);
            return t;
        });
    }

    DockerClient client() {
        return docker;
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public String describe() {
        return description;
    }

    /** Names of the OCI runtimes the engine offers (Docker info's {@code Runtimes}); empty when it does not say. */
    java.util.SortedSet<String> runtimes() {
        return runtimes(docker);
    }

    static java.util.SortedSet<String> runtimes(DockerClient docker) {
        try {
            var r = docker.infoCmd().exec().getRuntimes();
            return r == null ? new java.util.TreeSet<>() : new java.util.TreeSet<>(r.keySet());
        } catch (RuntimeException e) {
            log.debug("cannot list the engine's runtimes: {}", e.toString());
            return new java.util.TreeSet<>();
        }
    }

    @Override
    public boolean imageExists(String image) {
        return uninterrupted(() -> imageExistsNow(image));
    }

    private boolean imageExistsNow(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw fail("inspect image " + image, e);
        }
    }

    @Override
    public Box create(BoxSpec spec) {
        return uninterrupted(() -> createNow(spec));
    }

    private Box createNow(BoxSpec spec) {
        RuntimeConfig rt = spec.runtime();
        String runtime = rt.ociRuntime() != null ? rt.ociRuntime() : defaultRuntime;
        HostConfig hc = hostConfig(spec, runtime, podman);
        List<String> env = new ArrayList<>();
        env.add("HOME=" + rt.workdir());
        env.add("LANG=C.UTF-8");
        rt.env().forEach((k, v) -> env.add(k + "=" + v));
        CreateContainerCmd cmd = docker.createContainerCmd(spec.image())
                .withName(spec.name())
                .withHostName("sandbox")
                .withUser(spec.supervisorUser())
                .withEntrypoint("sleep")
                .withCmd("infinity")
                .withWorkingDir(rt.workdir())
                .withEnv(env)
                .withLabels(spec.labels())
                .withStopSignal("SIGKILL")
                .withHostConfig(hc);
        String id;
        try {
            id = cmd.exec().getId();
        } catch (NotFoundException e) {
            throw new ImageUnavailableException(spec.image(), "Image '" + spec.image() + "' is not on the "
                    + (podman ? "Podman" : "Docker") + " engine; build it with `sandbox4j images build` (or point the language at an image you have)",
                    e);
        } catch (RuntimeException e) {
            if (runtime != null && String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("runtime")) {
                throw new BackendException("docker", "the engine has no OCI runtime '" + runtime + "' (it offers "
                        + runtimes() + "); register it with the engine (for gVisor: scripts/setup-runsc.sh) or pick "
                        + "one it offers: " + DockerBackendFactory.rootMessage(e), e);
            }
            throw fail("create container " + spec.name(), e);
        }
        try {
            docker.startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            removeQuietly(id);
            throw fail("start container " + spec.name(), e);
        }
        return new Box(id, spec.name(), spec);
    }

    /**
     * Paths masked in every box (a file under {@code /dev/null}, a directory under an empty read-only tmpfs), on top of
     * the engine's own list. Kept: whatever a common tool reads ({@code /proc/self/mountinfo} and {@code cgroup} for
     * the JVM's container detection, {@code /proc/meminfo}, {@code stat}, {@code loadavg}, {@code cpuinfo} for
     * psutil, libuv, {@code free}, {@code ps}); see the README's "What the box is".
     */
    static final List<String> EXTRA_MASKED_PATHS = List.of(
            "/proc/cmdline", // the host's boot command line
            "/proc/sys/kernel/random/boot_id", // the host's boot id, the same in every box on it
            "/sys/kernel/vmcoreinfo", // the physical address of the kernel's crash-dump note
            "/proc/interrupts", // the host's per-CPU interrupt counts (masked by Docker 25+ and Kubernetes 1.34)
            "/sys/devices/virtual/powercap", // RAPL energy counters, a power side channel (masked by Docker 25+)
            "/dev/mqueue"); // writable view of POSIX message queues; mq_open works without it

    /**
     * Docker 20.10's default masked paths. {@code HostConfig.MaskedPaths} replaces the engine's list instead of adding
     * to it, so the list sent repeats them.
     */
    static final List<String> DOCKER_DEFAULT_MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/proc/scsi", "/sys/firmware");

    /**
     * The container's host configuration: the hardening of every box, its limits and its masked paths.
     *
     * <p>Docker (Engine API 1.41) takes the masked paths as {@code HostConfig.MaskedPaths}, which replaces its own list.
     * Podman 4.3's Docker-compatible API ignores that field but takes {@code --security-opt mask=a:b}, which adds to
     * its list; it also ignores {@code CgroupnsMode}, and on a read-only root it always adds a writable, unsized
     * {@code /var/tmp} tmpfs, masked here so that the writable places are the same as on Docker. gVisor (runsc)
     * accepts both and shows its own {@code /proc} and {@code /sys}, where most of these paths do not exist.
     *
     * @param runtime the OCI runtime the box runs under, or {@code null} for the engine's default
     */
    static HostConfig hostConfig(BoxSpec spec, @Nullable String runtime, boolean podman) {
        ResourceLimits l = spec.limits();
        RuntimeConfig rt = spec.runtime();
        String[] uid = rt.user().split(":");
        Map<String, String> tmpfs = new LinkedHashMap<>();
        // Podman 4.3 refuses tmpfs uid=/gid= options: there the workdir is world-writable with the sticky bit (only
        // the untrusted uid and the supervisor live in the box; files stay owned by who wrote them)
        tmpfs.put(rt.workdir(), "rw,nosuid,nodev," + (rt.workdirExecutable() ? "exec" : "noexec") + ",size="
                + l.workdirSize().bytes() + (podman ? ",mode=1777" : ",mode=0700,uid=" + uid[0] + ",gid=" + uid[1]));
        tmpfs.put("/tmp", "rw,nosuid,nodev,noexec,size=" + l.tmpSize().bytes() + ",mode=1777");
        boolean gvisor = isGvisor(runtime);
        List<String> securityOpts = new ArrayList<>(List.of("no-new-privileges"));
        MaskingHostConfig hc = new MaskingHostConfig();
        if (podman) {
            List<String> masked = new ArrayList<>(EXTRA_MASKED_PATHS);
            if (rt.readOnlyRootFilesystem()) {
                masked.add("/var/tmp");
            }
            securityOpts.add("mask=" + String.join(":", masked));
        } else {
            List<String> masked = new ArrayList<>(DOCKER_DEFAULT_MASKED_PATHS);
            masked.addAll(EXTRA_MASKED_PATHS);
            hc.withMaskedPaths(masked);
        }
        hc.withInit(true)
                .withNetworkMode(rt.networkEnabled() ? "bridge" : "none")
                .withReadonlyRootfs(rt.readOnlyRootFilesystem())
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(securityOpts)
                .withPidsLimit(gvisor ? gvisorHostPids(l.pids()) : (long) l.pids())
                .withMemory(l.memory().bytes())
                .withMemorySwap(l.memory().bytes())
                .withNanoCPUs(Math.round(l.cpus() * 1e9))
                .withTmpFs(tmpfs)
                .withIpcMode("private")
                // a tmpfs like /tmp: the same size, its contents count against the memory limit
                .withShmSize(l.tmpSize().bytes())
                // /proc/self/cgroup and the cgroup mounts show "/" instead of the engine's path with the container id
                .withCgroupnsMode("private")
                .withUlimits(ulimits(l, gvisor, podman));
        if (runtime != null) {
            hc.withRuntime(runtime);
        }
        return hc;
    }

    /**
     * docker-java 3.7's {@link HostConfig} has no {@code MaskedPaths} field (Docker 20.10's API 1.41 has); this adds it.
     * Jackson writes the runtime class, so the field reaches the engine.
     */
    static final class MaskingHostConfig extends HostConfig {
        private static final long serialVersionUID = 1L;

        @JsonProperty("MaskedPaths")
        @JsonInclude(JsonInclude.Include.NON_NULL) // absent = the engine's own list
        private @Nullable List<String> maskedPaths;

        MaskingHostConfig withMaskedPaths(List<String> paths) {
            this.maskedPaths = List.copyOf(paths);
            return this;
        }
    }

    /** Whether the runtime is gVisor's {@code runsc} (under that name or one naming gVisor). */
    static boolean isGvisor(@Nullable String runtime) {
        if (runtime == null) {
            return false;
        }
        String r = runtime.toLowerCase(java.util.Locale.ROOT);
        return r.startsWith("runsc") || r.contains("gvisor");
    }

    /**
     * The engine's pids limit of a gVisor box. Under runsc the container's pids cgroup holds the sandbox's own host
     * tasks, not the program's processes: the Sentry's threads (~50 idle) plus, on the ptrace platform, about five host
     * tasks per sandboxed process (measured: 40 processes = 260 host tasks). Hitting that limit kills the Sentry, i.e.
     * the whole box. So the processes of the program are limited inside the sandbox with RLIMIT_NPROC (gVisor enforces
     * it: fork fails with EAGAIN) and this limit is only the host-side backstop.
     */
    static long gvisorHostPids(int pids) {
        return pids * 8L + 256;
    }

    static List<Ulimit> ulimits(ResourceLimits l, boolean gvisor, boolean podman) {
        List<Ulimit> u = new ArrayList<>(List.of(
                new Ulimit("nofile", (long) l.openFiles(), (long) l.openFiles()),
                new Ulimit("fsize", l.fileSize().bytes(), l.fileSize().bytes()),
                new Ulimit("core", 0L, 0L),
                // POSIX message queues are budgeted per uid on the whole host, i.e. shared by every box of the
                // sandbox uid: a box holding queues could make mq_open fail in the others. No box gets any.
                new Ulimit("msgqueue", 0L, 0L)));
        if (gvisor) {
            // the process limit inside the sandbox (see gvisorHostPids)
            u.add(new Ulimit("nproc", (long) l.pids(), (long) l.pids()));
        } else if (podman) {
            // Rootful Podman fills in every ulimit not given with its own maximum, and runc may not set that nproc
            // here ("error setting rlimit type 6"). The pids limit is what bounds processes; this only has to be
            // settable and high enough for every box of the uid on the host together.
            u.add(new Ulimit("nproc", 16384L, 16384L));
        }
        return u;
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        byte[] stdin = request.stdin();
        return exec(box, request, stdin.length > 0 ? new ByteArrayInputStream(stdin) : null, sink);
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, @Nullable InputStream stdin, OutputSink sink) {
        return uninterrupted(() -> execNow(box, request, stdin, sink));
    }

    private ExecHandle execNow(Box box, ExecRequest request, @Nullable InputStream stdin, OutputSink sink) {
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
        DockerExec exec = new DockerExec(box.id(), execId, sink, attached);
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

    /**
     * The stdin stream handed to docker-java. Its httpclient5 transport copies it to the engine on a thread of its own
     * ({@code docker-java-httpclient5-hijacking-stream-*}) that rethrows any failure as an uncaught exception, which
     * the JVM prints to the terminal. The copy fails whenever the exec's connection closes first: the exec ended (its
     * box was removed, its process killed on a timeout) or its handle was closed, while the stream was still open or
     * still had data. That is normal, so this stream, which runs on that thread, gives it a handler that logs at
     * debug; {@link DockerExec#onStart} waits until it has, so that no close can happen before (the thread's first
     * step fails on a closed connection too). Once the exec is over the stream ends at its next read.
     */
    static final class AttachedStdin extends InputStream {
        private static final Logger log = LoggerFactory.getLogger(AttachedStdin.class);
        /** How long {@link #awaitReader} waits for the copying thread to start: only a stuck JVM takes this long. */
        static final Duration READER_START = Duration.ofSeconds(10);

        private final InputStream in;
        private final String execId;
        private final CountDownLatch readerStarted = new CountDownLatch(1);
        private volatile boolean ended;

        AttachedStdin(InputStream in, String execId) {
            this.in = in;
            this.execId = execId;
        }

        private void enter() {
            if (readerStarted.getCount() > 0) {
                Thread.currentThread().setUncaughtExceptionHandler(this::copyFailed);
                readerStarted.countDown();
            }
        }

        private void copyFailed(Thread t, Throwable e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof IOException) {
                log.debug("stdin of exec {} ended with its connection: {}", execId, cause.toString());
            } else {
                log.warn("stdin of exec {} failed: {}", execId, cause.toString());
                log.debug("stdin of exec {} failed", execId, e);
            }
        }

        /** Waits until the copying thread has read once (and so has its handler). */
        void awaitReader() {
            try {
                if (!readerStarted.await(READER_START.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.debug("stdin of exec {}: the copying thread did not start within {}", execId, READER_START);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The exec is over: what the caller still writes is dropped. */
        void end() {
            ended = true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            enter();
            if (ended) {
                return -1;
            }
            int n = in.read(b, off, len);
            return ended ? -1 : n;
        }

        @Override
        public int available() throws IOException {
            return ended ? 0 : in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** One exec: its stream callback plus a poller for streams that stay open after the process exits. */
    private final class DockerExec extends ResultCallback.Adapter<Frame> implements ExecHandle {
        private final String boxId;
        private final String execId;
        private final OutputSink sink;
        private final @Nullable AttachedStdin stdin;
        private int polls;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile long exitedSeenAt;

        DockerExec(String boxId, String execId, OutputSink sink, @Nullable AttachedStdin stdin) {
            this.boxId = boxId;
            this.execId = execId;
            this.sink = sink;
            this.stdin = stdin;
            if (stdin != null) {
                exit.whenComplete((code, e) -> stdin.end());
            }
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

    @Override
    public void setNetwork(Box box, @Nullable String network) {
        uninterrupted(() -> setNetworkNow(box, network));
    }

    private void setNetworkNow(Box box, @Nullable String network) {
        try {
            InspectContainerResponse c = docker.inspectContainerCmd(box.id()).exec();
            Map<String, ContainerNetwork> current = c.getNetworkSettings() == null
                    || c.getNetworkSettings().getNetworks() == null ? Map.of() : c.getNetworkSettings().getNetworks();
            String wanted = network == null ? "none" : network;
            if (current.size() == 1 && current.containsKey(wanted)) {
                return;
            }
            if (podman && current.isEmpty()) {
                if (wanted.equals("none")) {
                    return;
                }
                throw new UnsupportedOperationException("Podman cannot connect a container that was created "
                        + "without a network to network '" + wanted + "' (Docker can); with Podman, install libraries"
                        + " into the image instead, or open the session with a network");
            }
            for (String name : current.keySet()) {
                docker.disconnectFromNetworkCmd().withContainerId(box.id()).withNetworkId(name).withForce(true).exec();
            }
            // Podman cannot connect a container to "none"; disconnected from every network it keeps only loopback
            if (!(podman && wanted.equals("none"))) {
                docker.connectToNetworkCmd().withContainerId(box.id()).withNetworkId(wanted).exec();
            }
            log.debug("box {} now on network {}", box.name(), wanted);
        } catch (NotFoundException e) {
            throw new BackendException("docker", "network '" + network + "' or box " + box.name()
                    + " not found: " + DockerBackendFactory.rootMessage(e), e);
        } catch (RuntimeException e) {
            throw fail("switch network of " + box.name() + " to " + (network == null ? "none" : network), e);
        }
    }

    @Override
    public Box attach(String containerId, BoxSpec template) {
        return uninterrupted(() -> attachNow(containerId, template));
    }

    private Box attachNow(String containerId, BoxSpec template) {
        InspectContainerResponse c;
        try {
            c = docker.inspectContainerCmd(containerId).exec();
        } catch (NotFoundException e) {
            throw new IllegalArgumentException("no container '" + containerId + "' on the Docker engine", e);
        } catch (RuntimeException e) {
            throw fail("inspect container " + containerId, e);
        }
        if (c.getState() == null || !Boolean.TRUE.equals(c.getState().getRunning())) {
            throw new IllegalArgumentException("container '" + containerId + "' is not running");
        }
        String name = c.getName() == null ? containerId : c.getName().replaceFirst("^/", "");
        String image = c.getConfig() != null && c.getConfig().getImage() != null ? c.getConfig().getImage()
                : template.image();
        return new Box(c.getId(), name, new BoxSpec(name, image, template.supervisorUser(), template.limits(),
                template.runtime(), c.getConfig() != null && c.getConfig().getLabels() != null
                        ? c.getConfig().getLabels() : Map.of()));
    }

    @Override
    public @Nullable Map<String, String> imageLabels(String image) {
        return uninterrupted(() -> imageLabelsNow(image));
    }

    private @Nullable Map<String, String> imageLabelsNow(String image) {
        try {
            InspectImageResponse r = docker.inspectImageCmd(image).exec();
            return r.getConfig() == null || r.getConfig().getLabels() == null ? Map.of()
                    : Map.copyOf(r.getConfig().getLabels());
        } catch (NotFoundException e) {
            return null;
        } catch (RuntimeException e) {
            throw fail("inspect image " + image, e);
        }
    }

    @Override
    public String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Map<String, String> labels,
            Consumer<String> progress) {
        List<String> tail = new ArrayList<>();
        BuildImageResultCallback callback = new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    for (String line : item.getStream().split("\\R")) {
                        if (!line.isBlank()) {
                            synchronized (tail) {
                                tail.add(line.strip());
                                if (tail.size() > 20) {
                                    tail.remove(0);
                                }
                            }
                            progress.accept(line.strip());
                        }
                    }
                }
                if (item.isErrorIndicated() && item.getErrorDetail() != null) {
                    synchronized (tail) {
                        tail.add("ERROR: " + item.getErrorDetail().getMessage());
                    }
                }
                super.onNext(item);
            }
        };
        try {
            docker.buildImageCmd()
                    .withBaseDirectory(contextDir.toFile())
                    .withDockerfile(contextDir.resolve(dockerfile == null ? "Dockerfile" : dockerfile).toFile())
                    .withTags(Set.of(tag))
                    .withLabels(labels)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true)
                    .exec(callback);
            return callback.awaitImageId(60, TimeUnit.MINUTES);
        } catch (RuntimeException e) {
            String last;
            synchronized (tail) {
                last = String.join("\n", tail);
            }
            throw new BackendException("docker", "building image " + tag + " failed: "
                    + DockerBackendFactory.rootMessage(e) + (last.isEmpty() ? "" : "\n" + last), e);
        }
    }

    @Override
    public void removeImage(String image) {
        uninterrupted(() -> removeImageNow(image));
    }

    private void removeImageNow(String image) {
        try {
            docker.removeImageCmd(image).withForce(false).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            throw fail("remove image " + image, e);
        }
    }

    @Override
    public boolean killAll(Box box, String user) {
        return uninterrupted(() -> killAllNow(box, user));
    }

    private boolean killAllNow(Box box, String user) {
        return BoxCommands.retry(this, box, user, BoxCommands.KILL_ALL, Duration.ofSeconds(10), 3);
    }

    @Override
    public long oomKillCount(Box box) {
        return uninterrupted(() -> oomKillCountNow(box));
    }

    private long oomKillCountNow(Box box) {
        BoxCommands.Output r = BoxCommands.tryScript(this, box, box.spec().supervisorUser(), BoxCommands.OOM_COUNT,
                Duration.ofSeconds(10));
        long kills = r == null ? -1 : BoxCommands.oomKills(r.text());
        if (kills >= 0) {
            return kills;
        }
        boolean failed = r == null || r.exitCode() != 0;
        // A box the OOM killer took whole (gVisor: the sandbox, not one process) has no counter to read, but the
        // engine records it. It may still call the dying box running, or not yet OOM-killed, for a moment (the OOM
        // event arrives after the exit): ask again for up to 2 s.
        int tries = failed ? 20 : 1;
        for (int i = 0; i < tries; i++) {
            try {
                InspectContainerResponse.ContainerState st = docker.inspectContainerCmd(box.id()).exec().getState();
                if (st != null && !Boolean.TRUE.equals(st.getRunning())) {
                    if (Boolean.TRUE.equals(st.getOOMKilled())) {
                        return Long.MAX_VALUE;
                    }
                    tries = Math.max(tries, 10);
                }
                if (i + 1 < tries) {
                    Thread.sleep(100);
                }
            } catch (NotFoundException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } catch (RuntimeException e) {
                log.debug("cannot inspect {}: {}", box.name(), e.toString());
                return -1;
            }
        }
        return -1;
    }

    @Override
    public void remove(String boxId) {
        uninterrupted(() -> removeNow(boxId));
    }

    private void removeNow(String boxId) {
        try {
            docker.removeContainerCmd(boxId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (ConflictException e) {
            if (!String.valueOf(e.getMessage()).contains("already in progress")) {
                throw fail("remove container " + boxId, e);
            }
        } catch (RuntimeException e) {
            throw fail("remove container " + boxId, e);
        }
    }

    private void removeQuietly(String id) {
        try {
            remove(id);
        } catch (RuntimeException e) {
            log.warn("could not remove container {}: {}", id, e.toString());
        }
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        return uninterrupted(() -> listNow(labels));
    }

    private List<BoxInfo> listNow(Map<String, String> labels) {
        try {
            List<BoxInfo> out = new ArrayList<>();
            for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec()) {
                String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0];
                out.add(new BoxInfo(c.getId(), name.startsWith("/") ? name.substring(1) : name,
                        c.getLabels() == null ? Map.of() : c.getLabels(),
                        Instant.ofEpochSecond(c.getCreated() == null ? 0 : c.getCreated()),
                        c.getState() == null ? "unknown" : c.getState()));
            }
            return out;
        } catch (RuntimeException e) {
            throw fail("list containers", e);
        }
    }

    /** One inspect of the container by id (a few milliseconds), instead of a label-filtered list. */
    @Override
    public boolean isRunning(Box box) {
        return uninterrupted(() -> isRunningNow(box));
    }

    private boolean isRunningNow(Box box) {
        try {
            InspectContainerResponse c = docker.inspectContainerCmd(box.id()).exec();
            return c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning())
                    && !Boolean.TRUE.equals(c.getState().getPaused())
                    && !Boolean.TRUE.equals(c.getState().getRestarting());
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw fail("inspect container " + box.name(), e);
        }
    }

    /**
     * Runs an engine call with the caller's interrupt cleared, and sets it again afterwards. docker-java's transport
     * refuses to start a request on an interrupted thread (CancellationException) and an interrupt during one breaks
     * its connection; but a caller is interrupted precisely when work must be cleaned up (the server interrupts a
     * request's thread when its client hangs up; the session then kills the run and may remove or replace its box),
     * and a box left behind, or a session lost because its box could not be replaced, is worse than finishing a call
     * that takes milliseconds. The caller still sees its interrupt when the call returns.
     */
    private static <T> T uninterrupted(java.util.function.Supplier<T> call) {
        boolean interrupted = Thread.interrupted();
        try {
            return call.get();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void uninterrupted(Runnable call) {
        uninterrupted(() -> {
            call.run();
            return null;
        });
    }

    private static BackendException fail(String what, Throwable e) {
        return new BackendException("docker", what + " failed: " + DockerBackendFactory.rootMessage(e), e);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            docker.close();
        } catch (IOException e) {
            log.debug("closing docker client: {}", e.toString());
        }
    }
}
