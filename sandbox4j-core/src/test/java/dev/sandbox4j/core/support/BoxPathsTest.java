package dev.sandbox4j.core.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BoxPathsTest {
    @Test
    void resolvesRelativeAndAbsolutePathsInsideWritableDirs() {
        assertThat(BoxPaths.resolve("/workspace", "a.txt")).isEqualTo("/workspace/a.txt");
        assertThat(BoxPaths.resolve("/workspace", "./d//b.txt")).isEqualTo("/workspace/d/b.txt");
        assertThat(BoxPaths.resolve("/workspace", "/workspace/x")).isEqualTo("/workspace/x");
        assertThat(BoxPaths.resolve("/workspace", "/tmp/y")).isEqualTo("/tmp/y");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/../../etc", "/workspace/../etc/passwd", "..", "/etc/passwd",
        "/workspacex/a", "/tmpx", "", " ", "a\nb", "/workspace", "/tmp/", "a\u0000b"})
    void refusesEscapesAndNonsense(String path) {
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", path)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusalsSayWhy() {
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", "../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path traversal");
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", "/lib/python3.14/os.py"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", "/tmp"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names a directory");
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> BoxPaths.resolve("/workspace", "a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "./", "/workspace", "/workspace/", "/workspace//", "/workspace/.", "/workspace/./"})
    void resolveAllowingRootAcceptsTheWorkDirectoryItself(String path) {
        assertThat(BoxPaths.resolveAllowingRoot("/workspace", path)).isEqualTo("/workspace");
    }

    @Test
    void resolveAllowingRootOtherwiseResolvesLikeResolve() {
        assertThat(BoxPaths.resolveAllowingRoot("/workspace", "sub/dir/")).isEqualTo("/workspace/sub/dir");
        assertThat(BoxPaths.resolveAllowingRoot("/workspace", "./a//b")).isEqualTo("/workspace/a/b");
        assertThat(BoxPaths.resolveAllowingRoot("/workspace", "/tmp/out")).isEqualTo("/tmp/out");
        assertThat(BoxPaths.resolveAllowingRoot("/home/u", "x")).isEqualTo("/home/u/x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../", "/workspace/..", "/", "/tmp", "/tmp/", "/etc", "/workspacex", "a/../..",
        "/workspace/../etc", "a\nb", "./\u0000", " "})
    void resolveAllowingRootStillRefusesEscapes(String path) {
        assertThatThrownBy(() -> BoxPaths.resolveAllowingRoot("/workspace", path))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void workdirResolvesRelativePathsAgainstTheWorkDirectory() {
        assertThat(BoxPaths.workdir("/workspace", "src")).isEqualTo("/workspace/src");
        assertThat(BoxPaths.workdir("/workspace", "./src//app/")).isEqualTo("/workspace/src/app");
        assertThat(BoxPaths.workdir("/workspace", ".")).isEqualTo("/workspace");
        assertThat(BoxPaths.workdir("/workspace", "./")).isEqualTo("/workspace");
        assertThat(BoxPaths.workdir("/workspace", "...")).isEqualTo("/workspace/...");
        assertThat(BoxPaths.workdir("/workspace", "a b")).isEqualTo("/workspace/a b");
    }

    @Test
    void workdirAllowsAnyAbsolutePath() {
        assertThat(BoxPaths.workdir("/workspace", "/usr/lib/")).isEqualTo("/usr/lib");
        assertThat(BoxPaths.workdir("/workspace", "/")).isEqualTo("/");
        assertThat(BoxPaths.workdir("/workspace", "//etc//./ssl")).isEqualTo("/etc/ssl");
        assertThat(BoxPaths.workdir("/workspace", "/tmp")).isEqualTo("/tmp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../b", "/tmp/..", "/..", "a/..", "a\tb", "a\nb", "x\u0000", "\u007f",
        "dir\r"})
    void workdirRefusesDotDotAndControlCharacters(String path) {
        assertThatThrownBy(() -> BoxPaths.workdir("/workspace", path)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workdir")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u0000", "\t"));
    }
}
