package dev.sandbox4j.policy;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

/**
 * One finding of a policy check.
 *
 * @param rule        id of the rule that fired, e.g. {@code "module:subprocess"} or {@code "pattern:python.eval"}
 * @param description what the rule protects against, for humans
 * @param severity    how dangerous
 * @param line        1-based line of the finding (0 if not tied to a place)
 * @param column      1-based column
 * @param snippet     the offending text (at most 80 characters, control characters replaced)
 * @since 0.1
 */
public record Violation(String rule, String description, Severity severity, int line, int column, String snippet) {
    public Violation {
        requireNonNull(rule, "rule");
        requireNonNull(description, "description");
        requireNonNull(severity, "severity");
        requireNonNull(snippet, "snippet");
        snippet = dev.sandbox4j.text.Texts.sanitize(snippet, 80);
    }

    @Override
    public String toString() {
        return line + ":" + column + " " + severity.wireName() + " " + rule + " - " + description
                + (snippet.isEmpty() ? "" : " ('" + snippet + "')");
    }
}
