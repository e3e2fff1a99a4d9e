package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.tck.EngineCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Shared set-up of the integration tests against the real engine: skips when Docker is missing (fails instead with
 * {@code -Dsandbox.it.strict=true}), labels every box the servers under test create with this run's id (the
 * server's {@code labels} setting), and finds what is left behind.
 */
final class EngineSupport {
    static final String RUN_LABEL = EngineCheck.RUN_LABEL;
    static final String RUN_ID = EngineCheck.newRunId();

    private EngineSupport() {}

    static void requireEngine() {
        EngineCheck.requireBackend("docker");
    }

    /** A server configuration whose boxes carry {@code dev.sandbox4j.run-id=<runId>}, on a free loopback port. */
    static ServerConfig.Builder config(String runId) {
        ServerConfig.Builder b = ServerConfig.builder().port(0).backend("docker").label(RUN_LABEL, runId);
        EngineCheck.images().forEach(b::image);
        return b;
    }

    /**
     * A client for {@code config}'s engine, policy, timeout and images, as {@link SandboxServer#start(ServerConfig)}
     * makes one, for tests that configure more (e.g. where installs fetch from).
     */
    static SandboxClient.Builder client(ServerConfig config) {
        SandboxClient.Builder b = SandboxClient.builder().reapOrphans(false).backend("docker")
                .defaultTimeout(config.defaultRunTimeout()).policy(config.policy());
        config.images().forEach(b::image);
        return b;
    }

    /** Containers (running or not) labelled with {@code runId}. */
    static List<Container> boxes(String runId) {
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            return dc.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, runId)).exec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates {@code /tmp/<name>} in every running box labelled with {@code runId}: the signal a program that waits
     * for that file gets from the test, so that a test orders events by a handshake instead of timing them. The name
     * should be unique to the test (other boxes of the run get the file too, harmlessly).
     */
    static void signalBoxes(String runId, String name) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            for (Container c : dc.listContainersCmd().withLabelFilter(Map.of(RUN_LABEL, runId)).exec()) {
                String exec = dc.execCreateCmd(c.getId()).withCmd("touch", "/tmp/" + name).exec().getId();
                // generous: a touch takes milliseconds; the bound only keeps a broken engine from hanging the test
                dc.execStartCmd(exec).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>())
                        .awaitCompletion(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Force-removes the containers labelled with {@code runId}; returns how many there were. */
    static int removeBoxes(String runId) {
        List<Container> left = boxes(runId);
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            for (Container c : left) {
                dc.removeContainerCmd(c.getId()).withForce(true).exec();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return left.size();
    }

    static void assertNoBoxes(String runId) {
        assertThat(boxes(runId)).as("containers left behind by run %s", runId).isEmpty();
    }
}
