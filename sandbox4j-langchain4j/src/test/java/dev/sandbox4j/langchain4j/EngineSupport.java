package dev.sandbox4j.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Set-up of the integration tests against the real engine: skips when Docker is missing (fails instead with
 * {@code -Dsandbox.it.strict=true}), labels every box with this run's id, and finds what is left behind.
 */
final class EngineSupport {
    static final String RUN_LABEL = "dev.sandbox4j.run-id";
    static final String RUN_ID = UUID.randomUUID().toString();

    private EngineSupport() {}

    static SandboxClient client() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required (sandbox.it.strict=true): " + a.detail());
            }
            Assumptions.abort("Docker engine not available: " + a.detail());
        }
        SandboxClient.Builder b = SandboxClient.builder().backend("docker").reapOrphans(false);
        for (String lang : List.of("python", "javascript", "java", "r", "cpp", "go")) {
            String image = System.getProperty("sandbox.image." + lang);
            if (image != null && !image.isBlank()) {
                b.image(lang, image);
            }
        }
        return b.build();
    }

    /** Session options whose boxes carry the run-id label. */
    static SessionOptions options() {
        return SessionOptions.builder().runtime(RuntimeConfig.builder().label(RUN_LABEL, RUN_ID).build()).build();
    }

    static List<Container> leftovers() {
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            return dc.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, RUN_ID)).exec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertNoLeftovers() {
        assertThat(leftovers()).as("containers left behind by run %s", RUN_ID).isEmpty();
    }
}
