package dev.sandbox4j.spi;

/**
 * Creates {@link SandboxBackend}s; registered in {@code META-INF/services/dev.sandbox4j.spi.SandboxBackendFactory}.
 *
 * @since 0.1
 */
public interface SandboxBackendFactory extends dev.sandbox4j.BackendPlugin {
    /** Short name used to select the backend explicitly, e.g. {@code "docker"}. */
    String name();

    /** Higher wins when several backends are available and none was chosen explicitly. */
    default int priority() {
        return 0;
    }

    /** Checks cheaply whether this backend can be used. Never throws. */
    Availability probe(BackendConfig config);

    /**
     * Connects to the engine.
     *
     * @throws dev.sandbox4j.BackendUnavailableException when the engine does not answer
     */
    SandboxBackend create(BackendConfig config);
}
