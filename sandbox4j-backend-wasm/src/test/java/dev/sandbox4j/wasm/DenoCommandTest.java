package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DenoCommandTest {
    private static final WasmInstallation INSTALL = new WasmInstallation(Path.of("/opt/w/bin/deno"),
            Path.of("/opt/w/pyodide"));
    private static final Path DRIVER = Path.of("/tmp/sandbox4j-wasm-1/driver.mjs");

    @Test
    void deniesEverythingButReadingPyodideByDefault() {
        List<String> argv = DenoCommand.serve(INSTALL, DenoPermissions.none(), DRIVER, Path.of("/c/p.snapshot"),
                256L << 20);
        assertThat(argv).startsWith("/opt/w/bin/deno", "run")
                .contains("--no-prompt", "--no-remote", "--no-npm", "--no-config",
                        "--allow-read=/opt/w/pyodide,/tmp/sandbox4j-wasm-1/driver.mjs,/c/p.snapshot", "--v8-flags=--max-old-space-size=256")
                .noneMatch(a -> a.startsWith("--allow-write") || a.startsWith("--allow-net")
                        || a.equals("--allow-env") || a.equals("--allow-run") || a.equals("--allow-ffi")
                        || a.equals("-A") || a.equals("--allow-all"));
        assertThat(argv).endsWith(DRIVER.toString(), "serve", "/opt/w/pyodide/", "/c/p.snapshot",
                Long.toString(256L << 20), "1");
    }

    @Test
    void mapsEachPermission() {
        DenoPermissions p = new DenoPermissions(true, List.of(Path.of("/data"), Path.of("/more")),
                List.of(Path.of("/out")), List.of("example.com", "10.0.0.1:8080"), true, true);
        List<String> argv = DenoCommand.serve(INSTALL, p, DRIVER, null, 512L << 20);
        assertThat(argv).contains("--allow-read=/opt/w/pyodide,/tmp/sandbox4j-wasm-1/driver.mjs,/data,/more", "--allow-write=/out",
                "--allow-net=example.com,10.0.0.1:8080", "--allow-env", "--allow-run", "--allow-ffi",
                "--v8-flags=--max-old-space-size=512");
        // no snapshot; Pyodide's files stay readable because the caller granted reads
        assertThat(argv).endsWith("", Long.toString(512L << 20), "0");
    }

    @Test
    void allNetIsTheBareFlag() {
        DenoPermissions p = new DenoPermissions(false, List.of(), List.of(), List.of("*"), false, false);
        assertThat(DenoCommand.serve(INSTALL, p, DRIVER, null, 128L << 20)).contains("--allow-net")
                .noneMatch(a -> a.startsWith("--allow-net="));
    }

    @Test
    void heapNeverGetsLessThanTheMinimum() {
        assertThat(DenoCommand.serve(INSTALL, DenoPermissions.none(), DRIVER, null, 10L << 20))
                .contains("--v8-flags=--max-old-space-size=" + DenoCommand.MIN_HEAP_MIB);
    }

    @Test
    void snapshotCommandMayWriteOnlyTheTarget() {
        List<String> argv = DenoCommand.snapshot(INSTALL, DRIVER, Path.of("/c/x.tmp"));
        assertThat(argv).contains("--allow-read=/opt/w/pyodide", "--allow-write=/c/x.tmp")
                .endsWith(DRIVER.toString(), "snapshot", "/opt/w/pyodide/", "/c/x.tmp");
    }
}
