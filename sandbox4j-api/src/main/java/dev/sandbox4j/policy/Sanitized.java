package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The result of {@link OutputSanitizer#sanitize(String)}: the text with secrets replaced, and a report of what was
 * replaced.
 *
 * @param text       the sanitized text; the input itself when nothing matched
 * @param redactions one entry per kind that matched at least once, in the sanitizer's kind order; empty when
 *                   nothing was redacted
 * @since 0.1
 */
public record Sanitized(String text, List<Redaction> redactions) {
    public Sanitized {
        requireNonNull(text, "text");
        redactions = List.copyOf(redactions);
    }

    /**
     * Whether anything was redacted. True exactly when {@link #redactions()} is not empty (even in the unlikely case
     * that a replacement happens to equal the text it replaced).
     */
    public boolean changed() {
        return !redactions.isEmpty();
    }
}
