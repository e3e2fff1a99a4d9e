package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultViewTest {
    static final Violation EVAL = new Violation("pattern:python.eval", "dynamic code", Severity.MEDIUM, 2, 5, "eval(x)");

    static ExecutionResult killed() {
        return new ExecutionResult("out", "err", 137, Duration.ofMillis(1234), ExecutionStatus.TIMED_OUT,
                "timed out after 1 s", false, true, List.of(EVAL), List.of(new Redaction("password", 2)),
                List.of(Artifact.of("plot.png", new byte[] {1, 2, 3})));
    }

    @Test
    void hasTheRestContractsFieldsInOrder() {
        Map<String, Object> m = ResultView.of(killed());
        assertThat(m).containsOnlyKeys("status", "exit_code", "stdout", "stderr", "duration_ms", "timed_out",
                "kill_reason", "stdout_truncated", "stderr_truncated", "violations", "artifacts", "redactions",
                "resource_usage", "phases_ms");
        assertThat(m).containsEntry("resource_usage", null).containsEntry("phases_ms", Map.of());
        assertThat(ResultView.of(killed().withResourceUsage(new ResourceUsage(Duration.ofMillis(12),
                Duration.ofMillis(3), DataSize.ofMegabytes(40)))).get("resource_usage")).isEqualTo(Map.of(
                        "cpu_user_ms", 12L, "cpu_system_ms", 3L, "peak_memory_bytes", 40L * 1024 * 1024));
        assertThat(List.copyOf(m.keySet())).startsWith("status", "exit_code", "stdout", "stderr", "duration_ms");
        assertThat(m).containsEntry("status", "timed_out").containsEntry("exit_code", 137)
                .containsEntry("duration_ms", 1234L).containsEntry("timed_out", true)
                .containsEntry("kill_reason", "timed out after 1 s").containsEntry("stderr_truncated", true);
        assertThat(m.get("violations")).isEqualTo(List.of(Map.of("rule", "pattern:python.eval", "severity", "medium",
                "line", 2, "column", 5, "description", "dynamic code", "snippet", "eval(x)")));
        assertThat(m.get("artifacts")).isEqualTo(List.of(Map.of("name", "plot.png", "mime_type", "image/png",
                "size", 3L, "content_base64", "AQID")));
        assertThat(m.get("redactions")).isEqualTo(List.of(Map.of("kind", "password", "count", 2)));
    }

    @Test
    void phasesAreMillisecondsToTheMicrosecondInTheOrderTheyHappen() {
        ExecutionResult r = killed().withPhases(new PhaseTimings(Map.of(PhaseTimings.Phase.TEARDOWN,
                Duration.ofNanos(1_234_567), PhaseTimings.Phase.QUEUE, Duration.ofMillis(12),
                PhaseTimings.Phase.RUN, Duration.ofMillis(1234), PhaseTimings.Phase.ACQUIRE, Duration.ofNanos(412_000))));
        @SuppressWarnings("unchecked")
        Map<String, Object> phases = (Map<String, Object>) ResultView.of(r).get("phases_ms");
        assertThat(List.copyOf(phases.keySet())).containsExactly("queue", "acquire", "run", "teardown");
        assertThat(phases).containsEntry("queue", 12.0).containsEntry("acquire", 0.412).containsEntry("run", 1234.0)
                .containsEntry("teardown", 1.235);
    }

    @Test
    void aCellComesWithAStatefulRunOnly() {
        CellOutput cell = new CellOutput(3, Map.of("text/plain", "42"), List.of(Map.of("image/png", "iVBO",
                "text/plain", "<Figure>")), new CellOutput.CellError("ZeroDivisionError", "division by zero",
                List.of("line 1")), false);
        ExecutionResult r = new ExecutionResult("", "", 1, Duration.ZERO, ExecutionStatus.NONZERO_EXIT, null, false,
                false, List.of(), List.of(), List.of(), cell);
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) ResultView.of(r).get("cell");
        assertThat(c).containsEntry("execution_count", 3).containsEntry("value", Map.of("text/plain", "42"))
                .containsEntry("kernel_restarted", false)
                .containsEntry("displays", List.of(Map.of("image/png", "iVBO", "text/plain", "<Figure>")))
                .containsEntry("error", Map.of("name", "ZeroDivisionError", "value", "division by zero",
                        "traceback", List.of("line 1")));
        assertThat(ResultView.of(killed())).doesNotContainKey("cell");
    }

    @Test
    void forModelsCutsOutputAndLeavesBinaryContentOut() {
        String big = "HEAD" + "x".repeat(5000) + "TAIL";
        CellOutput cell = new CellOutput(1, Map.of(), List.of(Map.of("image/png", "iVBO", "text/plain", "<Figure>")),
                null, false);
        ExecutionResult r = new ExecutionResult(big, "", 0, Duration.ZERO, ExecutionStatus.OK, null, false, false,
                List.of(), List.of(), List.of(Artifact.of("a.bin", new byte[] {1})), cell);
        Map<String, Object> m = ResultView.of(r, ResultView.Options.forModels(200));
        assertThat((String) m.get("stdout")).startsWith("HEAD").endsWith("TAIL").contains("characters omitted")
                .hasSizeLessThan(300);
        assertThat(m).containsEntry("stdout_truncated", true).containsEntry("stderr_truncated", false);
        @SuppressWarnings("unchecked")
        Map<String, Object> artifact = ((List<Map<String, Object>>) m.get("artifacts")).get(0);
        assertThat(artifact).containsEntry("name", "a.bin").containsEntry("size", 1L)
                .containsEntry("content_base64", null);
        assertThat(((Map<?, ?>) m.get("cell")).get("displays")).isEqualTo(List.of(Map.of("text/plain", "<Figure>")));
        assertThat(ResultView.of(r).keySet()).as("the same fields either way")
                .isEqualTo(m.keySet());
    }

    @Test
    void theAuditLogWritesTheRunFieldsItSharesAsTheViewDoes() throws Exception {
        ExecutionResult r = killed();
        StringWriter lines = new StringWriter();
        JsonLinesAuditListener.toWriter(lines).runFinished(new RunEvent(Instant.now(), "s1", "acme/alice", "python",
                "run", "00", ResourceLimits.defaults(), Duration.ofSeconds(1), r.status(), r.exitCode(),
                r.duration(), r.killReason(), List.of("password")));
        ObjectMapper json = new ObjectMapper();
        JsonNode audit = json.readTree(lines.toString());
        JsonNode view = json.readTree(json.writeValueAsString(ResultView.of(r)));
        for (String field : List.of("status", "exit_code", "duration_ms", "kill_reason")) {
            assertThat(audit.get(field)).as(field).isEqualTo(view.get(field));
        }
    }
}
