package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.InstallConfig;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LanguageHandler} needs to plan a library installation.
 *
 * @param runDir absolute directory in the box where the plan's files are written
 * @param home the sandbox user's home (the session's work directory), where libraries are installed
 * @param config registries and settings
 * @param caBundle absolute path in the box of a PEM CA bundle for HTTPS (the engine writes it before the install
 *     runs), or {@code null} to use the image's own
 * @since 0.2
 */
public record InstallContext(String runDir, String home, InstallConfig config, @Nullable String caBundle) {
    public InstallContext {
        requireNonNull(runDir, "runDir");
        requireNonNull(home, "home");
        requireNonNull(config, "config");
    }

    /** Absolute path of a plan file in the box. */
    public String path(String fileName) {
        return runDir + "/" + fileName;
    }
}
