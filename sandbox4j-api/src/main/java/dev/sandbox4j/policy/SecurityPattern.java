package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression that flags dangerous code, e.g. {@code \bos\.system\s*\(} for Python.
 *
 * @param id          stable id, unique within a policy, e.g. {@code "python.os-system"}
 * @param regex       a {@link Pattern} (Java syntax), matched with {@code find()} against the chosen view; it runs on
 *                    the linear-time engine RE2/J when that can compile it, see {@link SecurityPolicy}
 * @param description what it protects against
 * @param severity    how dangerous a match is
 * @param scope       which view of the source it sees (code only by default)
 * @param languages   language ids it applies to; empty means every language
 * @since 0.1
 */
public record SecurityPattern(String id, String regex, String description, Severity severity, PatternScope scope,
        Set<String> languages) {

    public SecurityPattern {
        requireNonNull(id, "id");
        requireNonNull(regex, "regex");
        requireNonNull(description, "description");
        requireNonNull(severity, "severity");
        requireNonNull(scope, "scope");
        if (id.isBlank()) {
            throw new IllegalArgumentException("pattern id must not be blank");
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("pattern '" + Texts.sanitize(id, 60) + "' has an invalid regex '"
                    + Texts.sanitize(regex, 80) + "': " + e.getDescription(), e);
        }
        languages = languages.stream().map(l -> l.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors
                .toUnmodifiableSet());
    }

    /** A pattern over code only, for every language. */
    public static SecurityPattern of(String id, String regex, String description, Severity severity) {
        return new SecurityPattern(id, regex, description, severity, PatternScope.CODE, Set.of());
    }

    /** Whether the pattern applies to a language. */
    public boolean appliesTo(String language) {
        return languages.isEmpty() || languages.contains(language);
    }

    /** The pattern with a different severity (to tailor a preset). */
    public SecurityPattern withSeverity(Severity s) {
        return new SecurityPattern(id, regex, description, s, scope, languages);
    }
}
