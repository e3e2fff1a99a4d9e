package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionOptionsTest {

    @Test
    void defaultsUseDefaultLimitsAndRuntimeAndTheClientsTimeouts() {
        SessionOptions options = SessionOptions.defaults();

        assertThat(options.limits()).isEqualTo(ResourceLimits.defaults());
        assertThat(options.runtime()).isEqualTo(RuntimeConfig.defaults());
        assertThat(options.defaultTimeout()).isNull();
        assertThat(options.sessionTimeout()).isNull();
    }

    @Test
    void builderStartsFromTheDefaults() {
        assertThat(SessionOptions.builder().build()).isEqualTo(SessionOptions.defaults());
    }

    @Test
    void builderSetsEveryField() {
        ResourceLimits limits = ResourceLimits.builder().cpus(0.5).build();
        RuntimeConfig runtime = RuntimeConfig.builder().networkEnabled(true).build();

        SessionOptions options = SessionOptions.builder()
                .limits(limits)
                .runtime(runtime)
                .defaultTimeout(Duration.ofSeconds(10))
                .sessionTimeout(Duration.ofMinutes(30))
                .build();

        assertThat(options)
                .isEqualTo(new SessionOptions(limits, runtime, Duration.ofSeconds(10), Duration.ofMinutes(30)));
    }

    @Test
    void toBuilderRoundTripsAndLeavesTheOriginalAlone() {
        SessionOptions original = SessionOptions.builder()
                .defaultTimeout(Duration.ofSeconds(10))
                .sessionTimeout(Duration.ofMinutes(30))
                .build();

        assertThat(original.toBuilder().build()).isEqualTo(original);

        SessionOptions changed = original.toBuilder().defaultTimeout(null).build();
        assertThat(changed.defaultTimeout()).isNull();
        assertThat(changed.sessionTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(original.defaultTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -5})
    void rejectsNonPositiveDefaultTimeout(long seconds) {
        Duration timeout = Duration.ofSeconds(seconds);

        assertThatThrownBy(() -> SessionOptions.builder().defaultTimeout(timeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultTimeout (" + timeout + ") must be positive");
        assertThatThrownBy(() -> new SessionOptions(
                        ResourceLimits.defaults(), RuntimeConfig.defaults(), timeout, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultTimeout (" + timeout + ") must be positive");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -5})
    void rejectsNonPositiveSessionTimeout(long seconds) {
        Duration timeout = Duration.ofSeconds(seconds);

        assertThatThrownBy(() -> SessionOptions.builder().sessionTimeout(timeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sessionTimeout (" + timeout + ") must be positive");
        assertThatThrownBy(() -> new SessionOptions(
                        ResourceLimits.defaults(), RuntimeConfig.defaults(), null, timeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sessionTimeout (" + timeout + ") must be positive");
    }

    @Test
    void rejectsTimeoutsLongerThanAWeek() {
        assertThatThrownBy(() -> SessionOptions.builder().defaultTimeout(Duration.ofDays(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultTimeout (PT192H) must be at most PT168H");
        assertThatThrownBy(() -> SessionOptions.builder().sessionTimeout(Duration.ofDays(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sessionTimeout (PT192H) must be at most PT168H");
    }

    @Test
    void rejectsNullLimitsAndRuntimeNamingThem() {
        assertThatThrownBy(() -> SessionOptions.builder().limits(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("limits");
        assertThatThrownBy(() -> SessionOptions.builder().runtime(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("runtime");
        assertThatThrownBy(() -> new SessionOptions(ResourceLimits.defaults(), null, null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("runtime");
    }

    @Test
    void installConfigIsOptionalAndRoundTrips() {
        InstallConfig install = InstallConfig.builder().network("egress").build();
        assertThat(SessionOptions.defaults().install()).isNull();
        SessionOptions o = SessionOptions.builder().install(install).principal("alice").build();
        assertThat(o.install()).isSameAs(install);
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toBuilder().install(null).build().install()).isNull();
        assertThat(o).isNotEqualTo(o.toBuilder().install(null).build());
    }

    @Test
    void olderConstructorsLeaveInstallUnset() {
        SessionOptions seven = new SessionOptions(ResourceLimits.defaults(), RuntimeConfig.defaults(),
                Duration.ofSeconds(1), null, null, null, "bob");
        assertThat(seven.install()).isNull();
        assertThat(seven.principal()).isEqualTo("bob");
        assertThat(new SessionOptions(ResourceLimits.defaults(), RuntimeConfig.defaults(), null, null).install())
                .isNull();
    }
}
