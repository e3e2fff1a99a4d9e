package dev.sandbox4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExecutionPlanTest {
    private static final byte[] CODE = "print(1)".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @ValueSource(strings = {"main.py", "src/Main.java", "a-b_c.d", "pkg/sub/mod.go", ".hidden", "Makefile"})
    void acceptsPlainRelativeFileNames(String name) {
        ExecutionPlan plan = new ExecutionPlan(Map.of(name, CODE), List.of("run"), Map.of());

        assertThat(plan.files()).containsOnlyKeys(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../escape.py",
                "..",
                "a/../b",
                "a/..",
                "/etc/passwd",
                "/main.py",
                "",
                "a//b",
                "a/",
                "a b.py",
                "a\\b",
                "~/x",
                "a\nb"
            })
    void rejectsFileNamesThatAreNotPlainRelativePaths(String name) {
        assertThatThrownBy(() -> new ExecutionPlan(Map.of(name, CODE), List.of("run"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plan file name '")
                .hasMessageContaining("must be a plain relative path");
    }

    @Test
    void fileNameMessageQuotesTheName() {
        assertThatThrownBy(() -> new ExecutionPlan(Map.of("/etc/passwd", CODE), List.of("run"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("plan file name '/etc/passwd' must be a plain relative path");
    }

    @Test
    void fileNameMessageStripsControlCharacters() {
        assertThatThrownBy(() -> new ExecutionPlan(Map.of("\u001b[31mx", CODE), List.of("run"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\u001b");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "a/.", "./main.py", "a/./b"})
    void rejectsDotSegments(String name) {
        assertThatThrownBy(() -> new ExecutionPlan(Map.of(name, CODE), List.of("run"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEmptyArgv() {
        assertThatThrownBy(() -> new ExecutionPlan(Map.of(), List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argv must not be empty");
    }

    @Test
    void keepsFileOrder() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("z.py", CODE);
        files.put("a.py", CODE);
        files.put("m.py", CODE);

        ExecutionPlan plan = new ExecutionPlan(files, List.of("python3", "z.py"), Map.of());

        assertThat(plan.files().keySet()).containsExactly("z.py", "a.py", "m.py");
    }

    @Test
    void copiesTheCollectionsItIsGiven() {
        Map<String, byte[]> files = new HashMap<>(Map.of("main.py", CODE));
        List<String> argv = new ArrayList<>(List.of("python3", "main.py"));
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        ExecutionPlan plan = new ExecutionPlan(files, argv, env);

        files.put("other.py", CODE);
        argv.add("extra");
        env.put("B", "2");

        assertThat(plan.files()).containsOnlyKeys("main.py");
        assertThat(plan.argv()).containsExactly("python3", "main.py");
        assertThat(plan.env()).containsOnly(Map.entry("A", "1"));
    }

    @Test
    void collectionsAreUnmodifiable() {
        ExecutionPlan plan = new ExecutionPlan(Map.of("main.py", CODE), List.of("python3"), Map.of("A", "1"));

        assertThatThrownBy(() -> plan.files().put("x.py", CODE)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> plan.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> plan.env().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void mutatingAFileArrayPassedInDoesNotChangeThePlan() {
        byte[] content = {1, 2, 3};
        ExecutionPlan plan = new ExecutionPlan(Map.of("main.py", content), List.of("run"), Map.of());

        content[0] = 9;

        assertThat(plan.files().get("main.py")).containsExactly(1, 2, 3);
    }

    @Test
    void rejectsNullArgvElement() {
        List<String> argv = new ArrayList<>();
        argv.add(null);

        assertThatThrownBy(() -> new ExecutionPlan(Map.of(), argv, Map.of())).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a..b.txt", "..hidden", "a/...", "x/y..z/w.py"})
    void acceptsNamesThatMerelyContainDots(String name) {
        ExecutionPlan plan = new ExecutionPlan(Map.of(name, CODE), List.of("run"), Map.of());

        assertThat(plan.files()).containsOnlyKeys(name);
    }

    @Test
    void fileNameMessageTruncatesLongNames() {
        String name = "/" + "x".repeat(100);
        assertThatThrownBy(() -> new ExecutionPlan(Map.of(name, CODE), List.of("run"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("x".repeat(60));
    }

    @Test
    void rejectsNullFileContentsNamingTheFile() {
        Map<String, byte[]> files = new HashMap<>();
        files.put("main.py", null);

        assertThatThrownBy(() -> new ExecutionPlan(files, List.of("run"), Map.of()))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("files value for 'main.py'");
    }

    @Test
    void mutatingAFileArrayObtainedDoesNotChangeThePlan() {
        ExecutionPlan plan = new ExecutionPlan(Map.of("main.py", new byte[] {1, 2, 3}), List.of("run"), Map.of());

        plan.files().get("main.py")[0] = 9;

        assertThat(plan.files().get("main.py")).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> plan.files().put("x.py", CODE)).isInstanceOf(UnsupportedOperationException.class);
    }
}
