package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.ScannedSource;

/**
 * What a custom {@link PolicyRule} sees: the language and the scanned source (with its code-only views and imports).
 *
 * @since 0.1
 */
public record PolicyInput(String language, ScannedSource source) {
    public PolicyInput {
        requireNonNull(language, "language");
        requireNonNull(source, "source");
    }

    /** A violation at an offset of the source, with line, column and snippet filled in. */
    public Violation violation(String rule, String description, Severity severity, int offset, int length) {
        String code = source.code();
        int start = Math.max(0, Math.min(offset, code.length()));
        int end = Math.max(start, Math.min(code.length(), start + length));
        return new Violation(rule, description, severity, source.line(start), source.column(start),
                code.substring(start, end));
    }
}
