package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.ResourceLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A run (program) or exec (command) finished.
 *
 * @param time        when it finished
 * @param sessionId   the session
 * @param principal   who
 * @param language    canonical language id
 * @param kind        {@code "run"}, {@code "exec"} or {@code "install"}
 * @param codeSha256  SHA-256 (hex) of the code, or of the command line for an exec
 * @param limits      the session's resource limits
 * @param timeout     the run's effective timeout
 * @param status      how it ended
 * @param exitCode    its exit code (-1 if it never ran)
 * @param duration    how long it ran
 * @param killReason  why it was killed or blocked, if it was
 * @param redactions  kinds of data the output sanitiser redacted, e.g. {@code ["password", "ipv4"]}
 * @since 0.1
 */
public record RunEvent(Instant time, String sessionId, String principal, String language, String kind,
        String codeSha256, ResourceLimits limits, Duration timeout, ExecutionStatus status, int exitCode,
        Duration duration, @Nullable String killReason, List<String> redactions) {
    public RunEvent {
        requireNonNull(time, "time");
        requireNonNull(sessionId, "sessionId");
        requireNonNull(principal, "principal");
        requireNonNull(language, "language");
        requireNonNull(kind, "kind");
        requireNonNull(codeSha256, "codeSha256");
        requireNonNull(limits, "limits");
        requireNonNull(timeout, "timeout");
        requireNonNull(status, "status");
        requireNonNull(duration, "duration");
        redactions = List.copyOf(redactions);
    }
}
