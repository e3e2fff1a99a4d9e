package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.SandboxTck;
import dev.sandbox4j.tck.TckFeature;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The compatibility kit on Docker with gVisor: every box runs under the engine's {@code runsc} runtime (registered by
 * {@code scripts/setup-runsc.sh} with {@code --platform=ptrace --network=none}).
 */
@Tag("docker")
class DockerRunscTckIT extends SandboxTck {
    static final String RUNTIME = "runsc";

    private static SandboxClient client;

    @BeforeAll
    static void start() {
        DockerTestSupport.requireEngine();
        Set<String> offered;
        try (DockerClient dc = DockerTestSupport.docker()) {
            offered = DockerBackend.runtimes(dc);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (!offered.contains(RUNTIME)) {
            String why = "the Docker engine offers no runtime '" + RUNTIME + "' (it offers " + offered
                    + "); register gVisor with scripts/setup-runsc.sh";
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail(why + " (sandbox.it.strict=true)");
            }
            Assumptions.abort(why);
        }
        client = DockerTestSupport.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        DockerTestSupport.assertNoLeftovers();
    }

    @Override
    protected SandboxClient client() {
        return client;
    }

    @Override
    protected SessionOptions.Builder options() {
        return SessionOptions.builder().runtime(RuntimeConfig.builder()
                .ociRuntime(RUNTIME)
                .label(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)
                .build());
    }

    @Test
    void reportsTheSandboxDyingOfItsMemoryLimitAsOutOfMemory() {
        SessionOptions base = options().build();
        try (SandboxSession s = client.openSession("python", base.toBuilder()
                .limits(base.limits().toBuilder().memory(DataSize.ofMegabytes(128)).build()).build())) {
            ExecutionResult r = s.run("a = []\nwhile True:\n    a.append(bytearray(16 * 1024 * 1024))",
                    RunOptions.timeout(Duration.ofMinutes(5)));
            assertThat(r.status()).as("%s", r).isEqualTo(ExecutionStatus.OOM_KILLED);
            // the whole sandbox died: the exit code is what the engine reports for the dead exec (137, or 128 when the
            // program ran under the box's resident runner, whose exec runsc ends with 128)
            assertThat(r.exitCode()).isIn(128, 137);
            assertThat(r.killReason()).contains("out of memory").contains("128 MiB");
            // the dead box is noticed, not waited out: a deadline only waiting for the 5 min run timeout gets near
            assertThat(r.duration()).isLessThan(Duration.ofMinutes(2));
            assertThatThrownBy(() -> s.run("print(1)"))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("is no longer running");
        }
    }

    @Override
    protected Set<String> liveBoxes() {
        return DockerTestSupport.leftovers().stream().map(Container::getId).collect(Collectors.toSet());
    }

    /**
     * Measured with Debian's runsc 20221219 on the ptrace platform: the memory limit applies to the whole sandbox (the
     * Sentry and everything in it), so a program that exceeds it takes the box down with it instead of one process
     * being OOM-killed; the session cannot go on. The limit itself holds (the host is protected).
     *
     * <p>A fork bomb is held inside the sandbox (RLIMIT_NPROC: fork fails with EAGAIN at the pids limit), but on the
     * ptrace platform every fork leaves host stub tasks behind faster than they are reclaimed (measured: +400 host
     * tasks a second with 64 sandboxed processes), so the box reaches its host-side pids backstop and gVisor's Sentry
     * dies: the host is safe, the session is not.
     */
    @Override
    protected Map<TckFeature, String> unsupported() {
        return Map.of(
                TckFeature.MEMORY_LIMIT, "runsc (ptrace platform) enforces the memory limit on the whole sandbox: "
                        + "exceeding it kills the box and the session, not one process",
                TckFeature.PROCESS_LIMIT, "runsc (ptrace platform): a fork bomb is held to the pids limit inside "
                        + "the sandbox, but its churn of host stub tasks reaches the box's host pids backstop and "
                        + "kills the whole sandbox, so the session does not survive it");
    }
}
