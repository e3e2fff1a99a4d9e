package dev.sandbox4j.core;

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
}
