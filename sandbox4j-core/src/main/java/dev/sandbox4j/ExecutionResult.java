package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one run or command in a sandbox.
 *
 * <p>Output is decoded as UTF-8 (malformed bytes become U+FFFD). Each stream keeps at most the run's output limit
 * (1 MiB by default); when more was written, the stream is cut at the limit, its {@code *Truncated} flag is set and
 * the status is {@link ExecutionStatus#OUTPUT_LIMIT}.
 *
 * @param stdout what the program wrote to standard output (possibly truncated)
 * @param stderr what the program wrote to standard error (possibly truncated)
 * @param exitCode the exit code; 128 + signal number when killed by a signal (137 for SIGKILL), -1 when unknown
 * @param duration wall-clock time from the start of the program to its end (or to the kill)
 * @param status how the run ended
 * @param killReason why sandbox4j or the kernel stopped the program, {@code null} when it ended by itself
 * @param stdoutTruncated whether stdout was cut at the output limit
 * @param stderrTruncated whether stderr was cut at the output limit
 * @since 0.1
 */
public record ExecutionResult(
        String stdout,
        String stderr,
        int exitCode,
        Duration duration,
        ExecutionStatus status,
        @Nullable String killReason,
        boolean stdoutTruncated,
        boolean stderrTruncated) {

    public ExecutionResult {
        requireNonNull(stdout, "stdout");
        requireNonNull(stderr, "stderr");
        requireNonNull(duration, "duration");
        requireNonNull(status, "status");
    }

    /** Whether the program exited by itself with code 0. */
    public boolean isOk() {
        return status == ExecutionStatus.OK;
    }

    /** Whether sandbox4j or the kernel killed the program (timeout, memory, output limit or a signal). */
    public boolean wasKilled() {
        return killReason != null;
    }
}
