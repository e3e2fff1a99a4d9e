package dev.sandbox4j.wasm;

import dev.sandbox4j.BackendUnavailableException;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Builds clients for the integration tests. Without Deno/Pyodide (see scripts/setup-wasm.sh) the tests are skipped,
 * or fail with {@code -Dsandbox.it.strict=true}.
 */
final class WasmTestSupport {
    private WasmTestSupport() {}

    /** Checks that Deno and Pyodide are installed (skips or fails the test otherwise). */
    static void requireInstallation() {
        try {
            WasmInstallation.locate(null, null, System.getenv());
        } catch (BackendUnavailableException e) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Deno and Pyodide required (sandbox.it.strict=true): " + e.getMessage());
            }
            Assumptions.abort("Deno/Pyodide not installed: " + e.getMessage());
        }
    }

    static WasmSandbox.Builder builder() {
        requireInstallation();
        return WasmSandbox.builder().environment(Map.copyOf(System.getenv()));
    }
}
