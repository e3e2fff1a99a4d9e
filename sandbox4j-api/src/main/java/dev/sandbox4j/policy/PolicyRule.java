package dev.sandbox4j.policy;

import java.util.List;

/**
 * A custom check written in Java (the "dynamic checks" of llm-sandbox): anything a regex or an import list cannot
 * express, e.g. "no more than 3 threads", "no URL outside example.com". Must be thread-safe and must not throw; a
 * rule that throws is reported as a {@link Severity#HIGH} violation (fail closed).
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PolicyRule {
    /** Returns the findings for this input; empty when there is nothing to report. */
    List<Violation> evaluate(PolicyInput input);
}
