package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    void aTenantBeyondItsFairShareBorrowsOnlyWhileAQuarterStaysFree() {
        Caller greedy = new Caller("greedy", "acme", 10, 8);
        Caller other = new Caller("other", "globex", 10, 8);
        RunLimiter limiter = new RunLimiter(8, Duration.ofSeconds(1), 4, true);
        List<RunLimiter.Permit> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(limiter.acquire(greedy)); // its share (4), then 2 borrowed while 2 stay free
        }
        assertThatThrownBy(() -> limiter.acquire(greedy)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(429);
            assertThat(e.getMessage()).isEqualTo("tenant 'acme' already has 6 runs in flight, more than its fair "
                    + "share (4 of the server's 8); the remaining slots are kept for other tenants; retry later");
        });
        RunLimiter.Permit o1 = limiter.acquire(other);
        RunLimiter.Permit o2 = limiter.acquire(other); // the other tenant gets the two kept free
        assertThat(limiter.inFlight("globex")).isEqualTo(2);
        assertThatThrownBy(() -> limiter.acquire(other)).hasMessageContaining("the server is running 8");
        held.remove(0).close();
        assertThatThrownBy(() -> limiter.acquire(greedy)).as("5 > its share, and 1 free < the quarter kept")
                .hasMessageContaining("fair share");
        RunLimiter.Permit o3 = limiter.acquire(other);
        held.forEach(RunLimiter.Permit::close);
        o1.close();
        o2.close();
        o3.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.inFlight("acme")).isZero();
    }

    @Test
    void withOneTenantEverySlotCanBeUsed() {
        Caller solo = new Caller("solo", "acme", 10, 8);
        RunLimiter limiter = new RunLimiter(8, Duration.ofSeconds(1), 4, false);
        for (int i = 0; i < 8; i++) {
            limiter.acquire(solo);
        }
        assertThat(limiter.inFlight("acme")).isEqualTo(8);
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
