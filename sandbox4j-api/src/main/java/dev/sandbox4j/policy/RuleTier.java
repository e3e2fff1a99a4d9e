package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.Arrays;
import java.util.Locale;

/**
 * Which default rules of the languages a policy applies. The languages bring their own rules
 * ({@link LanguageRules}, each rule tagged with the tier from which on it applies); a policy names a tier
 * ({@link SecurityPolicy#defaultRuleTier()}), and when it checks code of a language, the engine adds that language's
 * rules of this tier and every lower one. The presets carry the tier of their name; a policy built from scratch
 * carries {@link #NONE}.
 *
 * <p>Tiers from lowest to highest: {@code none < permissive < development < production < strict}. Today every
 * built-in language rule is tagged {@link #DEVELOPMENT}: {@code permissive} applies only the language-independent
 * destructive rules a preset carries itself, the three stricter presets apply all rules of the languages and differ in
 * their threshold.
 *
 * @since 0.2
 */
public enum RuleTier {
    /** No default rules of the languages (a policy built from scratch). Never the tier of a rule. */
    NONE,
    /** The tier of the {@code permissive} preset. */
    PERMISSIVE,
    /** The tier of the {@code development} preset; the tier of every built-in language rule. */
    DEVELOPMENT,
    /** The tier of the {@code production} preset. */
    PRODUCTION,
    /** The tier of the {@code strict} preset. */
    STRICT;

    /** The name in policy files: {@code none}, {@code permissive}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether a policy of this tier applies a rule tagged {@code ruleTier}: it does when the rule's tier is this one
     * or lower, and this is not {@link #NONE}.
     */
    public boolean includes(RuleTier ruleTier) {
        requireNonNull(ruleTier, "ruleTier");
        return this != NONE && ruleTier != NONE && ruleTier.ordinal() <= ordinal();
    }

    /**
     * The tier with this {@link #wireName()} (any case, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the tiers if there is none by that name
     */
    public static RuleTier parse(String name) {
        requireNonNull(name, "name");
        String key = name.strip().toLowerCase(Locale.ROOT);
        for (RuleTier t : values()) {
            if (t.wireName().equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("Expected default rule tier one of "
                + Arrays.stream(values()).map(RuleTier::wireName).toList() + " but was '" + Texts.sanitize(name, 40)
                + "'");
    }
}
