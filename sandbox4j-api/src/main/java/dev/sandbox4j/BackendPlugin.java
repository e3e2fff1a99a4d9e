package dev.sandbox4j;

/**
 * A backend factory handed to {@link SandboxClient.Builder#backendFactory}: implemented by the SPI's
 * {@code dev.sandbox4j.spi.SandboxBackendFactory} (module {@code sandbox4j-spi}), never directly. The API names only
 * this marker so that it does not depend on the SPI.
 *
 * @since 0.2
 */
public interface BackendPlugin {
    /** Backend name, e.g. {@code "docker"}. */
    String name();
}
