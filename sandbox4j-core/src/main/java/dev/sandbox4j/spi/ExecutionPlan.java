package dev.sandbox4j.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files to write into the run directory (names relative to it) and the command that runs them.
 *
 * @since 0.1
 */
public record ExecutionPlan(Map<String, byte[]> files, List<String> argv, Map<String, String> env) {
    public ExecutionPlan {
        files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
        for (String name : files.keySet()) {
            if (!name.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*") || name.contains("..")) {
                throw new IllegalArgumentException("plan file name '" + name + "' must be a plain relative path");
            }
        }
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = Map.copyOf(env);
    }
}
