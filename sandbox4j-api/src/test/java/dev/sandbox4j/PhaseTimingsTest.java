package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.PhaseTimings.Phase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseTimingsTest {
    @Test
    void keepsOnlyMeasuredPhasesInTheOrderTheyHappen() {
        PhaseTimings p = new PhaseTimings(Map.of(Phase.RUN, Duration.ofMillis(5), Phase.QUEUE, Duration.ofMillis(1)));
        assertThat(List.copyOf(p.durations().keySet())).containsExactly(Phase.QUEUE, Phase.RUN);
        assertThat(p.get(Phase.COMPILE)).isNull();
        assertThat(p.total()).isEqualTo(Duration.ofMillis(6));
        assertThat(PhaseTimings.NONE.isEmpty()).isTrue();
    }

    @Test
    void addsUpAPhaseMeasuredTwice() {
        PhaseTimings p = PhaseTimings.of(Phase.ACQUIRE, Duration.ofMillis(2))
                .plus(new PhaseTimings(Map.of(Phase.ACQUIRE, Duration.ofMillis(3), Phase.RUN, Duration.ofMillis(7))))
                .plus(Phase.ARTIFACTS, Duration.ofMillis(1));
        assertThat(p.durations()).containsExactly(Map.entry(Phase.ACQUIRE, Duration.ofMillis(5)),
                Map.entry(Phase.RUN, Duration.ofMillis(7)), Map.entry(Phase.ARTIFACTS, Duration.ofMillis(1)));
    }

    @Test
    void refusesNegativeDurations() {
        assertThatThrownBy(() -> PhaseTimings.of(Phase.RUN, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duration of phase run (PT-0.001S) must not be negative");
    }

    @Test
    void aResultWithoutPhasesHasNone() {
        ExecutionResult r = new ExecutionResult("", "", 0, Duration.ZERO, ExecutionStatus.OK, null, false, false);
        assertThat(r.phases()).isEqualTo(PhaseTimings.NONE);
        assertThat(r.plusPhases(PhaseTimings.of(Phase.RUN, Duration.ofMillis(3))).phases().get(Phase.RUN))
                .isEqualTo(Duration.ofMillis(3));
    }
}
