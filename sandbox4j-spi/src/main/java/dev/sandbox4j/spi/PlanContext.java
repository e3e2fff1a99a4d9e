package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.List;

/**
 * What a {@link LanguageHandler} needs to know to plan a run.
 *
 * @param runDir absolute directory in the box where the plan's files are written
 * @param args   command-line arguments for the program
 * @param outputDir absolute directory in the box whose files come back as artifacts, or {@code null} when the run
 *     does not capture artifacts; when set, handlers that can capture plots (python, r) arrange for figures to be
 *     saved there
 * @param home the sandbox user's home and work directory, where installed libraries live
 * @since 0.1
 */
public record PlanContext(String runDir, List<String> args, @org.jspecify.annotations.Nullable String outputDir,
        String home) {
    /** A context without artifact capture, for a box whose work directory is {@code /workspace}. */
    public PlanContext(String runDir, List<String> args) {
        this(runDir, args, null, "/workspace");
    }

    /** @throws IllegalArgumentException if {@code runDir} is not an absolute path */
    public PlanContext {
        requireNonNull(runDir, "runDir");
        if (!runDir.startsWith("/")) {
            throw new IllegalArgumentException("runDir ('" + Texts.sanitize(runDir, 60) + "') must be an absolute path");
        }
        args = List.copyOf(args);
        requireNonNull(home, "home");
    }

    /** Absolute path of a plan file in the box. */
    public String path(String fileName) {
        return runDir + "/" + fileName;
    }
}
