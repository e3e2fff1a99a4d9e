package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.BackendUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WasmSandboxBuilderTest {
    @Test
    void permissionsAreDeniedByDefault() {
        assertThat(WasmSandbox.builder().permissions()).isEqualTo(DenoPermissions.none());
    }

    @Test
    void collectsPermissions() {
        DenoPermissions p = WasmSandbox.builder().allowEnv().allowRead(Path.of("/data")).allowWrite(Path.of("/out"))
                .allowNet("example.com", "example.org:443").allowRun().allowFfi().permissions();
        assertThat(p).isEqualTo(new DenoPermissions(true, List.of(Path.of("/data")), List.of(Path.of("/out")),
                List.of("example.com", "example.org:443"), true, true));
        assertThat(WasmSandbox.builder().allowAllNet().permissions().allNet()).isTrue();
    }

    @Test
    void refusesMalformedOptionsAtOnce() {
        assertThatThrownBy(() -> WasmSandbox.builder().allowNet()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one host");
        assertThatThrownBy(() -> WasmSandbox.builder().allowNet("http://x.org/"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'http://x.org/'");
        assertThatThrownBy(() -> WasmSandbox.builder().allowNet("a.org,b.org"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WasmSandbox.builder().allowRead(Path.of("/a,b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("','");
        assertThatThrownBy(() -> WasmSandbox.builder().defaultTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defaultTimeout");
        assertThatThrownBy(() -> WasmSandbox.builder().principal(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingInstallationNamesEveryPlaceAndTheSetupScript(@TempDir Path tmp) {
        assertThatThrownBy(() -> WasmSandbox.builder()
                        .environment(Map.of("SANDBOX4J_WASM_HOME", tmp.toString())).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(tmp.resolve("bin/deno").toString())
                .hasMessageContaining(tmp.resolve("pyodide").toString())
                .hasMessageContaining("scripts/setup-wasm.sh");
    }

    @Test
    void locatesThroughBuilderThenEnvironmentThenDefault(@TempDir Path tmp) throws IOException {
        Path deno = executable(tmp.resolve("a/deno"));
        Path otherDeno = executable(tmp.resolve("b/deno"));
        Path pyodide = pyodide(tmp.resolve("p"));
        Map<String, String> env = Map.of("SANDBOX4J_DENO", otherDeno.toString(), "SANDBOX4J_PYODIDE",
                pyodide.toString());
        assertThat(WasmInstallation.locate(deno, null, env).deno()).isEqualTo(deno.toRealPath());
        assertThat(WasmInstallation.locate(null, null, env).deno()).isEqualTo(otherDeno.toRealPath());
        Path home = tmp.resolve("home");
        executable(home.resolve("bin/deno"));
        pyodide(home.resolve("pyodide"));
        WasmInstallation fromHome = WasmInstallation.locate(null, null, Map.of("SANDBOX4J_WASM_HOME",
                home.toString()));
        assertThat(fromHome.pyodide()).isEqualTo(home.resolve("pyodide").toRealPath());
    }

    @Test
    void aWrongExplicitPathIsNamed(@TempDir Path tmp) throws IOException {
        Path pyodide = pyodide(tmp.resolve("p"));
        assertThatThrownBy(() -> WasmInstallation.locate(tmp.resolve("nope"), pyodide, Map.of()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("builder deno() '" + tmp.resolve("nope") + "': not an executable file");
    }

    private static Path executable(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static Path pyodide(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                "package.json")) {
            Files.writeString(dir.resolve(f), "{}");
        }
        return dir;
    }
}
