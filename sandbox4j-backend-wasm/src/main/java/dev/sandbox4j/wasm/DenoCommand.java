package dev.sandbox4j.wasm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Builds the {@code deno run} command lines of the driver: permission flags, V8 heap limit, driver arguments. */
final class DenoCommand {
    /** The V8 heap never gets less than this, whatever the memory limit: Deno itself needs some. */
    static final long MIN_HEAP_MIB = 64;

    private DenoCommand() {}

    /** Flags every driver process gets: no prompts, no config/lock file, no remote or npm modules. */
    private static List<String> base(Path deno) {
        List<String> argv = new ArrayList<>();
        argv.add(deno.toString());
        argv.add("run");
        argv.add("--quiet");
        argv.add("--no-prompt");
        argv.add("--no-config");
        argv.add("--no-lock");
        argv.add("--no-remote");
        argv.add("--no-npm");
        return argv;
    }

    /**
     * The command of a session's driver.
     *
     * @param snapshot a memory snapshot of an initialised interpreter, or {@code null} to initialise from scratch
     * @param memoryBytes limit of the interpreter's linear memory and of V8's heap
     */
    static List<String> serve(WasmInstallation installation, DenoPermissions permissions, Path driver,
            @Nullable Path snapshot, long memoryBytes) {
        List<String> argv = base(installation.deno());
        List<Path> read = new ArrayList<>();
        read.add(installation.pyodide());
        read.add(driver); // the interpreter's worker loads the driver module again
        if (snapshot != null) {
            read.add(snapshot);
        }
        read.addAll(permissions.read());
        argv.add("--allow-read=" + join(read));
        if (!permissions.write().isEmpty()) {
            argv.add("--allow-write=" + join(permissions.write()));
        }
        if (!permissions.net().isEmpty()) {
            argv.add(permissions.allNet() ? "--allow-net" : "--allow-net=" + String.join(",", permissions.net()));
        }
        if (permissions.env()) {
            argv.add("--allow-env");
        }
        if (permissions.run()) {
            argv.add("--allow-run");
        }
        if (permissions.ffi()) {
            argv.add("--allow-ffi");
        }
        long heapMib = Math.max(MIN_HEAP_MIB, memoryBytes / (1024 * 1024));
        argv.add("--v8-flags=--max-old-space-size=" + heapMib);
        argv.add(driver.toString());
        argv.add("serve");
        argv.add(installation.pyodide() + "/");
        argv.add(snapshot == null ? "" : snapshot.toString());
        argv.add(Long.toString(memoryBytes));
        // Pyodide's files are not needed once it is loaded; keep them readable only if the caller granted reads
        argv.add(permissions.read().isEmpty() ? "1" : "0");
        return List.copyOf(argv);
    }

    /** The command that writes a memory snapshot of a freshly initialised interpreter to {@code target}. */
    static List<String> snapshot(WasmInstallation installation, Path driver, Path target) {
        List<String> argv = base(installation.deno());
        argv.add("--allow-read=" + installation.pyodide());
        argv.add("--allow-write=" + target);
        argv.add(driver.toString());
        argv.add("snapshot");
        argv.add(installation.pyodide() + "/");
        argv.add(target.toString());
        return List.copyOf(argv);
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).distinct().collect(Collectors.joining(","));
    }
}
