package dev.sandbox4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.tck.SandboxTck;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The compatibility kit on Podman, through its Docker-compatible socket (started by {@code scripts/setup-podman.sh},
 * which also copies the python image from Docker into Podman). The socket is {@code PODMAN_SOCK} or
 * {@code /run/podman/podman.sock}.
 */
@Tag("podman")
class PodmanTckIT extends SandboxTck {
    private static final String HOST = "unix://" + System.getenv().getOrDefault("PODMAN_SOCK",
            "/run/podman/podman.sock");
    private static final BackendConfig CONFIG = new BackendConfig(Map.of(DockerClients.HOST, HOST));

    private static SandboxClient client;

    @BeforeAll
    static void start() {
        Availability a = new DockerBackendFactory().probe(CONFIG);
        String why = null;
        if (!a.available()) {
            why = "Podman does not answer at " + HOST + ": " + a.detail();
        } else if (!a.detail().startsWith("Podman ")) {
            why = HOST + " is not Podman but " + a.detail();
        } else {
            try (DockerClient dc = podman()) {
                dc.inspectImageCmd("sandbox4j/python:bookworm").exec();
            } catch (NotFoundException e) {
                why = "Podman has no image sandbox4j/python:bookworm (scripts/setup-podman.sh copies it from Docker)";
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        if (why != null) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail(why + "; start it with scripts/setup-podman.sh (sandbox.it.strict=true)");
            }
            Assumptions.abort(why + "; start it with scripts/setup-podman.sh");
        }
        client = SandboxClient.builder()
                .backend("docker")
                .backendProperty(DockerClients.HOST, HOST)
                .reapOrphans(false)
                .build();
    }

    private static DockerClient podman() {
        return DockerClients.create(DockerClients.config(CONFIG));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        Assertions.assertTrue(live().isEmpty(), () -> "Podman containers left behind by run "
                + DockerTestSupport.RUN_ID + ": " + live());
    }

    private static Set<String> live() {
        try (DockerClient dc = podman()) {
            return dc.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)).exec()
                    .stream().map(Container::getId).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    protected SandboxClient client() {
        return client;
    }

    @Override
    protected SessionOptions.Builder options() {
        return DockerTestSupport.options();
    }

    @Override
    protected Set<String> liveBoxes() {
        return live();
    }
}
