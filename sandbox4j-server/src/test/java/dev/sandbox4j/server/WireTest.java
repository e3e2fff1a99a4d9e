package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {
    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsSnakeCaseRequests() {
        Wire.ExecuteRequest r = Wire.read(json("""
                {"language":"python","code":"print(1)","timeout_ms":1500,"memory_mb":256,"libraries":["x"],
                 "files":{"a.txt":"aGk="},"stdin":"in","policy":"strict","args":["a"],"capture_artifacts":false}
                """), Wire.ExecuteRequest.class);
        assertThat(r.language()).isEqualTo("python");
        assertThat(r.timeoutMs()).isEqualTo(1500L);
        assertThat(r.memoryMb()).isEqualTo(256);
        assertThat(r.files()).containsEntry("a.txt", "aGk=");
        assertThat(r.policy().asText()).isEqualTo("strict");
        assertThat(r.captureArtifacts()).isFalse();
    }

    @Test
    void malformedJsonIsInvalidJson() {
        assertThatThrownBy(() -> Wire.read(json("{\"code\": "), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status).isEqualTo(400);
                    assertThat(e.type).isEqualTo(Problem.INVALID_JSON);
                    assertThat(e.getMessage()).contains("line 1").doesNotContain("Source");
                });
        assertThatThrownBy(() -> Wire.read(new byte[0], Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.type).isEqualTo(Problem.INVALID_JSON));
        assertThatThrownBy(() -> Wire.read(json("[1]"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.type).isEqualTo(Problem.INVALID_JSON));
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"a\"} {}"), Wire.ExecuteRequest.class))
                .isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"a\",\"code\":\"b\"}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status).isEqualTo(400));
    }

    @Test
    void unknownFieldsAndWrongTypesNameTheField() {
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"x\",\"timeout\":5}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.type).isEqualTo(Problem.INVALID_REQUEST);
                    assertThat(e.extensions).containsEntry("field", "timeout");
                    assertThat(e.getMessage()).contains("unknown field 'timeout'").contains("timeout_ms");
                });
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"x\",\"timeout_ms\":\"5\"}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.extensions).containsEntry("field", "timeout_ms");
                    assertThat(e.getMessage()).isEqualTo("field 'timeout_ms' must be a whole number");
                });
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"x\",\"timeout_ms\":1.5}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.extensions)
                        .containsEntry("field", "timeout_ms"));
        assertThatThrownBy(() -> Wire.read(json("{\"code\":7}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("field 'code' must be a string"));
        assertThatThrownBy(() -> Wire.read(json("{\"code\":\"x\",\"files\":[\"a\"]}"), Wire.ExecuteRequest.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("field 'files' must be an object"));
    }

    @Test
    void resultIsSnakeCaseWithEveryContractField() {
        ExecutionResult r = new ExecutionResult("out", "err", 124, Duration.ofMillis(1500), ExecutionStatus.TIMED_OUT,
                "timed out after 1 s", true, false,
                List.of(new Violation("rule-1", "why", Severity.HIGH, 2, 3, "import os")),
                List.of(new Redaction("password", 1)), List.of(Artifact.of("figure-1.png", new byte[] {1, 2, 3})),
                new CellOutput(3, Map.of("text/plain", "42"), List.of(), null, false));
        JsonNode j = TestHttp.JSON.valueToTree(Wire.result(r));
        assertThat(j.fieldNames()).toIterable().containsExactly("status", "exit_code", "stdout", "stderr",
                "duration_ms", "timed_out", "kill_reason", "stdout_truncated", "stderr_truncated", "violations",
                "artifacts", "redactions", "resource_usage", "phases_ms", "cell");
        assertThat(j.get("status").asText()).isEqualTo("timed_out");
        assertThat(j.get("timed_out").asBoolean()).isTrue();
        assertThat(j.get("duration_ms").asLong()).isEqualTo(1500);
        assertThat(j.get("stdout_truncated").asBoolean()).isTrue();
        assertThat(j.at("/violations/0/rule").asText()).isEqualTo("rule-1");
        assertThat(j.at("/violations/0/severity").asText()).isEqualTo("high");
        assertThat(j.at("/artifacts/0/mime_type").asText()).isEqualTo("image/png");
        assertThat(j.at("/artifacts/0/size").asInt()).isEqualTo(3);
        assertThat(j.at("/artifacts/0/content_base64").asText()).isEqualTo("AQID");
        assertThat(j.at("/cell/execution_count").asInt()).isEqualTo(3);
        assertThat(j.at("/cell/value/text~1plain").asText()).isEqualTo("42");
        assertThat(j.at("/cell/kernel_restarted").asBoolean()).isFalse();
    }

    @Test
    void problemIsRfc9457() {
        ApiException e = ApiException.tooManyRequests("busy", 3);
        JsonNode j = TestHttp.JSON.valueToTree(Wire.problem(e, "/v1/execute"));
        assertThat(j.get("type").asText()).isEqualTo("https://sandbox4j.dev/problems/too-many-requests");
        assertThat(j.get("title").asText()).isEqualTo("Too many requests");
        assertThat(j.get("status").asInt()).isEqualTo(429);
        assertThat(j.get("detail").asText()).isEqualTo("busy");
        assertThat(j.get("instance").asText()).isEqualTo("/v1/execute");
        assertThat(j.get("retry_after_s").asInt()).isEqualTo(3);
        assertThat(e.retryAfterSeconds).isEqualTo(3L);
    }

    @Test
    void everyProblemTypeHasItsOwnUri() {
        assertThat(java.util.Arrays.stream(Problem.values()).map(Problem::uri).distinct())
                .hasSize(Problem.values().length);
    }
}
