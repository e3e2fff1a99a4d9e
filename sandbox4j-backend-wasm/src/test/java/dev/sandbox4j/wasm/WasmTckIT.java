package dev.sandbox4j.wasm;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.tck.SandboxTck;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit against the wasm backend (real Deno and Pyodide), through the one client
 * ({@code SandboxClient.builder().backend("wasm")}) and so through the engine's session pipeline. Nothing is declared
 * unsupported: the kit's fork bomb finds no {@code fork} in WebAssembly (it raises OSError) and is ended by the
 * timeout, and sockets cannot reach any network in Pyodide (HTTP through Deno's fetch needs {@code allowNet}).
 */
class WasmTckIT extends SandboxTck {
    private static SandboxClient client;

    @BeforeAll
    static void start() {
        WasmTestSupport.requireInstallation();
        client = SandboxClient.builder().backend("wasm").eventListener(SandboxEventListener.NONE).build();
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

    /** The Deno processes this JVM started (one per box), by process id. */
    @Override
    protected Set<String> liveBoxes() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("deno")).orElse(false))
                .map(p -> Long.toString(p.pid())).collect(Collectors.toSet());
    }
}
