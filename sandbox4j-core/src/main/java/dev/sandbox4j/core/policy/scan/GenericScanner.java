package dev.sandbox4j.core.policy.scan;

import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.function.UnaryOperator;

/**
 * Fallback for languages without a scanner. <strong>A heuristic</strong>: it does not know the language, so it guesses
 * what is a comment or a string, and it finds no imports. Rules for such languages should not rely on it alone.
 *
 * <p>Because a wrong guess that blanks real code would hide it from rules, every guess errs towards "code":
 * <ul>
 *   <li>{@code #} starts a line comment only at the start of a word (start of input, or after white space or one of
 *       {@code ; ( ) { }}), as in shell: {@code a#b} and {@code $#} stay code; {@code #include} and {@code #!} at the
 *       start of a line are comments.
 *   <li>{@code //} starts a line comment only where {@code #} would, so {@code http://host} stays code.
 *   <li>{@code /* *}{@code /} is a comment only if it is closed; an unclosed {@code /*} (a shell glob such as
 *       {@code rm -rf /*}) stays code.
 *   <li>{@code '...'} and {@code "..."} are strings (backslash escapes) only if closed on the same line; otherwise the
 *       quote is code. {@code `...`} is a string (may span lines) only if closed.
 * </ul>
 *
 * <p>Module separator {@code '.'}. Stateless and thread-safe; linear time; never throws.
 */
public final class GenericScanner implements SourceScanner {
    public GenericScanner() {}

    @Override
    public ScannedSource scan(String text) {
        return scan(text, UnaryOperator.identity());
    }

    /**
     * Scans {@code text}, reading its characters through {@code view} applied to it (the identity here; tests wrap it
     * to count the characters read).
     */
    static ScannedSource scan(String text, UnaryOperator<CharSequence> view) {
        SourceBuilder out = new SourceBuilder(text);
        CharSequence code = view.apply(text);
        int n = code.length();
        // Memo of failed searches for a closing delimiter, so that many unclosed openers stay linear: no closing
        // '*/' after noBlockClose, no '`' after noBacktick, and no closing quote before the end of the line for a
        // quote found before noQuoteUntil[0] (single) / [1] (double).
        int noBlockClose = Integer.MAX_VALUE;
        int noBacktick = Integer.MAX_VALUE;
        int[] noQuoteUntil = {-1, -1};
        int i = 0;
        while (i < n) {
            char c = code.charAt(i);
            boolean wordStart = i == 0 || isBreak(code.charAt(i - 1));
            if ((c == '#' && wordStart) || (c == '/' && wordStart && i + 1 < n && code.charAt(i + 1) == '/')) {
                int nl = Chars.indexOf(code, '\n', i);
                int end = nl < 0 ? n : nl;
                out.comment(i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && code.charAt(i + 1) == '*' && i < noBlockClose) {
                int close = Chars.indexOf(code, "*/", i + 2);
                if (close < 0) {
                    noBlockClose = i;
                    i++;
                } else {
                    out.comment(i, close + 2);
                    i = close + 2;
                }
            } else if (c == '`' && i < noBacktick) {
                int close = Chars.indexOf(code, '`', i + 1);
                if (close < 0) {
                    noBacktick = i;
                    i++;
                } else {
                    out.string(i + 1, close);
                    i = close + 1;
                }
            } else if (c == '\'' || c == '"') {
                int k = c == '\'' ? 0 : 1;
                int close = i < noQuoteUntil[k] ? -1 : closingQuote(code, i);
                if (close < 0) {
                    if (i >= noQuoteUntil[k]) {
                        int nl = Chars.indexOf(code, '\n', i);
                        noQuoteUntil[k] = nl < 0 ? n : nl;
                    }
                    i++;
                } else {
                    out.string(i + 1, close);
                    i = close + 1;
                }
            } else {
                i++;
            }
        }
        return out.build();
    }

    /** The closing quote of the literal opened at {@code q} on the same line, or -1. */
    private static int closingQuote(CharSequence code, int q) {
        char quote = code.charAt(q);
        int n = code.length();
        int j = q + 1;
        while (j < n) {
            char c = code.charAt(j);
            if (c == quote) {
                return j;
            }
            if (c == '\n') {
                return -1;
            }
            j += c == '\\' && j + 1 < n && code.charAt(j + 1) != '\n' ? 2 : 1;
        }
        return -1;
    }

    private static boolean isBreak(char c) {
        return Character.isWhitespace(c) || c == ';' || c == '(' || c == ')' || c == '{' || c == '}';
    }
}
