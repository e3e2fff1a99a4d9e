package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
 *   <li>{@link #development()}: threshold HIGH, the full default rule set: blocks system command execution,
 *       subprocess/child_process, native code (ctypes, FFI, dlopen, JNI, unsafe), allows the rest.
 *   <li>{@link #production()}: threshold MEDIUM: additionally blocks eval/exec/compile and dynamic imports, file
 *       deletion, raw sockets, HTTP clients, deserialisation (pickle, ObjectInputStream), reflection, cloud SDKs.
 *   <li>{@link #strict()}: threshold LOW: additionally blocks file writes, {@code os}/{@code fs}-style modules,
 *       threads/processes, environment access.
 * </ul>
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
        this.compiled = patterns.stream().map(p -> CompiledPattern.of(p.regex())).toList();
        this.patternBudgetNanos = b.patternBudget.toNanos();
    }

    /** Threshold HIGH; only blatantly destructive code. */
    public static SecurityPolicy permissive() {
        Builder b = builder().name("permissive").threshold(Severity.HIGH).dynamicImportSeverity(Severity.LOW);
        DefaultRules.destructive().forEach(b::addPattern);
        return b.build();
    }

    /** Threshold HIGH with the full default rule set. */
    public static SecurityPolicy development() {
        return defaults("development", Severity.HIGH);
    }

    /** Threshold MEDIUM with the full default rule set. */
    public static SecurityPolicy production() {
        return defaults("production", Severity.MEDIUM);
    }

    /** Threshold LOW with the full default rule set. */
    public static SecurityPolicy strict() {
        return defaults("strict", Severity.LOW);
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

    private static SecurityPolicy defaults(String name, Severity threshold) {
        Builder b = builder().name(name).threshold(threshold).dynamicImportSeverity(Severity.MEDIUM);
        DefaultRules.destructive().forEach(b::addPattern);
        DefaultRules.patterns().forEach(b::addPattern);
        DefaultRules.modules().forEach(b::addRestrictedModule);
        return b.build();
    }

    /** An empty policy (threshold MEDIUM, no rules) to build up from scratch. */
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

    public List<SecurityPattern> patterns() {
        return patterns;
    }

    public List<RestrictedModule> restrictedModules() {
        return restrictedModules;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    /** Checks code with a given scanner (e.g. a language plug-in's). */
    public PolicyVerdict check(String language, String code, SourceScanner scanner) {
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
        long budgetEnd = 0; // set when the first pattern that is not built in runs
        for (int i = 0; i < patterns.size(); i++) {
            SecurityPattern p = patterns.get(i);
            if (!p.appliesTo(lang)) {
                continue;
            }
            CompiledPattern c = compiled.get(i);
            String view = switch (p.scope()) {
                case CODE -> src.codeOnly();
                case CODE_AND_STRINGS -> src.withoutComments();
                case RAW -> src.code();
            };
            Set<String> hint = c.requiredWords;
            if (hint != null && hint.stream().noneMatch(view::contains)) {
                continue; // none of the words every match needs occurs: the regex cannot match
            }
            IntBinaryOperator add = (start, end) -> {
                found.add(input.violation("pattern:" + p.id(), p.description(), p.severity(), start,
                        Math.max(1, end - start)));
                return 0;
            };
            if (c.builtIn) {
                c.findAll(view, add);
                continue;
            }
            if (budgetEnd == 0) {
                budgetEnd = System.nanoTime() + patternBudgetNanos;
            }
            try {
                c.findAll(new BudgetedText(view, budgetEnd), add);
            } catch (BudgetedText.OutOfTime e) {
                found.add(new Violation("pattern-budget", "the policy's own patterns took longer than "
                        + Texts.human(Duration.ofNanos(patternBudgetNanos)) + " on this code (at pattern '"
                        + Texts.sanitize(p.id(), 60) + "'); failing closed", Severity.HIGH, 0, 0, ""));
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
        return "SecurityPolicy[" + name + ", threshold " + threshold.wireName() + ", " + patterns.size()
                + " patterns, " + restrictedModules.size() + " restricted modules, " + rules.size() + " rules]";
    }

    /** Builds a {@link SecurityPolicy}. Adding a pattern or module with an existing id replaces it. */
    public static final class Builder {
        private String name = "custom";
        private Severity threshold = Severity.MEDIUM;
        private Severity dynamicImportSeverity = Severity.MEDIUM;
        private final Map<String, SecurityPattern> patterns = new LinkedHashMap<>();
        private final Map<String, RestrictedModule> modules = new LinkedHashMap<>();
        private final List<PolicyRule> rules = new ArrayList<>();
        private Duration patternBudget = DEFAULT_PATTERN_BUDGET;

        private Builder() {}

        private Builder(SecurityPolicy p) {
            name = p.name;
            threshold = p.threshold;
            dynamicImportSeverity = p.dynamicImportSeverity;
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
         * Removes a pattern (by id, with or without the {@code pattern:} prefix) or a restricted module (by its
         * {@link RestrictedModule#id()}, e.g. {@code module:python:os}).
         *
         * @throws IllegalArgumentException if there is no such rule
         */
        public Builder remove(String ruleId) {
            requireNonNull(ruleId, "ruleId");
            String id = ruleId.startsWith("pattern:") ? ruleId.substring("pattern:".length()) : ruleId;
            if (patterns.remove(id) == null && modules.remove(ruleId) == null) {
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
