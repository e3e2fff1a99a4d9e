package dev.sandbox4j.cli;

import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Options choosing a security policy: a preset or a file, optionally with another threshold. */
final class PolicyOptions {
    @Option(names = "--preset", paramLabel = "NAME", completionCandidates = Registries.Presets.class,
            description = "Policy preset: ${COMPLETION-CANDIDATES}.")
    @Nullable String preset;

    @Option(names = "--policy", paramLabel = "FILE", description = "Policy file (YAML, or JSON if it ends in .json).")
    @Nullable Path file;

    @Option(names = "--threshold", paramLabel = "SEVERITY", completionCandidates = Registries.Severities.class,
            description = "Block at or above this severity: ${COMPLETION-CANDIDATES} (overrides the policy's).")
    @Nullable String threshold;

    /** The chosen policy, {@code fallback} when none was chosen (may be null). */
    @Nullable SecurityPolicy resolve(@Nullable SecurityPolicy fallback) {
        if (preset != null && file != null) {
            throw new IllegalArgumentException("give --preset or --policy, not both");
        }
        SecurityPolicy p = file != null ? PolicyFiles.load(file) : preset != null ? SecurityPolicy.preset(preset)
                : fallback;
        if (threshold != null) {
            if (p == null) {
                p = SecurityPolicy.production();
            }
            p = p.toBuilder().threshold(Severity.parse(threshold)).build();
        }
        return p;
    }
}
