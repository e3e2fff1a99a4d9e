package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.tck.EngineCheck;
import java.util.List;
import java.util.Map;

/**
 * Shared set-up for integration tests against the real engine: skips when Docker is missing (fails instead with
 * {@code -Dsandbox.it.strict=true}), labels every box with this run's id, and checks that none is left behind.
 */
final class DockerTestSupport {
    static final String RUN_ID = EngineCheck.newRunId();
    static final String RUN_LABEL = EngineCheck.RUN_LABEL;

    private DockerTestSupport() {}

    static void requireEngine() {
        EngineCheck.requireBackend("docker");
    }

    static SandboxClient client() {
        return clientBuilder().build();
    }

    /** The builder {@link #client()} uses, for tests that configure more (e.g. warm pools). */
    static SandboxClient.Builder clientBuilder() {
        SandboxClient.Builder b = EngineCheck.clientBuilder("docker");
        // e.g. -Dsandbox.docker.runtime=runsc runs these tests under gVisor
        String runtime = System.getProperty("sandbox.docker.runtime");
        if (runtime != null && !runtime.isBlank()) {
            b.backendProperty(DockerBackendFactory.RUNTIME, runtime);
        }
        return b;
    }

    /** Session options with the run-id label (and any changes the test makes). */
    static SessionOptions.Builder options() {
        return SessionOptions.builder()
                .runtime(RuntimeConfig.builder().label(RUN_LABEL, RUN_ID).build());
    }

    static DockerClient docker() {
        return DockerClients.create(DockerClients.config(BackendConfig.empty()));
    }

    static List<Container> leftovers() {
        try (DockerClient dc = docker()) {
            return dc.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, RUN_ID)).exec();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Creates {@code /tmp/<name>} in every running box of this run: the signal a program that waits for that file
     * gets from the test, so that a test orders events by a handshake instead of timing them. The name should be
     * unique to the test (other boxes of the run get the file too, harmlessly).
     */
    static void signalBoxes(String name) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        try (DockerClient dc = docker()) {
            for (Container c : dc.listContainersCmd().withLabelFilter(Map.of(RUN_LABEL, RUN_ID)).exec()) {
                String exec = dc.execCreateCmd(c.getId()).withCmd("touch", "/tmp/" + name).exec().getId();
                // generous: a touch takes milliseconds; the bound only keeps a broken engine from hanging the test
                dc.execStartCmd(exec).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>())
                        .awaitCompletion(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void assertNoLeftovers() {
        assertThat(leftovers()).as("containers left behind by run %s", RUN_ID).isEmpty();
    }
}
