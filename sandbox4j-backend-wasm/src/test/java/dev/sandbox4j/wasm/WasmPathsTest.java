package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WasmPathsTest {
    @Test
    void resolvesRelativePathsAgainstTheWorkdir() {
        assertThat(WasmPaths.resolve("/workspace", "a/./b.txt")).isEqualTo("/workspace/a/b.txt");
        assertThat(WasmPaths.resolve("/workspace", "/tmp//x")).isEqualTo("/tmp/x");
    }

    @Test
    void refusesTraversalAndPathsOutsideTheWritableDirectories() {
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", "../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path traversal");
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", "/lib/python3.14/os.py"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", "/workspacex/a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", "/tmp"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names a directory");
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> WasmPaths.resolve("/workspace", "a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control characters");
    }

    @Test
    void workdirMayBeAnyAbsolutePathWithoutTraversal() {
        assertThat(WasmPaths.workdir("/workspace", "sub")).isEqualTo("/workspace/sub");
        assertThat(WasmPaths.workdir("/workspace", "/lib")).isEqualTo("/lib");
        assertThatThrownBy(() -> WasmPaths.workdir("/workspace", "a/../..")).isInstanceOf(
                IllegalArgumentException.class);
    }
}
