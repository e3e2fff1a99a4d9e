package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.PoolConfig.Exhaustion;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoolConfigTest {

    @Test
    void defaults() {
        PoolConfig c = PoolConfig.of("python");
        assertThat(c.language()).isEqualTo("python");
        assertThat(c.limits()).isEqualTo(ResourceLimits.defaults());
        assertThat(c.runtime()).isEqualTo(RuntimeConfig.defaults());
        assertThat(c.minSize()).isEqualTo(1);
        assertThat(c.maxSize()).isEqualTo(4);
        assertThat(c.maxAge()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.maxUses()).isEqualTo(1);
        assertThat(c.acquireTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.exhaustion()).isEqualTo(Exhaustion.CREATE_TEMPORARY);
        assertThat(c.healthCheckInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void builderRoundTrip() {
        RuntimeConfig rt = RuntimeConfig.builder().env("A", "1").build();
        ResourceLimits limits = ResourceLimits.builder().cpus(0.5).build();
        PoolConfig c = PoolConfig.builder("js").limits(limits).runtime(rt).minSize(0).maxSize(16)
                .maxAge(Duration.ofMinutes(1)).acquireTimeout(Duration.ofMillis(250)).exhaustion(Exhaustion.WAIT)
                .healthCheckInterval(Duration.ofSeconds(5)).build();
        assertThat(c).isEqualTo(new PoolConfig("js", limits, rt, 0, 16, Duration.ofMinutes(1), 1,
                Duration.ofMillis(250), Exhaustion.WAIT, Duration.ofSeconds(5)));
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.toBuilder().maxSize(20).build().maxSize()).isEqualTo(20);
    }

    @Test
    void sizesAreChecked() {
        assertThatThrownBy(() -> PoolConfig.builder("python").minSize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minSize (-1) must be between 0 and 1024");
        assertThatThrownBy(() -> PoolConfig.builder("python").maxSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize (0) must be between 1 and 1024");
        assertThatThrownBy(() -> PoolConfig.builder("python").maxSize(5000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize (5000)");
        assertThatThrownBy(() -> PoolConfig.builder("python").minSize(5).maxSize(4).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pool of 'python': minSize (5) must not exceed maxSize (4)");
    }

    @Test
    void maxUsesIsOptInAndNeedsAReadOnlyRootFilesystem() {
        assertThat(PoolConfig.builder("python").maxUses(50).build().maxUses()).isEqualTo(50);
        assertThatThrownBy(() -> PoolConfig.builder("python").maxUses(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxUses (0) must be between 1 and 1000000");
        assertThatThrownBy(() -> new PoolConfig("python", ResourceLimits.defaults(), RuntimeConfig.defaults(), 1, 4,
                Duration.ofMinutes(1), 1_000_001, Duration.ofSeconds(1), Exhaustion.WAIT, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxUses (1000001) must be");
        RuntimeConfig writableRoot = RuntimeConfig.builder().readOnlyRootFilesystem(false).build();
        assertThatThrownBy(() -> PoolConfig.builder("python").runtime(writableRoot).maxUses(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pool of 'python': maxUses (2) above 1 needs a read-only root filesystem");
        assertThat(PoolConfig.builder("python").runtime(writableRoot).build().maxUses()).isEqualTo(1);
    }

    @Test
    void durationsMustBePositive() {
        assertThatThrownBy(() -> PoolConfig.builder("python").maxAge(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAge (PT0S) must be positive");
        assertThatThrownBy(() -> PoolConfig.builder("python").acquireTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("acquireTimeout (PT-1S)");
        assertThatThrownBy(() -> PoolConfig.builder("python").healthCheckInterval(Duration.ofDays(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be at most");
    }

    @Test
    void languageMustBeNamed() {
        assertThatThrownBy(() -> PoolConfig.builder(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pool language must not be blank");
        assertThatThrownBy(() -> PoolConfig.builder("python").exhaustion(null))
                .isInstanceOf(NullPointerException.class).hasMessage("exhaustion");
    }

    @Test
    void builderMethodOnTheClientRejectsNull() {
        assertThatThrownBy(() -> SandboxClient.builder().pool(null)).isInstanceOf(NullPointerException.class);
    }
}
