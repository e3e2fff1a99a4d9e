/**
 * Service provider interface: container backends ({@link dev.sandbox4j.spi.SandboxBackendFactory}) and language
 * handlers ({@link dev.sandbox4j.spi.LanguageHandler}). Implementations are discovered with {@link
 * java.util.ServiceLoader} or registered explicitly on {@code SandboxClient.builder()}. Nothing here names a
 * particular engine.
 */
@NullMarked
package dev.sandbox4j.spi;

import org.jspecify.annotations.NullMarked;
