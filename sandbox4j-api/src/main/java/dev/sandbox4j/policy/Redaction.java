package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

/**
 * How many times one kind of secret was redacted from a text by an {@link OutputSanitizer}.
 *
 * @param kind  the kind that matched, e.g. {@code "password"} or the name given to a custom pattern
 * @param count how many replacements were made for that kind; always positive
 * @since 0.1
 */
public record Redaction(String kind, int count) {
    /**
     * Checks the arguments.
     *
     * @throws IllegalArgumentException if {@code count} is not positive
     */
    public Redaction {
        requireNonNull(kind, "kind");
        if (count <= 0) {
            throw new IllegalArgumentException("count (" + count + ") must be positive");
        }
    }
}
