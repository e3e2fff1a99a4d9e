package dev.sandbox4j.springai;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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

    static void requireEngine() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required (sandbox.it.strict=true): " + a.detail());
            }
            Assumptions.abort("Docker engine not available: " + a.detail());
        }
    }

    /** {@code sandbox4j.*} properties for the real engine: Docker, this run's label, images given to the build. */
    static List<String> properties() {
        List<String> p = new ArrayList<>(List.of("sandbox4j.backend=docker", "sandbox4j.reap-orphans=false",
                "sandbox4j.labels[" + RUN_LABEL + "]=" + RUN_ID));
        for (String lang : List.of("python", "javascript", "java", "r", "cpp", "go")) {
            String image = System.getProperty("sandbox.image." + lang);
            if (image != null && !image.isBlank()) {
                p.add("sandbox4j.images." + lang + "=" + image);
            }
        }
        return p;
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
