package dev.sandbox4j.docker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ulimit;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BoxSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The host configuration of a box's container: its hardening, limits, writable tmpfs mounts and masked paths, for
 * Docker, Podman's Docker-compatible API and gVisor. Pure functions of the box's spec; nothing here talks to an engine.
 */
final class HostConfigs {
    private HostConfigs() {
    }

    /**
     * Paths masked in every box (a file under {@code /dev/null}, a directory under an empty read-only tmpfs), on top of
     * the engine's own list. Kept: whatever a common tool reads ({@code /proc/self/mountinfo} and {@code cgroup} for
     * the JVM's container detection, {@code /proc/meminfo}, {@code stat}, {@code loadavg}, {@code cpuinfo} for
     * psutil, libuv, {@code free}, {@code ps}); see docs/security.md, "What a program sees of the host".
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
    static HostConfig of(BoxSpec spec, @Nullable String runtime, boolean podman) {
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
}
