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

    /**
     * Whether auto-detection may pick this backend when it is available and none was named. Default true. A backend
     * that differs from a container engine in what it runs or how it isolates (e.g. {@code wasm}: Python only, Deno's
     * permission sandbox) answers false: it is used only when named, so that nobody gets it by surprise because the
     * container engine happened to be down.
     *
     * @since 0.2
     */
    default boolean autoDetected() {
        return true;
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
