package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a program sees of the host from inside a box (issue 15, finding 8): the host's boot command line, crash-dump
 * note, interrupt counters and boot id are masked, the container id is not in {@code /proc/self/cgroup}, the only
 * places a program can write are {@code /workspace}, {@code /tmp} and {@code /dev/shm} (sized like {@code /tmp}), no
 * file in the image keeps a setuid/setgid bit, and the tools that read {@code /proc} and the cgroup files (the JVM's
 * container detection, Python, numpy, Node's {@code os}, R, POSIX semaphores and message queues) still work.
 *
 * <p>Runs every language image on the engine's default runtime, and python under gVisor and on Podman when those are
 * there. Images can be swapped with {@code -Dsandbox.image.<language>=...} (e.g. to check a recipe change under a
 * private tag before the shared images are rebuilt).
 */
@Tag("docker")
@Tag("hostile")
class HostViewIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120); // a generous bound: JVM and R starts are slow here
    private static final DataSize TMP = DataSize.ofMegabytes(48);
    private static final DataSize MEMORY = DataSize.ofMegabytes(384);
    private static final String PODMAN_HOST = "unix://" + System.getenv().getOrDefault("PODMAN_SOCK",
            "/run/podman/podman.sock");

    /**
     * Prints one {@code key=value} line per observation. Runs as the sandbox uid with only POSIX sh, coreutils and
     * findutils (every image has them).
     */
    static final String PROBE = """
            one() { tr '\\n' ' ' < "$1" 2>/dev/null | head -c 400; }
            echo "cmdline=$(one /proc/cmdline)"
            echo "vmcoreinfo=$(one /sys/kernel/vmcoreinfo)"
            echo "interrupts=$(one /proc/interrupts)"
            echo "bootid=$(one /proc/sys/kernel/random/boot_id)"
            echo "cgroup=$(one /proc/self/cgroup)"
            echo "oom=$({ cat /sys/fs/cgroup/memory.events || cat /sys/fs/cgroup/memory/memory.oom_control; } \\
                2>/dev/null | tr '\\n' ' ')"
            echo "shm=$(stat -f -c '%b*%S' /dev/shm 2>/dev/null)"
            w=
            while read -r _ _ _ _ mp _; do
              probe="$mp/.sandbox4j-probe-$$"
              if ( : > "$probe" ) 2>/dev/null; then rm -f "$probe"; w="$w $mp"; fi
            done < /proc/self/mountinfo
            echo "writable=$w"
            echo "setid=$(find / -xdev -perm /6000 2>/dev/null | tr '\\n' ' ')"
            """;

    private static SandboxClient client;
    private static String hostCmdline;

    @BeforeAll
    static void start() throws IOException {
        client = DockerTestSupport.client();
        String host = Files.readString(Path.of("/proc/cmdline"), StandardCharsets.UTF_8).strip();
        hostCmdline = host.substring(0, Math.min(60, host.length())); // the probe prints at most 400 characters
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    private static SessionOptions.Builder options(@Nullable String ociRuntime) {
        return SessionOptions.builder()
                .limits(ResourceLimits.builder().memory(MEMORY).tmpSize(TMP).build())
                .runtime(RuntimeConfig.builder()
                        .ociRuntime(ociRuntime)
                        .label(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)
                        .build());
    }

    static Map<String, String> probe(SandboxSession s) {
        ExecutionResult r = s.exec(List.of("/bin/sh", "-c", PROBE), RunOptions.timeout(TIMEOUT));
        assertThat(r.status()).as("probe: %s", r.stderr()).isEqualTo(ExecutionStatus.OK);
        Map<String, String> seen = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                seen.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        return seen;
    }

    /** What every engine and runtime must show. */
    private static void assertHostHidden(Map<String, String> seen) {
        assertThat(seen.get("cmdline")).as("/proc/cmdline").doesNotContain(hostCmdline);
        assertThat(seen.get("vmcoreinfo")).as("/sys/kernel/vmcoreinfo").isEmpty();
        assertThat(seen.get("interrupts")).as("/proc/interrupts").isEmpty();
        assertThat(seen.get("bootid")).as("/proc/sys/kernel/random/boot_id").isEmpty();
        assertThat(seen.get("writable").split(" +")).as("mounts the sandbox uid can write to")
                .containsExactlyInAnyOrder("/workspace", "/tmp", "/dev/shm");
        assertThat(seen.get("shm")).as("/dev/shm size (blocks*block size)").isNotEmpty();
        String[] shm = seen.get("shm").split("\\*");
        assertThat(Long.parseLong(shm[0]) * Long.parseLong(shm[1])).as("/dev/shm is sized like /tmp")
                .isEqualTo(TMP.bytes());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"python", "javascript", "java", "cpp", "go", "r", "ruby"})
    void theBoxShowsLittleOfTheHost(String language) {
        try (SandboxSession s = client.openSession(language, options(null).build())) {
            Map<String, String> seen = probe(s);
            assertHostHidden(seen);
            assertThat(seen.get("cmdline")).as("/proc/cmdline").isEmpty();
            assertThat(seen.get("cgroup")).as("/proc/self/cgroup names no container")
                    .isNotEmpty().doesNotContainPattern("[0-9a-f]{64}").doesNotContain("docker");
            // the engine's OOM counter (BoxCommands.OOM_COUNT) reads these: they must stay readable
            assertThat(seen.get("oom")).as("cgroup memory events").contains("oom_kill ");
            assertThat(seen.get("setid")).as("setuid/setgid files in %s", s.image()).isEmpty();
        }
    }

    @Test
    void jvmStillDetectsTheContainerMemoryLimit() {
        try (SandboxSession s = client.openSession("java", options(null).build())) {
            ExecutionResult r = s.exec(List.of("java", "-XshowSettings:system", "-version"),
                    RunOptions.timeout(TIMEOUT));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout() + r.stderr()).contains("Provider: cgroupv").contains("Memory Limit: 384.00M");
        }
    }

    @Test
    void pythonNumpyAndSemaphoresStillWorkAndMessageQueuesAreRefused() {
        try (SandboxSession s = client.openSession("python", options(null).build())) {
            ExecutionResult r = s.run("""
                    import ctypes, multiprocessing, os
                    import numpy
                    lock = multiprocessing.Lock()   # a POSIX semaphore in /dev/shm
                    with lock:
                        pass
                    rt = ctypes.CDLL("librt.so.1", use_errno=True)
                    # message queues are budgeted per uid on the whole host: one box could starve the others
                    fd = rt.mq_open(b"/sandbox4j-probe", os.O_CREAT | os.O_RDWR, 0o600, None)
                    print("mq_open", fd, os.strerror(ctypes.get_errno()) if fd < 0 else "")
                    print("cpus", os.cpu_count(), "numpy", numpy.__version__)
                    """, RunOptions.timeout(TIMEOUT));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).containsPattern("cpus [1-9][0-9]* numpy \\d")
                    .contains("mq_open -1 Too many open files");
        }
    }

    @Test
    void nodeOsAndRStillStart() {
        try (SandboxSession s = client.openSession("javascript", options(null).build())) {
            ExecutionResult r = s.run("const os = require('os'); console.log(os.totalmem() > 0, os.cpus().length > 0)",
                    RunOptions.timeout(TIMEOUT));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("true true\n");
        }
        try (SandboxSession s = client.openSession("r", options(null).build())) {
            ExecutionResult r = s.run("cat(parallel::detectCores() > 0, nchar(R.version.string) > 0, '\\n')",
                    RunOptions.timeout(TIMEOUT));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).contains("TRUE TRUE");
        }
    }

    @Test
    void underGvisorTheBoxSeesTheSandboxKernelsOwnFiles() {
        Set<String> offered;
        try (DockerClient dc = DockerTestSupport.docker()) {
            offered = DockerBackend.runtimes(dc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        skipOrFail(offered.contains("runsc") ? null : "the engine offers no runtime 'runsc' (it offers " + offered
                + "); register gVisor with scripts/setup-runsc.sh");
        try (SandboxSession s = client.openSession("python", options("runsc").build())) {
            Map<String, String> seen = probe(s);
            assertHostHidden(seen);
            assertThat(seen.get("cgroup")).doesNotContainPattern("[0-9a-f]{64}");
            assertThat(seen.get("setid")).as("setuid/setgid files in %s", s.image()).isEmpty();
        }
    }

    @Test
    void onPodmanTheHostPathsAreMaskedToo() {
        BackendConfig config = new BackendConfig(Map.of(DockerClients.HOST, PODMAN_HOST));
        Availability a = new DockerBackendFactory().probe(config);
        String image = System.getProperty("sandbox.podman.image.python", "sandbox4j/python:bookworm");
        String why = null;
        if (!a.available() || !a.detail().startsWith("Podman ")) {
            why = "Podman does not answer at " + PODMAN_HOST + ": " + a.detail();
        } else {
            try (DockerClient dc = DockerClients.create(DockerClients.config(config))) {
                dc.inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                why = "Podman has no image " + image + " (scripts/setup-podman.sh copies it from Docker)";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        skipOrFail(why);
        List<String> left = new ArrayList<>();
        try (SandboxClient podman = SandboxClient.builder().backend("docker")
                .backendProperty(DockerClients.HOST, PODMAN_HOST).image("python", image).reapOrphans(false).build();
                SandboxSession s = podman.openSession("python", options(null).build())) {
            Map<String, String> seen = probe(s);
            assertHostHidden(seen);
            assertThat(seen.get("cmdline")).as("/proc/cmdline").isEmpty();
        } finally {
            try (DockerClient dc = DockerClients.create(DockerClients.config(config))) {
                dc.listContainersCmd().withShowAll(true)
                        .withLabelFilter(Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)).exec()
                        .stream().map(Container::getId).forEach(left::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(left).as("Podman containers left behind").isEmpty();
    }

    private static void skipOrFail(@Nullable String why) {
        if (why == null) {
            return;
        }
        if (Boolean.getBoolean("sandbox.it.strict")) {
            Assertions.fail(why + " (sandbox.it.strict=true)");
        }
        Assumptions.abort(why);
    }
}
