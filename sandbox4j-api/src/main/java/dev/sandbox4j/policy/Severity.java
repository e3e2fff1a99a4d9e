package dev.sandbox4j.policy;

import dev.sandbox4j.text.Texts;
import java.util.Locale;

/**
 * How dangerous a finding is. Ordered: {@code SAFE < LOW < MEDIUM < HIGH}. A policy blocks code whose worst finding
 * is at or above its threshold.
 *
 * @since 0.1
 */
public enum Severity {
    SAFE,
    LOW,
    MEDIUM,
    HIGH;

    /** Lower-case name for JSON, YAML and the CLI: {@code "high"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Severity parse(String text) {
        for (Severity s : values()) {
            if (s.name().equalsIgnoreCase(text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("Expected severity one of [safe, low, medium, high] but was '"
                + dev.sandbox4j.text.Texts.sanitize(text, 30) + "'");
    }
}
