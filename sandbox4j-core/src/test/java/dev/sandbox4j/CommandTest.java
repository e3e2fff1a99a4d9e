package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandTest {
    @Test
    void ofRunsInTheWorkDirectory() {
        Command c = Command.of("ls", "-la");
        assertThat(c.argv()).containsExactly("ls", "-la");
        assertThat(c.workdir()).isNull();
    }

    @Test
    void shellWrapsTheLineInShDashC() {
        Command c = Command.shell("make && ./a.out | tee log", "build");
        assertThat(c.argv()).containsExactly("/bin/sh", "-c", "make && ./a.out | tee log");
        assertThat(c.workdir()).isEqualTo("build");
        assertThat(Command.shell("true", null).workdir()).isNull();
        assertThatThrownBy(() -> Command.shell(null, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("line");
    }

    @Test
    void inReturnsACopyInAnotherDirectory() {
        Command c = Command.of("make");
        Command moved = c.in("/tmp/project");
        assertThat(moved).isEqualTo(new Command(List.of("make"), "/tmp/project"));
        assertThat(c.workdir()).isNull();
        assertThatThrownBy(() -> c.in(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> c.in(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void argvIsCopiedAndUnmodifiable() {
        List<String> argv = new ArrayList<>(List.of("echo", "a"));
        Command c = new Command(argv, null);
        argv.add("b");
        assertThat(c.argv()).containsExactly("echo", "a");
        assertThatThrownBy(() -> c.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsEmptyCommands() {
        assertThatThrownBy(() -> new Command(List.of(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(Command::of).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("  \t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Command(null, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Command.of("echo", null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n"})
    void rejectsBlankWorkdirs(String workdir) {
        assertThatThrownBy(() -> new Command(List.of("ls"), workdir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workdir");
        assertThatThrownBy(() -> Command.shell("ls", workdir)).isInstanceOf(IllegalArgumentException.class);
    }
}
