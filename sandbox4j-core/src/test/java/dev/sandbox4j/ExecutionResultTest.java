package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
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
}
