package dev.sandbox4j.policy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The default rules of the languages on the class path ({@link LanguageRulesProvider}s), looked up once per JVM: the
 * class path does not change. Used where a policy meets a rule only by its text or id: a policy file's regex (is it a
 * vetted copy of a built-in rule?) and {@code remove} (does a language have that rule?).
 */
final class KnownLanguageRules {
    private static final KnownLanguageRules EMPTY = new KnownLanguageRules(List.of());
    private static volatile @Nullable KnownLanguageRules loaded;
    /** Set while this thread loads: a provider that builds a policy meanwhile sees no language rules. */
    private static final ThreadLocal<Boolean> LOADING = new ThreadLocal<>();

    /** Compiled vetted regexes of every language's patterns, by regex. */
    final Map<String, CompiledPattern> vettedByRegex;
    /** Tier by rule id ({@code pattern:<lang>.<name>}, {@code module:<lang>:<name>}). */
    private final Map<String, RuleTier> tiers;
    private final Set<String> languages;

    private KnownLanguageRules(List<LanguageRules> all) {
        Map<String, CompiledPattern> vetted = new HashMap<>();
        Map<String, RuleTier> t = new HashMap<>();
        Set<String> langs = new HashSet<>();
        for (LanguageRules r : all) {
            langs.add(r.language());
            for (LanguageRules.TieredPattern p : r.tieredPatterns()) {
                vetted.putIfAbsent(p.pattern().regex(), p.compiled());
                t.putIfAbsent("pattern:" + p.pattern().id(), p.tier());
            }
            for (LanguageRules.TieredModule m : r.tieredModules()) {
                t.putIfAbsent(m.module().id(), m.tier());
            }
        }
        this.vettedByRegex = Map.copyOf(vetted);
        this.tiers = Map.copyOf(t);
        this.languages = Set.copyOf(langs);
    }

    static KnownLanguageRules get() {
        KnownLanguageRules k = loaded;
        if (k != null) {
            return k;
        }
        if (LOADING.get() != null) {
            return EMPTY;
        }
        synchronized (KnownLanguageRules.class) {
            if (loaded == null) {
                LOADING.set(Boolean.TRUE);
                try {
                    loaded = new KnownLanguageRules(load());
                } finally {
                    LOADING.remove();
                }
            }
            return loaded;
        }
    }

    private static List<LanguageRules> load() {
        Map<String, LanguageRules> byLanguage = new HashMap<>();
        Set<Class<?>> seen = new HashSet<>();
        for (ClassLoader cl : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                KnownLanguageRules.class.getClassLoader()}) {
            if (cl == null) {
                continue;
            }
            try {
                for (LanguageRulesProvider p : ServiceLoader.load(LanguageRulesProvider.class, cl)) {
                    if (seen.add(p.getClass())) {
                        p.languageRules().forEach(r -> byLanguage.putIfAbsent(r.language(), r));
                    }
                }
            } catch (ServiceConfigurationError | RuntimeException e) {
                // a broken provider must not break policies: its languages are simply unknown here
            }
        }
        return List.copyOf(byLanguage.values());
    }

    /** The vetted compiled regex of a language rule with this regex, or null. */
    @Nullable CompiledPattern vetted(String regex) {
        return vettedByRegex.get(regex);
    }

    /**
     * Whether a policy of tier {@code policyTier} may remove {@code canonicalId} ({@code pattern:<lang>.<name>} or
     * {@code module:<lang>:<name>}) from the default rules: when a language on the class path has that rule at that tier
     * or lower. Without any provider (the API without an engine) no id can be checked, so every id naming a language
     * is accepted (one that no language has removes nothing).
     */
    boolean removable(String canonicalId, RuleTier policyTier) {
        String lang = languageOf(canonicalId);
        if (policyTier == RuleTier.NONE || lang == null || lang.equals("any")) {
            return false;
        }
        if (languages.isEmpty()) {
            return true;
        }
        RuleTier t = tiers.get(canonicalId);
        return t != null && policyTier.includes(t);
    }

    /** {@code python} of {@code pattern:python.eval} or {@code module:python:os}; null if the id names none. */
    static @Nullable String languageOf(String canonicalId) {
        if (canonicalId.startsWith("pattern:")) {
            int dot = canonicalId.indexOf('.', 8);
            return dot > 8 ? canonicalId.substring(8, dot) : null;
        }
        if (canonicalId.startsWith("module:")) {
            int colon = canonicalId.indexOf(':', 7);
            return colon > 7 && colon < canonicalId.length() - 1 ? canonicalId.substring(7, colon) : null;
        }
        return null;
    }
}
