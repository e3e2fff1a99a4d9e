package dev.sandbox4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlanContextTest {

    @Test
    void pathJoinsRunDirAndFileName() {
        PlanContext context = new PlanContext("/workspace/.run/42", List.of());

        assertThat(context.path("main.py")).isEqualTo("/workspace/.run/42/main.py");
        assertThat(context.path("src/Main.java")).isEqualTo("/workspace/.run/42/src/Main.java");
    }

    @Test
    void copiesArgsAndKeepsThemUnmodifiable() {
        List<String> args = new ArrayList<>(List.of("a", "b"));
        PlanContext context = new PlanContext("/run", args);

        args.add("c");

        assertThat(context.args()).containsExactly("a", "b");
        assertThatThrownBy(() -> context.args().add("d")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsNullRunDirNamingIt() {
        assertThatThrownBy(() -> new PlanContext(null, List.of()))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("runDir");
    }

    @Test
    void rejectsNullArgs() {
        assertThatThrownBy(() -> new PlanContext("/run", null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "./run", "workspace/.run/1", "~/run"})
    void rejectsRelativeRunDir(String runDir) {
        assertThatThrownBy(() -> new PlanContext(runDir, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("runDir ('" + runDir + "') must be an absolute path");
    }

    @Test
    void relativeRunDirMessageStripsControlCharacters() {
        assertThatThrownBy(() -> new PlanContext("\u001b[31mrun", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\u001b");
    }
}
