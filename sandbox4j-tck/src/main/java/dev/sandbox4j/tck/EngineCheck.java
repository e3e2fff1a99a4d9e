package dev.sandbox4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Set-up shared by integration tests against a real engine: requires the backend (the test is skipped when it is
 * missing, and fails instead with {@code -Dsandbox.it.strict=true}), passes on the images given to the build
 * ({@code -Dsandbox.image.<language>=...}), and lists the boxes a test run left behind by its run-id label through the
 * backend's SPI. Uses only the public API and the SPI.
 */
public final class EngineCheck {
    /** The system property that turns a missing engine from a skip into a failure. */
    public static final String STRICT_PROPERTY = "sandbox.it.strict";
    /** The label that marks the boxes of one test run. */
    public static final String RUN_LABEL = "dev.sandbox4j.run-id";
    /**
     * The built-in languages when this kit was written.
     *
     * @deprecated {@link #images()} takes every {@code -Dsandbox.image.<language>} property, whatever the language;
     *     ask the engine for its languages ({@code Sandbox4j.languages()})
     */
    @Deprecated
    public static final List<String> LANGUAGES = List.of("python", "javascript", "java", "r", "cpp", "go");
    private static final String IMAGE_PROPERTY = "sandbox.image.";

    private EngineCheck() {}

    /** A fresh id for {@link #RUN_LABEL}. */
    public static String newRunId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Requires the backend {@code name} (found with {@link ServiceLoader}) to be available with the default
     * configuration: fails the test in strict mode, skips it otherwise.
     */
    public static void requireBackend(String name) {
        Availability a = factory(name).probe(BackendConfig.empty());
        if (!a.available()) {
            String what = name.equals("docker") ? "Docker engine" : name + " backend";
            if (Boolean.getBoolean(STRICT_PROPERTY)) {
                Assertions.fail(what + " required (" + STRICT_PROPERTY + "=true): " + a.detail());
            }
            Assumptions.abort(what + " not available: " + a.detail());
        }
    }

    /**
     * The images given to the build as {@code -Dsandbox.image.<language>}, by language, for any language (blank ones
     * left out), sorted by language.
     */
    public static Map<String, String> images() {
        Map<String, String> images = new java.util.TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            String image = System.getProperty(name);
            if (name.startsWith(IMAGE_PROPERTY) && name.length() > IMAGE_PROPERTY.length() && image != null
                    && !image.isBlank()) {
                images.put(name.substring(IMAGE_PROPERTY.length()), image);
            }
        }
        return images;
    }

    /**
     * After {@link #requireBackend}: a client builder for that backend, with orphan reaping off (other runs share the
     * engine) and the {@link #images()} given to the build.
     */
    public static SandboxClient.Builder clientBuilder(String backend) {
        requireBackend(backend);
        SandboxClient.Builder b = SandboxClient.builder().backend(backend).reapOrphans(false);
        images().forEach(b::image);
        return b;
    }

    /** The boxes (running or not) of backend {@code name} labelled {@code RUN_LABEL=runId}. */
    public static List<BoxInfo> boxes(String name, String runId) {
        try (SandboxBackend backend = factory(name).create(BackendConfig.empty())) {
            return backend.list(Map.of(RUN_LABEL, runId));
        }
    }

    /** Asserts that no box of backend {@code name} carries {@code RUN_LABEL=runId} any more. */
    public static void assertNoBoxesLeft(String name, String runId) {
        assertThat(boxes(name, runId)).as("containers left behind by run %s", runId).isEmpty();
    }

    private static SandboxBackendFactory factory(String name) {
        List<ClassLoader> loaders = new ArrayList<>();
        if (Thread.currentThread().getContextClassLoader() != null) {
            loaders.add(Thread.currentThread().getContextClassLoader());
        }
        loaders.add(EngineCheck.class.getClassLoader());
        for (ClassLoader loader : loaders) {
            for (SandboxBackendFactory f : ServiceLoader.load(SandboxBackendFactory.class, loader)) {
                if (f.name().equals(name)) {
                    return f;
                }
            }
        }
        throw new IllegalStateException("no backend named '" + name + "' on the test class path (add its module as a "
                + "test dependency)");
    }
}
