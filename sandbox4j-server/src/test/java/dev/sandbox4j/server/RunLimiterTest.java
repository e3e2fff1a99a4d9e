package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunLimiterTest {
    final Caller alice = new Caller("alice", "acme", 5, 1);
    final Caller bob = new Caller("bob", "globex", 5, 5);

    @Test
    void refusesBeyondTheKeysLimitWith429AndRetryAfter() {
        RunLimiter limiter = new RunLimiter(4, Duration.ofMillis(1500));
        RunLimiter.Permit p = limiter.acquire(alice);
        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.retryAfterSeconds).isEqualTo(2L);
            assertThat(e.getMessage()).contains("alice");
        });
        assertThat(limiter.inFlight()).isEqualTo(1);
        p.close();
        p.close(); // idempotent
        assertThat(limiter.inFlight()).isZero();
        limiter.acquire(alice).close();
    }

    @Test
    void refusesBeyondTheServersLimitWithoutHoldingTheKeysSlot() {
        RunLimiter limiter = new RunLimiter(2, Duration.ofSeconds(1));
        RunLimiter.Permit a = limiter.acquire(bob);
        RunLimiter.Permit b = limiter.acquire(bob);
        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("server"));
        a.close();
        RunLimiter.Permit c = limiter.acquire(alice); // alice's own slot was given back
        assertThat(limiter.inFlight()).isEqualTo(2);
        b.close();
        c.close();
        assertThat(limiter.inFlight()).isZero();
    }
}
