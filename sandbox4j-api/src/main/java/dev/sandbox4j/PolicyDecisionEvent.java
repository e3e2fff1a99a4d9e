package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.PolicyVerdict;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A policy decision.
 *
 * @param time       when
 * @param sessionId  the session, or {@code null} for a check outside a session
 * @param principal  who
 * @param language   canonical language id
 * @param codeSha256 SHA-256 (hex) of the code checked; never the code itself
 * @param codeLength length of the code in characters
 * @param verdict    the decision and its violations
 * @since 0.1
 */
public record PolicyDecisionEvent(Instant time, @Nullable String sessionId, String principal, String language,
        String codeSha256, int codeLength, PolicyVerdict verdict) {
    public PolicyDecisionEvent {
        requireNonNull(time, "time");
        requireNonNull(principal, "principal");
        requireNonNull(language, "language");
        requireNonNull(codeSha256, "codeSha256");
        requireNonNull(verdict, "verdict");
    }
}
