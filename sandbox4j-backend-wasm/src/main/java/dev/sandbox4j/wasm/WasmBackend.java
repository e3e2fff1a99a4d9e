package dev.sandbox4j.wasm;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxRuntime;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.DirectBackend;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebAssembly backend of the one {@code SandboxClient} ({@code SandboxClient.builder().backend("wasm")}): each box
 * is a Deno process running Pyodide ({@link WasmRuntime}); the engine's session pipeline (policy, installs, the run's
 * limits, artifacts, sanitiser, audit, history) does the rest. Python only, stateless sessions; what WebAssembly
 * cannot do is declared in {@link #lacks()}.
 */
final class WasmBackend implements DirectBackend {
    static final Map<Feature, String> LACKS = Map.of(
            Feature.COMMANDS, "the wasm backend runs Python in WebAssembly: there is no shell and no processes to "
                    + "exec; use a container backend for commands",
            Feature.COMMIT, "the wasm backend has no images to commit",
            Feature.COPY_TREES, "the wasm backend copies single files out of the sandbox, not directories",
            Feature.KERNEL, "stateful sessions on the wasm backend are not available through SandboxClient yet; "
                    + "use WasmSandbox.builder() for them");

    private final WasmSandboxClient client;
    private final Map<String, WasmRuntime> boxes = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    WasmBackend(WasmSandboxClient client) {
        this.client = client;
    }

    @Override
    public String name() {
        return "wasm";
    }

    @Override
    public String describe() {
        return client.backendDescription();
    }

    @Override
    public Map<Feature, String> lacks() {
        return LACKS;
    }

    @Override
    public Set<String> languages() {
        return Set.of("python");
    }

    @Override
    public String image(String language) {
        return client.image();
    }

    @Override
    public boolean imageExists(String image) {
        return image.equals(client.image());
    }

    /** Starts the box's interpreter at once, so that a broken installation fails the session's opening. */
    @Override
    public Box create(BoxSpec spec) {
        if (!spec.runtime().workdir().equals("/workspace")) {
            throw new IllegalArgumentException("workdir ('" + spec.runtime().workdir() + "') must be /workspace on "
                    + "the wasm backend");
        }
        if (spec.limits().memory().compareTo(WasmSandboxClient.MIN_MEMORY) < 0) {
            throw new IllegalArgumentException("memory (" + spec.limits().memory() + ") must be at least "
                    + WasmSandboxClient.MIN_MEMORY + " for the wasm backend (the interpreter alone takes about "
                    + "32 MiB)");
        }
        String id = "wasm-" + ids.incrementAndGet();
        WasmRuntime runtime = new WasmRuntime(client, "sandbox4j-" + spec.name(), spec.limits().memory().bytes(),
                spec.runtime().workdir());
        boxes.put(id, runtime);
        try {
            runtime.start();
        } catch (RuntimeException e) {
            boxes.remove(id);
            runtime.close();
            throw e;
        }
        return new Box(id, spec.name(), spec);
    }

    @Override
    public BoxRuntime runtime(Box box) {
        WasmRuntime r = boxes.get(box.id());
        if (r == null) {
            throw new BackendException("wasm", "no box " + box.id() + " (removed)", null);
        }
        return r;
    }

    @Override
    public void remove(String boxId) {
        WasmRuntime r = boxes.remove(boxId);
        if (r != null) {
            r.close();
        }
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        return List.of();
    }

    @Override
    public void close() {
        boxes.keySet().forEach(this::remove);
        client.close();
    }
}
