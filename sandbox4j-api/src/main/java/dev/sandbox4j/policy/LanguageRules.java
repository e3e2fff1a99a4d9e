package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The default rules of one language: the patterns and restricted modules its plug-in (a {@code LanguageHandler})
 * brings, each tagged with the {@link RuleTier} from which on a policy applies it. A {@link SecurityPolicy} does not
 * hold them: it names a tier, and the engine hands the language's rules to
 * {@link SecurityPolicy#check(String, String, SourceScanner, LanguageRules)} when it checks that language's code.
 *
 * <pre>{@code
 * static final LanguageRules RULES = LanguageRules.builder("ruby")
 *         .pattern("eval", "(?<![\\w@$:])eval\\b", "evaluates dynamically built code", Severity.MEDIUM)
 *         .module("socket", "raw network sockets", Severity.MEDIUM)
 *         .build();
 * }</pre>
 *
 * <p>Severities follow one scale across languages: HIGH = runs other programs or native code; MEDIUM = escapes static
 * checking or reaches outside (eval, dynamic import, deletion, network, deserialisation, reflection, cloud SDKs); LOW =
 * touches the box (file writes, processes/threads, environment, os-level modules). The presets block at HIGH
 * ({@code development}), MEDIUM ({@code production}) and LOW ({@code strict}).
 *
 * <p>Pattern ids are {@code <language>.<name>} (violations say {@code pattern:ruby.eval}), module ids
 * {@code module:<language>:<name>}; both are what a policy's {@code remove} names. The regexes are code, written and
 * vetted with the plug-in, so they run on {@link java.util.regex} (look-around allowed) without the time budget of a
 * policy's own patterns, each compiled once when the rules are built. Immutable and thread-safe: build them once (a
 * constant of the handler).
 *
 * @since 0.2
 */
public final class LanguageRules {
    /** A pattern, the tier from which on it applies, and its compiled regex. */
    record TieredPattern(SecurityPattern pattern, RuleTier tier, CompiledPattern compiled) {}

    /** A restricted module and the tier from which on it applies. */
    record TieredModule(RestrictedModule module, RuleTier tier) {}

    private final String language;
    private final List<TieredPattern> patterns;
    private final List<TieredModule> modules;
    /** Tier by rule id ({@code pattern:<language>.<name>}, {@code module:<language>:<name>}). */
    private final Map<String, RuleTier> tiers;

    private LanguageRules(Builder b) {
        this.language = b.language;
        this.patterns = List.copyOf(b.patterns);
        this.modules = List.copyOf(b.modules);
        this.tiers = Map.copyOf(b.tiers);
    }

    /**
     * Starts the rules of a language.
     *
     * @param language the language's id (as its handler's {@code id()}), lower case
     * @throws IllegalArgumentException if the id is blank or not lower case
     */
    public static Builder builder(String language) {
        return new Builder(language);
    }

    /** No rules (the default of a language plug-in that brings none). */
    public static LanguageRules none(String language) {
        return builder(language).build();
    }

    /** The language's id. */
    public String language() {
        return language;
    }

    /** The patterns a policy of tier {@code policyTier} applies (every pattern with {@link RuleTier#STRICT}). */
    public List<SecurityPattern> patterns(RuleTier policyTier) {
        requireNonNull(policyTier, "policyTier");
        return patterns.stream().filter(p -> policyTier.includes(p.tier())).map(TieredPattern::pattern).toList();
    }

    /** The restricted modules a policy of tier {@code policyTier} applies. */
    public List<RestrictedModule> restrictedModules(RuleTier policyTier) {
        requireNonNull(policyTier, "policyTier");
        return modules.stream().filter(m -> policyTier.includes(m.tier())).map(TieredModule::module).toList();
    }

    /**
     * The tier of a rule of this language, by the id violations carry ({@code pattern:ruby.eval},
     * {@code module:ruby:socket}; a pattern's id without the {@code pattern:} prefix is accepted too).
     */
    public Optional<RuleTier> tierOf(String ruleId) {
        requireNonNull(ruleId, "ruleId");
        String id = ruleId.startsWith("module:") || ruleId.startsWith("pattern:") ? ruleId : "pattern:" + ruleId;
        return Optional.ofNullable(tiers.get(id));
    }

    /** How many patterns and modules, of every tier. */
    public int size() {
        return patterns.size() + modules.size();
    }

    List<TieredPattern> tieredPatterns() {
        return patterns;
    }

    List<TieredModule> tieredModules() {
        return modules;
    }

    @Override
    public String toString() {
        return "LanguageRules[" + language + ", " + patterns.size() + " patterns, " + modules.size()
                + " restricted modules]";
    }

    /**
     * Builds {@link LanguageRules}. The short forms ({@link #pattern(String, String, String, Severity)},
     * {@link #module(String, String, Severity)}, ...) tag a rule {@link RuleTier#DEVELOPMENT}, the tier of every
     * built-in language rule; the forms taking a {@link RuleTier} tag it with another.
     */
    public static final class Builder {
        private final String language;
        private final List<TieredPattern> patterns = new ArrayList<>();
        private final List<TieredModule> modules = new ArrayList<>();
        private final Map<String, RuleTier> tiers = new HashMap<>();

        private Builder(String language) {
            requireNonNull(language, "language");
            if (language.isBlank() || !language.equals(language.toLowerCase(Locale.ROOT))
                    || language.indexOf('.') >= 0 || language.indexOf(':') >= 0) {
                throw new IllegalArgumentException("language id '" + Texts.sanitize(language, 40)
                        + "' must be non-blank lower case without '.' or ':'");
            }
            this.language = language;
        }

        /**
         * A pattern over code only (comments and string contents blanked), id {@code <language>.<name>}, tier
         * {@link RuleTier#DEVELOPMENT}.
         *
         * @throws IllegalArgumentException if the regex is invalid or the id is taken
         */
        public Builder pattern(String name, String regex, String description, Severity severity) {
            return pattern(RuleTier.DEVELOPMENT, new SecurityPattern(language + "." + name, regex, description,
                    severity, PatternScope.CODE, Set.of(language)));
        }

        /**
         * A pattern over code and string literals (comments blanked), for commands passed as strings and file modes,
         * id {@code <language>.<name>}, tier {@link RuleTier#DEVELOPMENT}.
         */
        public Builder stringsPattern(String name, String regex, String description, Severity severity) {
            return pattern(RuleTier.DEVELOPMENT, new SecurityPattern(language + "." + name, regex, description,
                    severity, PatternScope.CODE_AND_STRINGS, Set.of(language)));
        }

        /**
         * A pattern applied from {@code tier} on.
         *
         * @throws IllegalArgumentException if the tier is {@link RuleTier#NONE}, the pattern's id does not start with
         *     {@code <language>.}, it does not apply to exactly this language, or the id is taken
         */
        public Builder pattern(RuleTier tier, SecurityPattern pattern) {
            requireNonNull(pattern, "pattern");
            checkTier(tier, pattern.id());
            if (!pattern.id().startsWith(language + ".") || !pattern.languages().equals(Set.of(language))) {
                throw new IllegalArgumentException("pattern '" + Texts.sanitize(pattern.id(), 60) + "' of language "
                        + language + " must have an id '" + language + ".<name>' and apply to " + language + " only");
            }
            claim("pattern:" + pattern.id(), tier);
            patterns.add(new TieredPattern(pattern, tier, CompiledPattern.vetted(pattern.regex())));
            return this;
        }

        /** A restricted module (name as the language's imports write it), tier {@link RuleTier#DEVELOPMENT}. */
        public Builder module(String name, String description, Severity severity) {
            return module(RuleTier.DEVELOPMENT, RestrictedModule.of(language, name, description, severity));
        }

        /** Several restricted modules with one description and severity, tier {@link RuleTier#DEVELOPMENT}. */
        public Builder modules(List<String> names, String description, Severity severity) {
            requireNonNull(names, "names").forEach(n -> module(n, description, severity));
            return this;
        }

        /**
         * A restricted module applied from {@code tier} on.
         *
         * @throws IllegalArgumentException if the tier is {@link RuleTier#NONE}, the module does not apply to
         *     exactly this language, or its id is taken
         */
        public Builder module(RuleTier tier, RestrictedModule module) {
            requireNonNull(module, "module");
            checkTier(tier, module.id());
            if (!module.languages().equals(Set.of(language))) {
                throw new IllegalArgumentException("restricted module '" + Texts.sanitize(module.name(), 60)
                        + "' of language " + language + " must apply to " + language + " only");
            }
            claim(module.id(), tier);
            modules.add(new TieredModule(module, tier));
            return this;
        }

        private static void checkTier(RuleTier tier, String id) {
            requireNonNull(tier, "tier");
            if (tier == RuleTier.NONE) {
                throw new IllegalArgumentException("rule '" + Texts.sanitize(id, 60) + "' needs a tier other than "
                        + "none");
            }
        }

        private void claim(String id, RuleTier tier) {
            if (tiers.putIfAbsent(id, tier) != null) {
                throw new IllegalArgumentException("rule '" + Texts.sanitize(id, 60) + "' is defined twice");
            }
        }

        public LanguageRules build() {
            return new LanguageRules(this);
        }
    }
}
