package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntBinaryOperator;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Screens code before it runs: regex {@link SecurityPattern}s over a language-aware view of the source,
 * {@link RestrictedModule}s matched against the imports a lexer found, dynamic imports, and custom
 * {@link PolicyRule}s. Code whose worst finding is at or above the {@link #threshold()} is blocked; a blocked run
 * starts no process and returns status {@code blocked_by_policy} with the violations.
 *
 * <p>Immutable and thread-safe. Start from a preset and tailor it:
 * <pre>{@code
 * SecurityPolicy policy = SecurityPolicy.production().toBuilder()
 *         .threshold(Severity.HIGH)
 *         .addRestrictedModule(RestrictedModule.of("python", "requests", "HTTP client", Severity.HIGH))
 *         .addPattern(SecurityPattern.of("no-sleep", "\\btime\\.sleep\\(", "sleeping wastes the box", Severity.LOW))
 *         .build();
 * PolicyVerdict v = Sandbox4j.check("python", "import subprocess\nsubprocess.run(['ls'])", policy);
 * }</pre>
 *
 * <p>Presets, from permissive to strict (see {@code docs/policy.md}; {@code sandbox4j policy --preset NAME} prints every rule):
 * <ul>
 *   <li>{@link #permissive()}: threshold HIGH, only blatantly destructive code (fork bombs, {@code rm -rf /},
 *       {@code mkfs}, raw disk writes).
 *   <li>{@link #development()}: threshold HIGH, the languages' default rules: blocks system command execution,
 *       subprocess/child_process, native code (ctypes, FFI, dlopen, JNI, unsafe), allows the rest.
 *   <li>{@link #production()}: threshold MEDIUM: additionally blocks eval/exec/compile and dynamic imports, file
 *       deletion, raw sockets, HTTP clients, deserialisation (pickle, ObjectInputStream), reflection, cloud SDKs.
 *   <li>{@link #strict()}: threshold LOW: additionally blocks file writes, {@code os}/{@code fs}-style modules,
 *       threads/processes, environment access.
 * </ul>
 *
 * <p>Where the rules come from. A policy holds its <em>own</em> rules ({@link #patterns()},
 * {@link #restrictedModules()}, {@link #rules()}: every preset carries the language-independent destructive patterns,
 * {@code any.*}) and a {@link RuleTier} ({@link #defaultRuleTier()}). The rules of each language come from that
 * language's plug-in ({@link LanguageRules}, each tagged with a tier); the engine hands them to
 * {@link #check(String, String, SourceScanner, LanguageRules)} when it checks that language's code, and the policy
 * applies those of its tier and below, except the ones it {@linkplain Builder#remove removed} or replaced with an own
 * rule of the same id. So this class knows no language, a new language's plug-in brings its rules to every preset, and
 * {@code Sandbox4j.expand(policy)} lists every rule a policy applies (what {@code sandbox4j policy} prints).
 *
 * <p>The policy is defence in depth, not the boundary: the container is. It refuses early and explains why.
 *
 * <p>Regex engines. The built-in rules' patterns run on {@link java.util.regex} (they are vetted, and some need
 * look-around). Every other pattern runs on RE2/J, whose time is linear in the length of the code, when RE2/J can
 * compile it (patterns of policy files and of requests must be RE2 syntax, see {@link PolicyFiles}), and all of them
 * together get a time budget per check (2 s): beyond it the code is blocked with the violation
 * {@code pattern-budget} (fail closed). Patterns are compiled once, when the policy is built.
 *
 * @since 0.1
 */
public final class SecurityPolicy {
    /**
     * How long the patterns that are not built in may take on one piece of code, together; then the code is blocked
     * (fail closed). They run on a linear-time engine, so only huge inputs times many patterns come near it.
     */
    static final Duration DEFAULT_PATTERN_BUDGET = Duration.ofSeconds(2);
    /** The presets by name, from permissive to strict. */
    private static final Map<String, Supplier<SecurityPolicy>> PRESETS = presets();
    /** Short names {@link #preset} accepts as well. */
    private static final Map<String, String> PRESET_ALIASES = Map.of("dev", "development", "prod", "production");

    private final String name;
    private final Severity threshold;
    private final Severity dynamicImportSeverity;
    private final List<SecurityPattern> patterns;
    private final List<RestrictedModule> restrictedModules;
    private final List<PolicyRule> rules;
    private final RuleTier defaultRuleTier;
    /** Default rules of the languages taken out ({@code pattern:<lang>.<name>}, {@code module:<lang>:<name>}). */
    private final Set<String> removedDefaults;
    /** Ids of {@link #patterns} and {@link #restrictedModules}: a language's default rule with one of them is replaced. */
    private final Set<String> ownIds;
    /** {@link #patterns}, compiled once for this policy (the built-in ones are shared: a fixed table). */
    private final List<CompiledPattern> compiled;
    private final long patternBudgetNanos;

    private SecurityPolicy(Builder b) {
        this.name = b.name;
        this.threshold = b.threshold;
        this.dynamicImportSeverity = b.dynamicImportSeverity;
        this.patterns = List.copyOf(b.patterns.values());
        this.restrictedModules = List.copyOf(b.modules.values());
        this.rules = List.copyOf(b.rules);
        this.defaultRuleTier = b.defaultRuleTier;
        this.removedDefaults = b.defaultRuleTier == RuleTier.NONE ? Set.of() : Set.copyOf(b.removedDefaults);
        Set<String> own = new HashSet<>();
        patterns.forEach(p -> own.add("pattern:" + p.id()));
        restrictedModules.forEach(m -> own.add(m.id()));
        this.ownIds = Set.copyOf(own);
        this.compiled = patterns.stream().map(p -> CompiledPattern.of(p.regex())).toList();
        this.patternBudgetNanos = b.patternBudget.toNanos();
    }

    /**
     * Threshold HIGH; only blatantly destructive code (its own {@code any.*} patterns; default rule tier
     * {@link RuleTier#PERMISSIVE}, which no built-in language rule has).
     */
    public static SecurityPolicy permissive() {
        Builder b = builder().name("permissive").threshold(Severity.HIGH).dynamicImportSeverity(Severity.LOW)
                .defaultRuleTier(RuleTier.PERMISSIVE);
        AnyLanguageRules.destructive().forEach(b::addPattern);
        return b.build();
    }

    /** Threshold HIGH with every default rule of the languages (tier {@link RuleTier#DEVELOPMENT}). */
    public static SecurityPolicy development() {
        return defaults("development", Severity.HIGH, RuleTier.DEVELOPMENT);
    }

    /** Threshold MEDIUM with every default rule of the languages (tier {@link RuleTier#PRODUCTION}). */
    public static SecurityPolicy production() {
        return defaults("production", Severity.MEDIUM, RuleTier.PRODUCTION);
    }

    /** Threshold LOW with every default rule of the languages (tier {@link RuleTier#STRICT}). */
    public static SecurityPolicy strict() {
        return defaults("strict", Severity.LOW, RuleTier.STRICT);
    }

    private static Map<String, Supplier<SecurityPolicy>> presets() {
        Map<String, Supplier<SecurityPolicy>> m = new LinkedHashMap<>();
        m.put("permissive", SecurityPolicy::permissive);
        m.put("development", SecurityPolicy::development);
        m.put("production", SecurityPolicy::production);
        m.put("strict", SecurityPolicy::strict);
        return Collections.unmodifiableMap(m);
    }

    /**
     * The names of the presets, from permissive to strict: {@code [permissive, development, production, strict]}.
     * {@link #preset} also takes {@code dev} and {@code prod}, and any case.
     *
     * @since 0.2
     */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * Whether {@link #preset} knows this name.
     *
     * @since 0.2
     */
    public static boolean isPreset(String name) {
        return presetOrNull(name) != null;
    }

    /**
     * A preset by name.
     *
     * @throws IllegalArgumentException naming the presets if there is none by that name
     */
    public static SecurityPolicy preset(String name) {
        Supplier<SecurityPolicy> p = presetOrNull(name);
        if (p == null) {
            throw new IllegalArgumentException("Expected policy preset one of " + PRESETS.keySet() + " but was '"
                    + Texts.sanitize(name, 40) + "'");
        }
        return p.get();
    }

    private static @Nullable Supplier<SecurityPolicy> presetOrNull(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        return PRESETS.get(PRESET_ALIASES.getOrDefault(key, key));
    }

    private static SecurityPolicy defaults(String name, Severity threshold, RuleTier tier) {
        Builder b = builder().name(name).threshold(threshold).dynamicImportSeverity(Severity.MEDIUM)
                .defaultRuleTier(tier);
        AnyLanguageRules.destructive().forEach(b::addPattern);
        return b.build();
    }

    /** An empty policy (threshold MEDIUM, no rules, no default rules of the languages) to build up from scratch. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public String name() {
        return name;
    }

    public Severity threshold() {
        return threshold;
    }

    /** Severity of an import whose module is computed at run time ({@code __import__(name)}, {@code require(x)}). */
    public Severity dynamicImportSeverity() {
        return dynamicImportSeverity;
    }

    /**
     * The policy's own patterns. A preset's are the language-independent {@code any.*} ones; the languages' default
     * patterns are not among them (see {@link #defaultRuleTier()}; {@code Sandbox4j.expand(policy)} lists them all).
     */
    public List<SecurityPattern> patterns() {
        return patterns;
    }

    /** The policy's own restricted modules; the languages' default ones are not among them (see {@link #patterns()}). */
    public List<RestrictedModule> restrictedModules() {
        return restrictedModules;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    /**
     * Which default rules of the languages the policy applies: those tagged with this tier or a lower one
     * ({@link RuleTier#includes}); {@link RuleTier#NONE} for none. A preset's tier is the one of its name.
     *
     * @since 0.2
     */
    public RuleTier defaultRuleTier() {
        return defaultRuleTier;
    }

    /**
     * The ids of the languages' default rules this policy does not apply ({@link Builder#remove}), sorted, e.g.
     * {@code [module:python:os, pattern:python.environ]}; empty when {@link #defaultRuleTier()} is
     * {@link RuleTier#NONE}.
     *
     * @since 0.2
     */
    public List<String> removedDefaultRules() {
        return removedDefaults.stream().sorted().toList();
    }

    /**
     * This policy with the default rules it applies of these languages written out as its own: tier
     * {@link RuleTier#NONE}, its own rules first, then each language's patterns and modules of the policy's tier and
     * below, without the removed ones and those an own rule of the same id replaces. It checks any of these languages
     * as this policy does. Name, threshold, dynamic-import severity and custom {@link PolicyRule}s are kept.
     * {@code Sandbox4j.expand(policy)} calls this with the languages on the class path.
     *
     * @since 0.2
     */
    public SecurityPolicy expand(Collection<LanguageRules> languages) {
        requireNonNull(languages, "languages");
        Builder b = toBuilder();
        b.defaultRuleTier = RuleTier.NONE;
        b.removedDefaults.clear();
        for (LanguageRules r : languages) {
            for (LanguageRules.TieredPattern t : r.tieredPatterns()) {
                if (applies(t.tier(), "pattern:" + t.pattern().id())) {
                    b.patterns.putIfAbsent(t.pattern().id(), t.pattern());
                }
            }
            for (LanguageRules.TieredModule t : r.tieredModules()) {
                if (applies(t.tier(), t.module().id())) {
                    b.modules.putIfAbsent(t.module().id(), t.module());
                }
            }
        }
        return b.build();
    }

    /** Whether a language's default rule of this tier and id applies (tier, not removed, not replaced). */
    private boolean applies(RuleTier ruleTier, String id) {
        return defaultRuleTier.includes(ruleTier) && !removedDefaults.contains(id) && !ownIds.contains(id);
    }

    /**
     * Checks code with a given scanner (e.g. a language plug-in's) against the policy's own rules only: no language's
     * default rules. The engine checks with {@link #check(String, String, SourceScanner, LanguageRules)}.
     */
    public PolicyVerdict check(String language, String code, SourceScanner scanner) {
        return check(language, code, scanner, null);
    }

    /**
     * Checks code: the policy's own rules, and of {@code defaultRules} (the default rules of the language, from its
     * plug-in) those of the policy's {@link #defaultRuleTier()} and below that it neither removed nor replaced.
     *
     * @param language the language's id (rules that name other languages do not apply)
     * @param scanner the language's lexer
     * @param defaultRules the language's default rules, or {@code null} for none
     * @since 0.2
     */
    public PolicyVerdict check(String language, String code, SourceScanner scanner,
            @Nullable LanguageRules defaultRules) {
        String lang = language.toLowerCase(Locale.ROOT);
        ScannedSource src;
        try {
            src = scanner.scan(code);
        } catch (RuntimeException | StackOverflowError e) {
            return unscannable(lang, e.toString());
        }
        if (src.imports().stream().anyMatch(i -> i.form().equals(ImportRef.SCAN_ERROR))) {
            return unscannable(lang, "reported by the scanner");
        }
        PolicyInput input = new PolicyInput(lang, src);
        List<Violation> found = new ArrayList<>();
        long[] budgetEnd = {0}; // set when the first pattern that is not built in runs
        if (defaultRules != null && defaultRuleTier != RuleTier.NONE) {
            for (LanguageRules.TieredPattern t : defaultRules.tieredPatterns()) {
                if (applies(t.tier(), "pattern:" + t.pattern().id())) {
                    match(t.pattern(), t.compiled(), lang, src, input, found, budgetEnd); // vetted: no budget
                }
            }
        }
        for (int i = 0; i < patterns.size(); i++) {
            if (!match(patterns.get(i), compiled.get(i), lang, src, input, found, budgetEnd)) {
                break;
            }
        }
        char sep = scanner.moduleSeparator();
        for (ImportRef imp : src.imports()) {
            if (imp.dynamic()) {
                found.add(input.violation("dynamic-import", "module chosen at run time (" + imp.form()
                        + "), so it cannot be checked", dynamicImportSeverity, imp.offset(), imp.length()));
                continue;
            }
            for (RestrictedModule r : restrictedModules) {
                if (r.appliesTo(lang) && matches(r.name(), imp, sep)) {
                    found.add(input.violation(r.id(), r.description(), r.severity(), imp.offset(), imp.length()));
                }
            }
            if (defaultRules != null && defaultRuleTier != RuleTier.NONE) {
                for (LanguageRules.TieredModule t : defaultRules.tieredModules()) {
                    RestrictedModule r = t.module();
                    if (applies(t.tier(), r.id()) && r.appliesTo(lang) && matches(r.name(), imp, sep)) {
                        found.add(input.violation(r.id(), r.description(), r.severity(), imp.offset(),
                                imp.length()));
                    }
                }
            }
        }
        for (PolicyRule rule : rules) {
            try {
                List<Violation> v = rule.evaluate(input);
                if (v != null) {
                    found.addAll(v);
                }
            } catch (RuntimeException e) {
                found.add(new Violation("rule-error", "custom rule failed (" + e + "); failing closed",
                        Severity.HIGH, 0, 0, ""));
            }
        }
        found.sort(Comparator.comparingInt(Violation::line).thenComparingInt(Violation::column)
                .thenComparing(Violation::rule));
        boolean allowed = found.stream().noneMatch(v -> v.severity().compareTo(threshold) >= 0);
        return new PolicyVerdict(allowed, threshold, found, name);
    }

    /**
     * Matches one pattern against its view of the source, adding a violation per match. Patterns that are not built in
     * share a time budget per check; when it is spent, a {@code pattern-budget} violation is added and this answers
     * false (no further pattern runs: fail closed).
     */
    private boolean match(SecurityPattern p, CompiledPattern c, String lang, ScannedSource src, PolicyInput input,
            List<Violation> found, long[] budgetEnd) {
        if (!p.appliesTo(lang)) {
            return true;
        }
        String view = switch (p.scope()) {
            case CODE -> src.codeOnly();
            case CODE_AND_STRINGS -> src.withoutComments();
            case RAW -> src.code();
        };
        Set<String> hint = c.requiredWords;
        if (hint != null && hint.stream().noneMatch(view::contains)) {
            return true; // none of the words every match needs occurs: the regex cannot match
        }
        IntBinaryOperator add = (start, end) -> {
            found.add(input.violation("pattern:" + p.id(), p.description(), p.severity(), start,
                    Math.max(1, end - start)));
            return 0;
        };
        if (c.builtIn) {
            c.findAll(view, add);
            return true;
        }
        if (budgetEnd[0] == 0) {
            budgetEnd[0] = System.nanoTime() + patternBudgetNanos;
        }
        try {
            c.findAll(new BudgetedText(view, budgetEnd[0]), add);
            return true;
        } catch (BudgetedText.OutOfTime e) {
            found.add(new Violation("pattern-budget", "the policy's own patterns took longer than "
                    + Texts.human(Duration.ofNanos(patternBudgetNanos)) + " on this code (at pattern '"
                    + Texts.sanitize(p.id(), 60) + "'); failing closed", Severity.HIGH, 0, 0, ""));
            return false;
        }
    }

    /** A scanner bug must not let code through unchecked: fail closed, whatever the threshold. */
    private PolicyVerdict unscannable(String lang, String why) {
        return new PolicyVerdict(false, threshold, List.of(new Violation(ImportRef.SCAN_ERROR,
                "the " + lang + " scanner failed (" + why + "); code cannot be checked", Severity.HIGH, 0, 0, "")),
                name);
    }

    static boolean matches(String restricted, ImportRef imp, char sep) {
        String module = imp.module();
        if (covers(restricted, module, sep)) {
            return true;
        }
        // `from os import system` restricted as `os.system`: module + sep + name, without building the string
        if (sep != 0 && restricted.length() > module.length() + 1 && restricted.startsWith(module)
                && restricted.charAt(module.length()) == sep) {
            String rest = restricted.substring(module.length() + 1);
            for (String n : imp.names()) {
                if (n.equals(rest) || n.startsWith(rest) && n.length() > rest.length() && n.charAt(rest.length()) == sep) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean covers(String restricted, String module, char sep) {
        return module.startsWith(restricted) && (module.length() == restricted.length()
                || sep != 0 && module.charAt(restricted.length()) == sep);
    }

    @Override
    public String toString() {
        return "SecurityPolicy[" + name + ", threshold " + threshold.wireName() + ", default rules "
                + defaultRuleTier.wireName() + (removedDefaults.isEmpty() ? "" : " minus " + removedDefaults.size())
                + ", " + patterns.size() + " patterns, " + restrictedModules.size() + " restricted modules, "
                + rules.size() + " rules]";
    }

    /**
     * Builds a {@link SecurityPolicy}. Adding a pattern or module with an existing id replaces it; one with the id of a
     * language's default rule replaces that rule.
     */
    public static final class Builder {
        private String name = "custom";
        private Severity threshold = Severity.MEDIUM;
        private Severity dynamicImportSeverity = Severity.MEDIUM;
        private final Map<String, SecurityPattern> patterns = new LinkedHashMap<>();
        private final Map<String, RestrictedModule> modules = new LinkedHashMap<>();
        private final List<PolicyRule> rules = new ArrayList<>();
        private RuleTier defaultRuleTier = RuleTier.NONE;
        private final Set<String> removedDefaults = new LinkedHashSet<>();
        private Duration patternBudget = DEFAULT_PATTERN_BUDGET;

        private Builder() {}

        private Builder(SecurityPolicy p) {
            name = p.name;
            threshold = p.threshold;
            dynamicImportSeverity = p.dynamicImportSeverity;
            defaultRuleTier = p.defaultRuleTier;
            removedDefaults.addAll(p.removedDefaults);
            patternBudget = Duration.ofNanos(p.patternBudgetNanos);
            p.patterns.forEach(x -> patterns.put(x.id(), x));
            p.restrictedModules.forEach(x -> modules.put(x.id(), x));
            rules.addAll(p.rules);
        }

        public Builder name(String name) {
            requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("policy name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Code with a finding at or above this severity is blocked. {@code SAFE} blocks any finding. */
        public Builder threshold(Severity threshold) {
            this.threshold = requireNonNull(threshold, "threshold");
            return this;
        }

        public Builder dynamicImportSeverity(Severity severity) {
            this.dynamicImportSeverity = requireNonNull(severity, "severity");
            return this;
        }

        public Builder addPattern(SecurityPattern pattern) {
            requireNonNull(pattern, "pattern");
            patterns.put(pattern.id(), pattern);
            return this;
        }

        public Builder addRestrictedModule(RestrictedModule module) {
            requireNonNull(module, "module");
            modules.put(module.id(), module);
            return this;
        }

        public Builder addRule(PolicyRule rule) {
            rules.add(requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Which default rules of the languages the policy applies (see {@link SecurityPolicy#defaultRuleTier()}).
         * Presets set the tier of their name; {@link SecurityPolicy#builder()} starts at {@link RuleTier#NONE}.
         *
         * @since 0.2
         */
        public Builder defaultRuleTier(RuleTier tier) {
            this.defaultRuleTier = requireNonNull(tier, "tier");
            return this;
        }

        /**
         * Removes a rule: an own pattern (by id, with or without the {@code pattern:} prefix) or restricted module (by
         * its {@link RestrictedModule#id()}, e.g. {@code module:python:os}), and a language's default rule of that id
         * that the policy's tier applies ({@code pattern:python.eval}, {@code module:python:os}). Default rules are
         * checked against the languages on the class path; without an engine there, any id naming a language is taken.
         * (To drop a default rule of a language that a client knows only from {@code builder().language(handler)},
         * add an own rule of the same id instead: it replaces the default one.)
         *
         * @throws IllegalArgumentException if there is no such rule
         */
        public Builder remove(String ruleId) {
            requireNonNull(ruleId, "ruleId");
            String id = ruleId.startsWith("pattern:") ? ruleId.substring("pattern:".length()) : ruleId;
            boolean own = patterns.remove(id) != null | modules.remove(ruleId) != null;
            String canonical = ruleId.startsWith("module:") ? ruleId : "pattern:" + id;
            boolean dflt = KnownLanguageRules.get().removable(canonical, defaultRuleTier);
            if (dflt) {
                removedDefaults.add(canonical);
            }
            if (!own && !dflt) {
                throw new IllegalArgumentException("No rule '" + Texts.sanitize(ruleId, 60) + "' in policy '" + name
                        + "' (ids look like 'pattern:python.eval' or 'module:python:os')");
            }
            return this;
        }

        /** For tests: the time budget of the patterns that are not built in (default 2 s). */
        Builder patternBudget(Duration budget) {
            this.patternBudget = requireNonNull(budget, "budget");
            return this;
        }

        public SecurityPolicy build() {
            return new SecurityPolicy(this);
        }
    }
}
