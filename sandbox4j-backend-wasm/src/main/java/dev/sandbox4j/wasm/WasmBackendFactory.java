package dev.sandbox4j.wasm;

import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.nio.file.Path;

/**
 * The {@code wasm} backend for {@code SandboxClient.builder().backend("wasm")}: Python in Pyodide under Deno. Used only
 * when named (never auto-detected). Backend properties: {@code wasm.deno}, {@code wasm.pyodide} (where they are;
 * default as {@link WasmSandbox.Builder}), {@code wasm.wheels} (a directory of pure-Python wheels sessions may
 * install), {@code wasm.snapshots} ({@code false} to start every interpreter from scratch).
 */
public final class WasmBackendFactory implements SandboxBackendFactory {
    @Override
    public String name() {
        return "wasm";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public boolean autoDetected() {
        return false;
    }

    @Override
    public Availability probe(BackendConfig config) {
        return WasmSandbox.availability();
    }

    @Override
    public SandboxBackend create(BackendConfig config) {
        WasmSandbox.Builder b = WasmSandbox.builder().eventListener(SandboxEventListener.NONE);
        String deno = config.get("wasm.deno");
        if (deno != null) {
            b.deno(Path.of(deno));
        }
        String pyodide = config.get("wasm.pyodide");
        if (pyodide != null) {
            b.pyodide(Path.of(pyodide));
        }
        String wheels = config.get("wasm.wheels");
        if (wheels != null) {
            b.wheels(Path.of(wheels));
        }
        if ("false".equalsIgnoreCase(config.get("wasm.snapshots"))) {
            b.snapshots(false);
        }
        return new WasmBackend(b.build());
    }
}
