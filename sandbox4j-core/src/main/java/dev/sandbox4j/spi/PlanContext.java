package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.internal.Texts;
import java.util.List;

/**
 * What a {@link LanguageHandler} needs to know to plan a run.
 *
 * @param runDir absolute directory in the box where the plan's files are written
 * @param args   command-line arguments for the program
 * @since 0.1
 */
public record PlanContext(String runDir, List<String> args) {
    /** @throws IllegalArgumentException if {@code runDir} is not an absolute path */
    public PlanContext {
        requireNonNull(runDir, "runDir");
        if (!runDir.startsWith("/")) {
            throw new IllegalArgumentException("runDir ('" + Texts.sanitize(runDir, 60) + "') must be an absolute path");
        }
        args = List.copyOf(args);
    }

    /** Absolute path of a plan file in the box. */
    public String path(String fileName) {
        return runDir + "/" + fileName;
    }
}
