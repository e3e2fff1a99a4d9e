package dev.sandbox4j.internal;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Sanitized;
import dev.sandbox4j.policy.Violation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Results that every session implementation builds the same way (the core's, the server's policy pre-check, the
 * WebAssembly backend's). Not API: may change without notice.
 */
public final class RunResults {
    private RunResults() {}

    /**
     * The result of a run the policy refused: no process started, every finding attached, and a kill reason that
     * names the policy, how many violations reached its threshold and the first of them.
     */
    public static ExecutionResult blockedByPolicy(PolicyVerdict verdict) {
        List<Violation> reasons = verdict.blocking();
        return new ExecutionResult("", "", -1, Duration.ZERO, ExecutionStatus.BLOCKED_BY_POLICY,
                "blocked by policy '" + verdict.policy() + "': " + reasons.size() + " violation(s) at or above "
                        + verdict.threshold().wireName() + (reasons.isEmpty() ? "" : ", first: " + reasons.get(0)),
                false, false, verdict.violations(), List.of());
    }

    /**
     * {@code result} with the policy's findings attached and, given a sanitiser, its stdout and stderr sanitised and
     * the redactions of both counted per kind.
     */
    public static ExecutionResult finish(
            ExecutionResult result, List<Violation> findings, @Nullable OutputSanitizer sanitizer) {
        if (sanitizer == null) {
            return findings.isEmpty() ? result : result.with(findings, List.of());
        }
        Sanitized out = sanitizer.sanitize(result.stdout());
        Sanitized err = sanitizer.sanitize(result.stderr());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Redaction x : out.redactions()) {
            counts.merge(x.kind(), x.count(), Integer::sum);
        }
        for (Redaction x : err.redactions()) {
            counts.merge(x.kind(), x.count(), Integer::sum);
        }
        List<Redaction> redactions = counts.entrySet().stream()
                .map(e -> new Redaction(e.getKey(), e.getValue()))
                .toList();
        return new ExecutionResult(out.text(), err.text(), result.exitCode(), result.duration(), result.status(),
                result.killReason(), result.stdoutTruncated(), result.stderrTruncated(), findings, redactions,
                result.artifacts(), result.cell());
    }
}
