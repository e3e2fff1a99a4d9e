package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The outcome of checking code against a {@link SecurityPolicy}.
 *
 * @param allowed    false if any violation is at or above the threshold
 * @param threshold  the policy's threshold
 * @param violations every finding, in source order (also those below the threshold)
 * @param policy     the policy's name, e.g. {@code "production"}
 * @since 0.1
 */
public record PolicyVerdict(boolean allowed, Severity threshold, List<Violation> violations, String policy) {
    public PolicyVerdict {
        requireNonNull(threshold, "threshold");
        violations = List.copyOf(violations);
        requireNonNull(policy, "policy");
    }

    /** The worst severity found, {@code SAFE} when nothing was found. */
    public Severity highestSeverity() {
        Severity max = Severity.SAFE;
        for (Violation v : violations) {
            if (v.severity().compareTo(max) > 0) {
                max = v.severity();
            }
        }
        return max;
    }

    /** The violations at or above the threshold: the reasons for a block. */
    public List<Violation> blocking() {
        return violations.stream().filter(v -> v.severity().compareTo(threshold) >= 0).toList();
    }
}
