package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One command of a sequence ({@link SandboxSession#execSequence}): the program and its arguments (no shell), and the
 * directory it runs in.
 *
 * @param argv program and arguments; {@code argv.get(0)} is looked up on {@code PATH}
 * @param workdir working directory (relative to the session's work directory, or absolute), or {@code null} for the
 *     work directory itself
 * @since 0.2
 */
public record Command(List<String> argv, @Nullable String workdir) {
    /** @throws IllegalArgumentException if {@code argv} is empty or its program is blank */
    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        if (workdir != null && workdir.isBlank()) {
            throw new IllegalArgumentException("workdir must not be blank (use null for the work directory)");
        }
    }

    /** A command run in the work directory. */
    public static Command of(String... argv) {
        return new Command(List.of(argv), null);
    }

    /** A shell command line ({@code /bin/sh -c line}) run in {@code workdir} (null for the work directory). */
    public static Command shell(String line, @Nullable String workdir) {
        requireNonNull(line, "line");
        return new Command(List.of("/bin/sh", "-c", line), workdir);
    }

    /** The same command in another directory. */
    public Command in(String workdir) {
        return new Command(argv, requireNonNull(workdir, "workdir"));
    }
}
