package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Violation;
import java.time.Duration;
import java.util.List;
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
 * @param violations what the session's security policy found in the code (the reasons when the status is
 *     {@link ExecutionStatus#BLOCKED_BY_POLICY}; findings below the threshold otherwise); empty without a policy
 * @param redactions what the session's output sanitiser removed from stdout/stderr, text artifacts and a cell's text
 *     outputs; empty without one
 * @param artifacts files the run left in its output directory, when it captured artifacts
 *     ({@link RunOptions.Builder#captureArtifacts(boolean)}); empty otherwise. In a stateful session, figures
 *     and images shown by the cell are artifacts too ({@code display-1.png}, ...)
 * @param cell notebook-style outputs of a run in a stateful session (last value, displays, error, execution count,
 *     kernel restart); {@code null} for other runs
 * @param resourceUsage the program's CPU time and peak memory, where the backend measured them ({@code null}
 *     otherwise: a policy refusal, a cell of a kernel, a backend that cannot tell); since 0.2
 * @param phases where the run's time went (queue, box, policy, install, compile, run, teardown, artifacts), as far
 *     as it was measured; {@link PhaseTimings#NONE} when nothing was; since 0.2
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
        boolean stderrTruncated,
        List<Violation> violations,
        List<Redaction> redactions,
        List<Artifact> artifacts,
        @Nullable CellOutput cell,
        @Nullable ResourceUsage resourceUsage,
        PhaseTimings phases) {

    public ExecutionResult {
        requireNonNull(stdout, "stdout");
        requireNonNull(phases, "phases");
        requireNonNull(stderr, "stderr");
        requireNonNull(duration, "duration");
        requireNonNull(status, "status");
        violations = List.copyOf(violations);
        redactions = List.copyOf(redactions);
        artifacts = List.copyOf(artifacts);
    }

    /** A result without phase timings. */
    public ExecutionResult(String stdout, String stderr, int exitCode, Duration duration, ExecutionStatus status,
            @Nullable String killReason, boolean stdoutTruncated, boolean stderrTruncated, List<Violation> violations,
            List<Redaction> redactions, List<Artifact> artifacts, @Nullable CellOutput cell,
            @Nullable ResourceUsage resourceUsage) {
        this(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated, stderrTruncated, violations,
                redactions, artifacts, cell, resourceUsage, PhaseTimings.NONE);
    }

    /** A result without resource usage. */
    public ExecutionResult(String stdout, String stderr, int exitCode, Duration duration, ExecutionStatus status,
            @Nullable String killReason, boolean stdoutTruncated, boolean stderrTruncated, List<Violation> violations,
            List<Redaction> redactions, List<Artifact> artifacts, @Nullable CellOutput cell) {
        this(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated, stderrTruncated, violations,
                redactions, artifacts, cell, null);
    }

    /** A result of a stateless run. */
    public ExecutionResult(String stdout, String stderr, int exitCode, Duration duration, ExecutionStatus status,
            @Nullable String killReason, boolean stdoutTruncated, boolean stderrTruncated, List<Violation> violations,
            List<Redaction> redactions, List<Artifact> artifacts) {
        this(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated, stderrTruncated, violations,
                redactions, artifacts, null);
    }

    /** A result without artifacts. */
    public ExecutionResult(String stdout, String stderr, int exitCode, Duration duration, ExecutionStatus status,
            @Nullable String killReason, boolean stdoutTruncated, boolean stderrTruncated, List<Violation> violations,
            List<Redaction> redactions) {
        this(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated, stderrTruncated, violations,
                redactions, List.of());
    }

    /**
     * The result of a run the policy refused: no process started, every finding attached, and a kill reason that
     * names the policy, how many violations reached its threshold and the first of them.
     *
     * @since 0.2
     */
    public static ExecutionResult blockedByPolicy(dev.sandbox4j.policy.PolicyVerdict verdict) {
        List<Violation> reasons = verdict.blocking();
        return new ExecutionResult("", "", -1, Duration.ZERO, ExecutionStatus.BLOCKED_BY_POLICY,
                "blocked by policy '" + verdict.policy() + "': " + reasons.size() + " violation(s) at or above "
                        + verdict.threshold().wireName() + (reasons.isEmpty() ? "" : ", first: " + reasons.get(0)),
                false, false, verdict.violations(), List.of());
    }

    /** A result without policy findings or redactions. */
    public ExecutionResult(String stdout, String stderr, int exitCode, Duration duration, ExecutionStatus status,
            @Nullable String killReason, boolean stdoutTruncated, boolean stderrTruncated) {
        this(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated, stderrTruncated, List.of(),
                List.of());
    }

    /** The same result with policy findings and redactions attached. */
    public ExecutionResult with(List<Violation> violations, List<Redaction> redactions) {
        return new ExecutionResult(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated,
                stderrTruncated, violations, redactions, artifacts, cell, resourceUsage, phases);
    }

    /**
     * The same result with this resource usage.
     *
     * @since 0.2
     */
    public ExecutionResult withResourceUsage(@Nullable ResourceUsage usage) {
        return new ExecutionResult(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated,
                stderrTruncated, violations, redactions, artifacts, cell, usage, phases);
    }

    /**
     * The same result with these phase timings.
     *
     * @since 0.2
     */
    public ExecutionResult withPhases(PhaseTimings phases) {
        return new ExecutionResult(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated,
                stderrTruncated, violations, redactions, artifacts, cell, resourceUsage, phases);
    }

    /**
     * The same result with {@code more} added to its phase timings ({@link PhaseTimings#plus(PhaseTimings)}).
     *
     * @since 0.2
     */
    public ExecutionResult plusPhases(PhaseTimings more) {
        return withPhases(phases.plus(more));
    }

    /** The same result with these artifacts. */
    public ExecutionResult withArtifacts(List<Artifact> artifacts) {
        return new ExecutionResult(stdout, stderr, exitCode, duration, status, killReason, stdoutTruncated,
                stderrTruncated, violations, redactions, artifacts, cell, resourceUsage, phases);
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
