package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One program for {@link BoxRuntime#run}: the files and command line of a language's {@link ExecutionPlan}, with what
 * the engine adds (the full environment, standard input, working directory, output directory).
 *
 * <p>Arrays are copied on the way in and out, so the request cannot be changed after it is made.
 *
 * @param runDir absolute directory where the files go (the plan's {@link PlanContext#runDir()})
 * @param files file names relative to {@code runDir} and their content, in order
 * @param argv the command line, e.g. {@code python3 -u /tmp/.sandbox4j/r1/main.py arg}
 * @param env the program's whole environment (the box's base environment, the plan's, the run's)
 * @param stdin bytes for standard input, or {@code null} for none (end of file at once)
 * @param workdir absolute directory the program starts in, or {@code null} for the session's work directory
 * @param outputDir absolute directory to empty (create) before the program starts, whose files the engine then
 *     collects as artifacts, or {@code null}
 * @since 0.2
 */
public record ProgramRequest(String runDir, Map<String, byte[]> files, List<String> argv, Map<String, String> env,
        byte @Nullable [] stdin, @Nullable String workdir, @Nullable String outputDir) {
    public ProgramRequest {
        requireNonNull(runDir, "runDir");
        Map<String, byte[]> copy = new LinkedHashMap<>();
        requireNonNull(files, "files").forEach((name, content) -> copy.put(requireNonNull(name, "file name"),
                requireNonNull(content, "file content").clone()));
        files = Collections.unmodifiableMap(copy);
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        stdin = stdin == null ? null : stdin.clone();
    }

    /** The files; each array is a fresh copy. */
    @Override
    public Map<String, byte[]> files() {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((name, content) -> copy.put(name, content.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /** A copy of the bytes for standard input, or {@code null}. */
    @Override
    public byte @Nullable [] stdin() {
        return stdin == null ? null : stdin.clone();
    }

    /** Compares all components; arrays by content. */
    @Override
    public boolean equals(@Nullable Object o) {
        if (!(o instanceof ProgramRequest other) || !runDir.equals(other.runDir) || !argv.equals(other.argv)
                || !env.equals(other.env) || !Arrays.equals(stdin, other.stdin)
                || !java.util.Objects.equals(workdir, other.workdir)
                || !java.util.Objects.equals(outputDir, other.outputDir) || files.size() != other.files.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.files.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(runDir, files.keySet(), argv, env, Arrays.hashCode(stdin), workdir, outputDir);
    }

    /** Without the files' and stdin's content, which may be secret. */
    @Override
    public String toString() {
        return "ProgramRequest[runDir=" + runDir + ", files=" + files.keySet() + ", argv=" + argv + ", env="
                + env.keySet() + ", stdin=" + (stdin == null ? "none" : stdin.length + " bytes") + ", workdir="
                + workdir + ", outputDir=" + outputDir + "]";
    }
}
