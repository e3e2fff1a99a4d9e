package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Files to write into the run directory (names relative to it) and the command that runs them.
 *
 * <p>File contents are copied on the way in and on the way out: changing an array passed to the constructor or
 * obtained from {@link #files()} never changes the plan.
 *
 * @param files file names (relative paths of segments made of {@code [A-Za-z0-9._-]}, no {@code .} or {@code ..}
 *     segments) mapped to their contents, in the order they are written
 * @param argv program and arguments that run the files
 * @param env environment variables for the run (and the compile step)
 * @param compile command that builds the files before {@code argv} runs (compiled languages), or empty. It runs in its
 *     own exec with its own timeout and no stdin; if it fails the run ends with status {@code compile_error} and the
 *     compiler's output, and {@code argv} never runs
 * @since 0.1
 */
public record ExecutionPlan(Map<String, byte[]> files, List<String> argv, Map<String, String> env,
        List<String> compile) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    /**
     * @throws IllegalArgumentException if a file name is not a plain relative path or {@code argv} is empty
     * @throws NullPointerException if a file name or contents, an {@code argv} element or an environment entry is
     *     {@code null}
     */
    public ExecutionPlan {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((name, content) -> {
            requireNonNull(name, "files key");
            if (!isPlainRelativePath(name)) {
                throw new IllegalArgumentException("plan file name '" + Texts.sanitize(name, 60)
                        + "' must be a plain relative path");
            }
            requireNonNull(content, () -> "files value for '" + Texts.sanitize(name, 60) + "'");
            copy.put(name, content.clone());
        });
        files = Collections.unmodifiableMap(copy);
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = Map.copyOf(env);
        compile = List.copyOf(compile);
    }

    /** A plan without a compile step. */
    public ExecutionPlan(Map<String, byte[]> files, List<String> argv, Map<String, String> env) {
        this(files, argv, env, List.of());
    }

    /**
     * The files to write, in order. The map is unmodifiable and its arrays are fresh copies made on every call, so
     * callers may keep or change them without affecting the plan.
     */
    @Override
    public Map<String, byte[]> files() {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((name, content) -> copy.put(name, content.clone()));
        return Collections.unmodifiableMap(copy);
    }

    private static boolean isPlainRelativePath(String name) {
        for (String segment : name.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
