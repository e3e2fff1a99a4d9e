package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.EngineCalls.fail;
import static dev.sandbox4j.docker.EngineCalls.uninterrupted;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boxes as Docker containers: {@code docker-init} (tini) as PID 1 over {@code sleep infinity} running as the
 * supervisor uid; every program runs through {@code exec} as the untrusted uid.
 *
 * <p>This class owns the box lifecycle (create, attach, list, inspect, kill, remove) and hands the rest to one part
 * each: the container's host configuration ({@link HostConfigs}), execs and their streams ({@link DockerExec},
 * {@link AttachedStdin}), network switching ({@link BoxNetworks}) and image operations ({@link DockerImages}). Every
 * engine call goes through {@link EngineCalls}. Thread-safe; {@link #close} closes the docker client it was given.
 */
final class DockerBackend implements SandboxBackend {
    private static final Logger log = LoggerFactory.getLogger(DockerBackend.class);

    private final DockerClient docker;
    private final String description;
    private final boolean podman;
    private final @Nullable String defaultRuntime;
    private final ScheduledExecutorService poller;
    private final BoxNetworks networks;
    private final DockerImages images;

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
        this.networks = new BoxNetworks(docker, podman);
        this.images = new DockerImages(docker);
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
        return uninterrupted(() -> images.exists(image));
    }

    @Override
    public Box create(BoxSpec spec) {
        return uninterrupted(() -> createNow(spec));
    }

    private Box createNow(BoxSpec spec) {
        RuntimeConfig rt = spec.runtime();
        String runtime = rt.ociRuntime() != null ? rt.ociRuntime() : defaultRuntime;
        HostConfig hc = HostConfigs.of(spec, runtime, podman);
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

    @Override
    public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        byte[] stdin = request.stdin();
        return exec(box, request, stdin.length > 0 ? new ByteArrayInputStream(stdin) : null, sink);
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, @Nullable InputStream stdin, OutputSink sink) {
        return uninterrupted(() -> DockerExec.start(docker, poller, box, request, stdin, sink));
    }

    @Override
    public void setNetwork(Box box, @Nullable String network) {
        uninterrupted(() -> networks.set(box, network));
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
        return uninterrupted(() -> images.labels(image));
    }

    @Override
    public String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Map<String, String> labels,
            Consumer<String> progress) {
        return images.build(contextDir, dockerfile, tag, labels, progress);
    }

    @Override
    public void removeImage(String image) {
        uninterrupted(() -> images.remove(image));
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
