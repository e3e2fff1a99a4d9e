package dev.sandbox4j.wasm;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.tck.SandboxTck;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit against the wasm backend (real Deno and Pyodide). Nothing is declared unsupported: the kit's
 * fork bomb finds no {@code fork} in WebAssembly (it raises OSError) and is ended by the timeout, and sockets are
 * cannot reach any network in Pyodide
 * (HTTP through Deno's fetch needs {@code allowNet}).
 */
class WasmTckIT extends SandboxTck {
    private static WasmSandboxClient client;

    @BeforeAll
    static void start() {
        client = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    protected SandboxClient client() {
        return client;
    }

    /** The Deno processes of the client's sessions, by process id. */
    @Override
    protected Set<String> liveBoxes() {
        return client.processIds().stream().map(String::valueOf).collect(Collectors.toSet());
    }
}
