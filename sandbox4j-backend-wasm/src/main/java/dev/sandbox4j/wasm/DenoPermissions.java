package dev.sandbox4j.wasm;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;

/**
 * What Deno lets the sandboxed program do outside WebAssembly. Programs reach the Deno API through Pyodide's
 * {@code import js}, so these permissions, not Python, are the boundary. Everything is denied by default; Pyodide's own
 * files are readable while the interpreter loads and that permission is revoked before any program runs (unless
 * {@link #read()} grants more).
 *
 * @param env whether the program may read environment variables ({@code --allow-env}); the Deno process gets an empty
 *     environment either way, so this reveals nothing of the host's
 * @param read host paths the program may read ({@code --allow-read=...})
 * @param write host paths the program may write ({@code --allow-write=...})
 * @param net hosts ({@code host} or {@code host:port}) the program may connect to ({@code --allow-net=...}); the
 *     single entry {@code *} allows every host
 * @param run whether the program may start host processes ({@code --allow-run}): this gives up the sandbox
 * @param ffi whether the program may load native libraries ({@code --allow-ffi}): this gives up the sandbox
 * @since 0.2
 */
public record DenoPermissions(boolean env, List<Path> read, List<Path> write, List<String> net, boolean run,
        boolean ffi) {
    private static final DenoPermissions NONE = new DenoPermissions(false, List.of(), List.of(), List.of(), false,
            false);

    public DenoPermissions {
        read = List.copyOf(requireNonNull(read, "read"));
        write = List.copyOf(requireNonNull(write, "write"));
        net = List.copyOf(requireNonNull(net, "net"));
    }

    /** Everything denied (the default). */
    public static DenoPermissions none() {
        return NONE;
    }

    /** Whether the program may connect to every host. */
    public boolean allNet() {
        return net.equals(List.of("*"));
    }
}
