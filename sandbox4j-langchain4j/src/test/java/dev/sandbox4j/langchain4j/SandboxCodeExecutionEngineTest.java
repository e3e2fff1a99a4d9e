package dev.sandbox4j.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.code.CodeExecutionEngine;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxCodeExecutionEngineTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void returnsWhatTheProgramPrintedAndRemovesTheBox() {
        backend.behaviour = r -> Behaviour.exit(0, "42\n", "");
        CodeExecutionEngine engine = SandboxCodeExecutionEngine.create(client, "python");
        assertThat(engine.execute("print(6 * 7)")).isEqualTo("42\n");
        // a one-shot run's box is removed in the background, after the result
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(backend.boxes).as("one-shot box removed").isEmpty());
        // a one-shot run's box is removed in the background, after the result
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(backend.removed).hasSize(1));
    }

    @Test
    void aFailingProgramIsReportedWithStatusExitCodeAndBothStreams() {
        backend.behaviour = r -> Behaviour.exit(1, "partial", "ZeroDivisionError: division by zero\n");
        String out = SandboxCodeExecutionEngine.create(client, "python").execute("1/0");
        assertThat(out).isEqualTo("""
                status: nonzero_exit (exit code 1)
                stdout:
                partial
                stderr:
                ZeroDivisionError: division by zero
                """);
    }

    @Test
    void formatsKillsPolicyRefusalsAndNotebookValues() {
        ExecutionResult timedOut = new ExecutionResult("tick\n", "", 137, Duration.ofSeconds(2),
                ExecutionStatus.TIMED_OUT, "timed out after 2s", true, false, List.of(), List.of(), List.of(), null);
        assertThat(SandboxCodeExecutionEngine.format(timedOut)).isEqualTo("""
                status: timed_out (exit code 137)
                stopped: timed out after 2s
                stdout (truncated):
                tick
                """);

        CellOutput cell = new CellOutput(3, Map.of("text/plain", "6"), List.of(), null, false);
        ExecutionResult value = new ExecutionResult("", "", 0, Duration.ofMillis(5), ExecutionStatus.OK, null,
                false, false, List.of(), List.of(), List.of(), cell);
        assertThat(SandboxCodeExecutionEngine.format(value)).isEqualTo("6");

        CellOutput error = new CellOutput(4, Map.of(), List.of(),
                new CellOutput.CellError("NameError", "name 'x' is not defined", List.of()), false);
        ExecutionResult failed = new ExecutionResult("", "", 1, Duration.ofMillis(5), ExecutionStatus.NONZERO_EXIT,
                null, false, false, List.of(), List.of(), List.of(), error);
        assertThat(SandboxCodeExecutionEngine.format(failed))
                .isEqualTo("status: nonzero_exit (exit code 1)\nerror: NameError: name 'x' is not defined");
    }

    @Test
    void aPersistentSessionServesEveryCallUntilClosed() {
        backend.behaviour = r -> Behaviour.exit(0, "ok\n", "");
        try (SandboxCodeExecutionEngine engine =
                SandboxCodeExecutionEngine.builder(client, "py").persistentSession(true).build()) {
            engine.execute("a = 1");
            engine.execute("print(a)");
            assertThat(backend.boxes).as("one box for both calls").hasSize(1);
            assertThat(client.openSessions()).isOne();
        }
        assertThat(client.openSessions()).isZero();
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void anUnknownLanguageIsRefusedWhenBuilding() {
        assertThatThrownBy(() -> SandboxCodeExecutionEngine.create(client, "rust"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Expected language one of [")
                .hasMessageContaining("but was 'rust'");
        assertThatThrownBy(() -> SandboxCodeExecutionEngine.create(client, " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("language must not be blank");
    }
}
