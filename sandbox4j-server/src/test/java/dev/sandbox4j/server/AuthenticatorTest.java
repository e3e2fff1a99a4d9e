package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    final Authenticator auth = new Authenticator(List.of(
            new ApiKey("alice", "acme", "alice-secret-0123456789", 2, 1),
            ApiKey.of("bob", "globex", "bob-secret-0123456789ab")), 10, 4);

    @Test
    void withoutKeysEveryoneIsTheLocalTenant() {
        Authenticator open = new Authenticator(List.of(), 10, 4);
        assertThat(open.enabled()).isFalse();
        assertThat(open.authenticate(null, null)).isEqualTo(new Caller("local", "local", 10, 4));
    }

    @Test
    void acceptsBearerAndXApiKey() {
        assertThat(auth.authenticate("Bearer alice-secret-0123456789", null).tenant()).isEqualTo("acme");
        assertThat(auth.authenticate("bearer  alice-secret-0123456789 ", null).keyId()).isEqualTo("alice");
        assertThat(auth.authenticate(null, "bob-secret-0123456789ab").tenant()).isEqualTo("globex");
    }

    @Test
    void missingOrWrongKeysAre401() {
        for (String[] h : new String[][] {{null, null}, {"Basic abc", null}, {"Bearer ", null},
            {"Bearer alice-secret-012345678", null}, {null, "nope"}}) {
            assertThatThrownBy(() -> auth.authenticate(h[0], h[1])).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status).isEqualTo(401);
                assertThat(e.type).isEqualTo(Problem.UNAUTHORIZED);
            });
        }
    }

    @Test
    void keyLimitsAreCappedByTheServers() {
        Caller alice = auth.authenticate("Bearer alice-secret-0123456789", null);
        assertThat(alice.maxSessions()).isEqualTo(2);
        assertThat(alice.maxConcurrentRuns()).isEqualTo(1);
        Caller bob = auth.authenticate("Bearer bob-secret-0123456789ab", null);
        assertThat(bob.maxSessions()).isEqualTo(10);
        assertThat(bob.maxConcurrentRuns()).isEqualTo(4);
    }

    @Test
    void keysValidateAndNeverPrintTheirSecret() {
        assertThat(ApiKey.of("k", "t", "0123456789abcdef-secret").toString()).doesNotContain("secret");
        assertThatThrownBy(() -> ApiKey.of("k", "t", "short")).hasMessageContaining("too short");
        assertThatThrownBy(() -> ApiKey.of("k y", "t", "0123456789abcdefgh")).hasMessageContaining("API key id");
        assertThatThrownBy(() -> new ApiKey("k", "t", "0123456789abcdefgh", -1, 0))
                .hasMessageContaining("max_sessions (-1)");
    }
}
