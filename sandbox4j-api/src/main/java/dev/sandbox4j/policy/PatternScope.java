package dev.sandbox4j.policy;

import dev.sandbox4j.text.Texts;
import java.util.Locale;

/**
 * Which view of the source a {@link SecurityPattern} is matched against.
 *
 * @since 0.1
 */
public enum PatternScope {
    /** Code only: comments and the contents of string literals are blanked (the default). */
    CODE,
    /** Code and string literals, comments blanked: for commands passed as strings, e.g. {@code "rm -rf /"}. */
    CODE_AND_STRINGS,
    /** The raw text, comments included. */
    RAW;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code code}, {@code code_and_strings} or {@code raw}, case-insensitively. */
    public static PatternScope parse(String text) {
        for (PatternScope s : values()) {
            if (s.name().equalsIgnoreCase(text.trim().replace('-', '_'))) {
                return s;
            }
        }
        throw new IllegalArgumentException("Expected scope one of [code, code_and_strings, raw] but was '"
                + dev.sandbox4j.text.Texts.sanitize(text, 30) + "'");
    }
}
