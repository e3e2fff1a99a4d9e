package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.policy.Violation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecutionResultTest {

    @ParameterizedTest
    @CsvSource({
        "OK, ok",
        "NONZERO_EXIT, nonzero_exit",
        "TIMED_OUT, timed_out",
        "OOM_KILLED, oom_killed",
        "OUTPUT_LIMIT, output_limit",
        "KILLED, killed",
        "BLOCKED_BY_POLICY, blocked_by_policy",
        "COMPILE_ERROR, compile_error",
        "INSTALL_FAILED, install_failed",
    })
    void statusHasSnakeCaseWireName(ExecutionStatus status, String wireName) {
        assertThat(status.wireName()).isEqualTo(wireName);
    }

    @Test
    void everyStatusHasADistinctWireName() {
        assertThat(Arrays.stream(ExecutionStatus.values()).map(ExecutionStatus::wireName))
                .doesNotHaveDuplicates()
                .allMatch(name -> name.matches("[a-z_]+"))
                .hasSize(9);
    }

    @Test
    void okResultIsOkAndNotKilled() {
        ExecutionResult result =
                new ExecutionResult("2\n", "", 0, Duration.ofMillis(40), ExecutionStatus.OK, null, false, false);

        assertThat(result.isOk()).isTrue();
        assertThat(result.wasKilled()).isFalse();
    }

    @Test
    void nonzeroExitIsNotOk() {
        ExecutionResult result = new ExecutionResult(
                "", "boom", 1, Duration.ofMillis(40), ExecutionStatus.NONZERO_EXIT, null, false, false);

        assertThat(result.isOk()).isFalse();
        assertThat(result.wasKilled()).isFalse();
    }

    @Test
    void resultWithKillReasonWasKilled() {
        ExecutionResult result = new ExecutionResult(
                "partial", "", 137, Duration.ofSeconds(5), ExecutionStatus.TIMED_OUT, "timeout after 5s", true, false);

        assertThat(result.isOk()).isFalse();
        assertThat(result.wasKilled()).isTrue();
        assertThat(result.stdoutTruncated()).isTrue();
        assertThat(result.stderrTruncated()).isFalse();
    }

    @Test
    void rejectsMissingRequiredFieldsNamingThem() {
        Duration d = Duration.ZERO;
        assertThatThrownBy(() -> new ExecutionResult(null, "", 0, d, ExecutionStatus.OK, null, false, false))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("stdout");
        assertThatThrownBy(() -> new ExecutionResult("", null, 0, d, ExecutionStatus.OK, null, false, false))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("stderr");
        assertThatThrownBy(() -> new ExecutionResult("", "", 0, null, ExecutionStatus.OK, null, false, false))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("duration");
        assertThatThrownBy(() -> new ExecutionResult("", "", 0, d, null, null, false, false))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("status");
    }

    @Test
    void olderConstructorsHaveNoArtifactsAndWithArtifactsKeepsEverythingElse() {
        Violation v = new Violation("rule", "msg", Severity.HIGH, 1, 2, "snip");
        Redaction red = new Redaction("password", 2);
        ExecutionResult r = new ExecutionResult("o", "e", 3, Duration.ofMillis(5), ExecutionStatus.NONZERO_EXIT,
                "why", true, false, List.of(v), List.of(red));
        assertThat(r.artifacts()).isEmpty();

        Artifact a = Artifact.of("fig.png", new byte[] {1});
        ExecutionResult w = r.withArtifacts(List.of(a));
        assertThat(w.artifacts()).containsExactly(a);
        assertThat(w).usingRecursiveComparison().ignoringFields("artifacts").isEqualTo(r);
        assertThat(r.artifacts()).isEmpty();

        // attaching policy findings later keeps the artifacts
        ExecutionResult again = w.with(List.of(), List.of());
        assertThat(again.artifacts()).containsExactly(a);
        assertThat(again.violations()).isEmpty();
    }

    @Test
    void artifactsAreCopiedAndUnmodifiable() {
        List<Artifact> list = new ArrayList<>(List.of(Artifact.of("a.txt", new byte[0])));
        ExecutionResult r = new ExecutionResult("", "", 0, Duration.ZERO, ExecutionStatus.OK, null, false, false,
                List.of(), List.of(), list);
        list.clear();
        assertThat(r.artifacts()).hasSize(1);
        assertThatThrownBy(() -> r.artifacts().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.withArtifacts(null)).isInstanceOf(NullPointerException.class);
    }
}
