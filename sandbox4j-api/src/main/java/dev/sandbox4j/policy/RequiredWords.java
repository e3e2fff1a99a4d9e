package dev.sandbox4j.policy;

import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds words that every match of a regex must contain (at least one of the returned set), so a pattern can be
 * skipped without running it when none of them occurs in the text. Conservative: returns {@code null} ("no
 * prefilter") for anything it does not fully understand (inline flags, back-references, {@code \Q}, ...), so a
 * prefilter never hides a match.
 */
final class RequiredWords {
    private final String re;
    private int pos;

    private RequiredWords(String re) {
        this.re = re;
    }

    /** At least one of these words occurs in every match, or {@code null} if that cannot be said. */
    static @Nullable Set<String> of(String regex) {
        try {
            RequiredWords r = new RequiredWords(regex);
            Set<String> s = r.alternation();
            return r.pos == regex.length() ? s : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** alternatives separated by '|' until ')' or end; union of each alternative's set (null if any is null). */
    private @Nullable Set<String> alternation() {
        Set<String> union = new HashSet<>();
        boolean ok = true;
        while (true) {
            Set<String> alt = sequence();
            if (alt == null) {
                ok = false;
            } else {
                union.addAll(alt);
            }
            if (pos < re.length() && re.charAt(pos) == '|') {
                pos++;
                continue;
            }
            return ok ? union : null;
        }
    }

    /** One alternative: the best required set among its literal runs and required groups. */
    private @Nullable Set<String> sequence() {
        Set<String> best = null;
        StringBuilder run = new StringBuilder();
        while (pos < re.length()) {
            char c = re.charAt(pos);
            if (c == '|' || c == ')') {
                break;
            }
            if (Character.isLetterOrDigit(c) || c == '_') {
                pos++;
                if (optionalQuantifierNext()) {
                    best = better(best, run);
                    run.setLength(0);
                    skipQuantifier();
                    continue;
                }
                run.append(c);
                if (quantifierNext()) {
                    best = better(best, run);
                    run.setLength(0);
                    skipQuantifier();
                }
                continue;
            }
            best = better(best, run);
            run.setLength(0);
            switch (c) {
                case '\\' -> {
                    char n = re.charAt(pos + 1);
                    if (n == 'Q' || n == 'E' || Character.isDigit(n) || n == 'k') {
                        throw new IllegalStateException("unsupported escape");
                    }
                    pos += (n == 'p' || n == 'P') && pos + 2 < re.length() && re.charAt(pos + 2) == '{'
                            ? re.indexOf('}', pos) + 1 - pos : 2;
                    skipQuantifier();
                }
                case '[' -> {
                    skipClass();
                    skipQuantifier();
                }
                case '(' -> {
                    pos++;
                    boolean lookaround = false;
                    if (re.startsWith("?:", pos)) {
                        pos += 2;
                    } else if (re.startsWith("?=", pos) || re.startsWith("?!", pos)) {
                        pos += 2;
                        lookaround = true;
                    } else if (re.startsWith("?<=", pos) || re.startsWith("?<!", pos)) {
                        pos += 3;
                        lookaround = true;
                    } else if (re.startsWith("?", pos)) {
                        throw new IllegalStateException("unsupported group");
                    }
                    Set<String> inner = alternation();
                    if (pos >= re.length() || re.charAt(pos) != ')') {
                        throw new IllegalStateException("unbalanced");
                    }
                    pos++;
                    boolean optional = optionalQuantifierNext();
                    skipQuantifier();
                    if (!lookaround && !optional && inner != null && !inner.isEmpty()) {
                        best = betterSet(best, inner);
                    }
                }
                default -> {
                    pos++;
                    skipQuantifier();
                }
            }
        }
        return better(best, run);
    }

    private boolean quantifierNext() {
        return pos < re.length() && "?*+{".indexOf(re.charAt(pos)) >= 0;
    }

    /** '?', '*' or '{0' make the previous item optional. */
    private boolean optionalQuantifierNext() {
        if (pos >= re.length()) {
            return false;
        }
        char q = re.charAt(pos);
        return q == '?' || q == '*' || re.startsWith("{0", pos) || re.startsWith("{,", pos);
    }

    private void skipQuantifier() {
        while (pos < re.length()) {
            char q = re.charAt(pos);
            if (q == '?' || q == '*' || q == '+') {
                pos++;
            } else if (q == '{') {
                int close = re.indexOf('}', pos);
                if (close < 0) {
                    throw new IllegalStateException("bad quantifier");
                }
                pos = close + 1;
            } else {
                return;
            }
        }
    }

    private void skipClass() {
        pos++;
        if (pos < re.length() && re.charAt(pos) == '^') {
            pos++;
        }
        if (pos < re.length() && re.charAt(pos) == ']') {
            pos++;
        }
        while (pos < re.length() && re.charAt(pos) != ']') {
            if (re.charAt(pos) == '\\') {
                pos++;
            } else if (re.charAt(pos) == '[') {
                throw new IllegalStateException("nested class");
            }
            pos++;
        }
        pos++;
    }

    private static @Nullable Set<String> better(@Nullable Set<String> best, CharSequence run) {
        return run.length() >= 2 ? betterSet(best, Set.of(run.toString())) : best;
    }

    private static Set<String> betterSet(@Nullable Set<String> best, Set<String> candidate) {
        if (best == null) {
            return candidate;
        }
        return minLength(candidate) > minLength(best) ? candidate : best;
    }

    private static int minLength(Set<String> s) {
        return s.stream().mapToInt(String::length).min().orElse(0);
    }
}
