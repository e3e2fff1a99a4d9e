package dev.sandbox4j.wasm;

import dev.sandbox4j.BackendUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where Deno and Pyodide are: set on the builder, else the environment variables {@code SANDBOX4J_DENO} and
 * {@code SANDBOX4J_PYODIDE}, else the default install location of {@code scripts/setup-wasm.sh}
 * ({@code $SANDBOX4J_WASM_HOME}, by default {@code /opt/sandbox4j-wasm}: {@code bin/deno} and {@code pyodide/}).
 *
 * @param deno the {@code deno} executable
 * @param pyodide the directory of the {@code pyodide} npm package ({@code pyodide.mjs}, {@code pyodide.asm.wasm},
 *     {@code python_stdlib.zip})
 */
record WasmInstallation(Path deno, Path pyodide) {
    static final String DEFAULT_HOME = "/opt/sandbox4j-wasm";
    static final String SETUP_HINT = "install them with scripts/setup-wasm.sh (npm packages deno and pyodide), or set "
            + "WasmSandbox.builder().deno(...)/.pyodide(...) or SANDBOX4J_DENO/SANDBOX4J_PYODIDE";
    private static final List<String> PYODIDE_FILES = List.of("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
            "python_stdlib.zip", "package.json");

    /**
     * Finds the installation.
     *
     * @throws BackendUnavailableException naming every place tried and the setup script
     */
    static WasmInstallation locate(@Nullable Path deno, @Nullable Path pyodide, Map<String, String> env) {
        String home = env.getOrDefault("SANDBOX4J_WASM_HOME", DEFAULT_HOME);
        List<String> attempts = new ArrayList<>();
        Path d = pick(deno, "builder deno()", env.get("SANDBOX4J_DENO"), "SANDBOX4J_DENO",
                Path.of(home, "bin", "deno"), attempts, WasmInstallation::isExecutable, "not an executable file");
        Path p = pick(pyodide, "builder pyodide()", env.get("SANDBOX4J_PYODIDE"), "SANDBOX4J_PYODIDE",
                Path.of(home, "pyodide"), attempts, WasmInstallation::isPyodide,
                "not a pyodide package directory (needs " + String.join(", ", PYODIDE_FILES) + ")");
        if (d == null || p == null) {
            throw new BackendUnavailableException("Deno and Pyodide are needed for the wasm backend: "
                    + String.join("; ", attempts) + ". " + SETUP_HINT, attempts, null);
        }
        return new WasmInstallation(real(d), real(p));
    }

    private static @Nullable Path pick(@Nullable Path explicit, String explicitName, @Nullable String fromEnv,
            String envName, Path fallback, List<String> attempts, java.util.function.Predicate<Path> ok,
            String why) {
        if (explicit != null) {
            if (ok.test(explicit)) {
                return explicit;
            }
            attempts.add(explicitName + " '" + explicit + "': " + why);
            return null;
        }
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (ok.test(p)) {
                return p;
            }
            attempts.add(envName + "='" + fromEnv + "': " + why);
            return null;
        }
        if (ok.test(fallback)) {
            return fallback;
        }
        attempts.add("default '" + fallback + "': " + (Files.exists(fallback) ? why : "missing"));
        return null;
    }

    /** Deno resolves symbolic links of module paths, so its read permissions must name the real paths. */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static boolean isExecutable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }

    private static boolean isPyodide(Path dir) {
        return Files.isDirectory(dir) && PYODIDE_FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }
}
