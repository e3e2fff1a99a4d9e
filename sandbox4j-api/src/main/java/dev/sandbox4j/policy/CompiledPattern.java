package dev.sandbox4j.policy;

import dev.sandbox4j.text.Texts;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntBinaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SecurityPattern}'s regex compiled for matching, with the words every match needs (a prefilter).
 *
 * <p>Two engines. The built-in rules (the language-independent {@link AnyLanguageRules} and the rules of the languages,
 * {@link LanguageRules}) are vetted and use look-behind and look-ahead, which only {@link java.util.regex} has; they
 * run there, compiled once per JVM (fixed tables, not caches: the language-independent ones here, each language's in
 * its {@link LanguageRules}, found by regex through {@link KnownLanguageRules}). Every other
 * pattern (from a request, a policy file or the embedding code) runs on RE2/J, whose matching time is linear in the
 * input: no regex can backtrack for minutes. A pattern RE2/J cannot compile can only come from code (policy files
 * and requests are checked with {@link #checkLinearTime}); it falls back to {@link java.util.regex}. Patterns that
 * are not built in match under a time budget as well (see {@link SecurityPolicy}).
 */
final class CompiledPattern {
    /** Every built-in regex, compiled once. */
    private static final class BuiltIns {
        static final Map<String, CompiledPattern> BY_REGEX = compileAll();

        private static Map<String, CompiledPattern> compileAll() {
            Map<String, CompiledPattern> m = new HashMap<>();
            AnyLanguageRules.destructive().stream()
                    .map(SecurityPattern::regex)
                    .forEach(r -> m.computeIfAbsent(r, x -> new CompiledPattern(x, jdk(x), true)));
            return Map.copyOf(m);
        }
    }

    /** Finds matches: calls {@code found(start, end)} for each, in order; a negative answer stops the search. */
    private interface Engine {
        void findAll(CharSequence text, IntBinaryOperator found);
    }

    final String regex;
    final @Nullable Set<String> requiredWords;
    final boolean builtIn;
    /** Whether it runs on RE2/J (linear time). */
    final boolean linearTime;
    private final Engine engine;

    private CompiledPattern(String regex, Engine engine, boolean builtIn) {
        this.regex = regex;
        this.engine = engine;
        this.builtIn = builtIn;
        this.linearTime = engine instanceof Re2;
        this.requiredWords = RequiredWords.of(regex);
    }

    /** The built-in entry for a built-in regex, else the regex compiled on RE2/J (java.util.regex if it must). */
    static CompiledPattern of(String regex) {
        CompiledPattern builtIn = builtIn(regex);
        if (builtIn != null) {
            return builtIn;
        }
        Engine e;
        try {
            e = new Re2(com.google.re2j.Pattern.compile(regex, com.google.re2j.Pattern.MULTILINE));
        } catch (com.google.re2j.PatternSyntaxException | StackOverflowError ex) {
            e = jdk(regex); // only from code: policy files and requests are refused by checkLinearTime
        }
        return new CompiledPattern(regex, e, false);
    }

    /** Whether this regex is one of the built-in rules' (vetted, so any engine feature is fine). */
    static boolean isBuiltIn(String regex) {
        return builtIn(regex) != null;
    }

    private static @Nullable CompiledPattern builtIn(String regex) {
        CompiledPattern any = BuiltIns.BY_REGEX.get(regex);
        return any != null ? any : KnownLanguageRules.get().vetted(regex);
    }

    /** A regex of a language's own rules ({@link LanguageRules}): vetted code, on java.util.regex, no time budget. */
    static CompiledPattern vetted(String regex) {
        return new CompiledPattern(regex, jdk(regex), true);
    }

    /**
     * Checks that a regex from outside (a request or a policy file) can run in linear time: a built-in rule's
     * regex, or one RE2/J compiles.
     *
     * @throws IllegalArgumentException saying which construct RE2/J refused and what it does not support
     */
    static void checkLinearTime(String id, String regex) {
        if (isBuiltIn(regex)) {
            return;
        }
        try {
            com.google.re2j.Pattern.compile(regex, com.google.re2j.Pattern.MULTILINE);
        } catch (com.google.re2j.PatternSyntaxException | StackOverflowError e) {
            String why = e instanceof com.google.re2j.PatternSyntaxException p ? p.getDescription() : "nested too deep";
            throw new IllegalArgumentException("pattern '" + Texts.sanitize(id, 60) + "': regex '"
                    + Texts.sanitize(regex, 80) + "' is not supported by the linear-time regex engine (RE2 syntax) "
                    + "that patterns of requests and policy files run on (" + Texts.sanitize(why, 80) + "); RE2 has "
                    + "no look-ahead, look-behind, back-references or possessive quantifiers", e);
        }
    }

    /** Calls {@code found(start, end)} for every match in {@code text}; stops early when it answers negative. */
    void findAll(CharSequence text, IntBinaryOperator found) {
        engine.findAll(text, found);
    }

    private static Engine jdk(String regex) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.MULTILINE);
        return (text, found) -> {
            java.util.regex.Matcher m = p.matcher(text);
            while (m.find()) {
                if (found.applyAsInt(m.start(), m.end()) < 0 || m.end() == m.start() && m.end() >= text.length()) {
                    return;
                }
            }
        };
    }

    private record Re2(com.google.re2j.Pattern pattern) implements Engine {
        @Override
        public void findAll(CharSequence text, IntBinaryOperator found) {
            com.google.re2j.Matcher m = pattern.matcher(text);
            while (m.find()) {
                if (found.applyAsInt(m.start(), m.end()) < 0 || m.end() == m.start() && m.end() >= text.length()) {
                    return;
                }
            }
        }
    }
}
