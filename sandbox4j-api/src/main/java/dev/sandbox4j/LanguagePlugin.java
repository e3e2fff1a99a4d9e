package dev.sandbox4j;

import java.util.Set;

/**
 * A language handed to {@link SandboxClient.Builder#language}: implemented by the SPI's
 * {@code dev.sandbox4j.spi.LanguageHandler} (module {@code sandbox4j-spi}), never directly. The API names only this
 * marker so that it does not depend on the SPI.
 *
 * @since 0.2
 */
public interface LanguagePlugin {
    /** Canonical id, e.g. {@code "python"}. */
    String id();

    /** Other names it answers to, e.g. {@code "py"}. */
    Set<String> aliases();
}
