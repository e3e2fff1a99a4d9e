package dev.sandbox4j.core.policy.scan;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.HashSet;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Set;

/**
 * Lexer for Go source.
 *
 * <p>Comments {@code //} and {@code /* *}{@code /}; interpreted strings {@code "..."} and runes {@code 'x'} (both end
 * at the end of their line if unterminated, since Go forbids line breaks in them), raw strings {@code `...`} (may span
 * lines; unterminated ones run to the end).
 *
 * <p>Imports, form {@code "import"}: {@code import "os/exec"}, {@code import ex "os/exec"}, {@code import _ "x"},
 * {@code import . "fmt"}, grouped {@code import ( ... )} with comments and semicolons between specs, and any number of
 * declarations. A single import's offset is that of the {@code import} keyword; in a group, each spec's offset is that of
 * the spec (its alias or path), so that the reported line is the one that names the package. {@code import "C"} (cgo)
 * is reported as module {@code C}; the {@code #include}s of its preamble (the comment just before it) are reported too,
 * with form {@code "cgo-include"} (found by {@link CppScanner}).
 *
 * <p>{@code plugin.Open("x.so")} (also through an alias of the {@code plugin} package) gives module {@code x.so}, form
 * {@code "plugin"}; a computed argument gives {@link ImportRef#DYNAMIC} with {@code dynamic = true}.
 *
 * <p>Compiler directives in comments ({@code //go:linkname}, {@code //go:embed}, {@code #cgo LDFLAGS}) are comments
 * here and are not reported. Stateless and thread-safe; linear time; never throws.
 */
public final class GoScanner implements SourceScanner {
    public GoScanner() {}

    @Override
    public ScannedSource scan(String code) {
        return scan(code, UnaryOperator.identity());
    }

    /**
     * Scans {@code code}, reading its characters through {@code view} applied to the text (the identity here; tests
     * wrap it to count the characters read).
     */
    static ScannedSource scan(String code, UnaryOperator<CharSequence> view) {
        return new Lexer(code, view).run();
    }

    @Override
    public char moduleSeparator() {
        return '/';
    }

    private static final class Lexer {
        private final CharSequence s;
        private final int n;
        private final SourceBuilder out;
        /** Names under which the plugin package is visible ({@code plugin} and any alias). */
        private final Set<String> pluginNames = new HashSet<>(Set.of("plugin"));

        // Comment groups, to find a cgo preamble: consecutive comments with no blank line and no token between them.
        private int groupStart = -1;
        private int lastCommentEnd = -1;
        private boolean tokenSinceComment = true;
        private int newlinesSinceComment;

        // Set by quotedEnd.
        private boolean closed;

        Lexer(String code, UnaryOperator<CharSequence> view) {
            this.s = view.apply(code);
            this.n = code.length();
            this.out = new SourceBuilder(code);
        }

        ScannedSource run() {
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\n') {
                    newlinesSinceComment++;
                    i++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                    i++;
                } else if (c == '/' && i + 1 < n && (s.charAt(i + 1) == '/' || s.charAt(i + 1) == '*')) {
                    i = comment(i, true);
                } else if (isIdentStart(c)) {
                    i = identifier(i); // reads the preamble state before counting itself as a token
                    tokenSinceComment = true;
                } else {
                    tokenSinceComment = true;
                    if (c == '"' || c == '\'' || c == '`') {
                        i = literal(i);
                    } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                        i = number(i);
                    } else {
                        i++;
                    }
                }
            }
            return out.build();
        }

        /** A comment at {@code start}: marks it and, if {@code track}, records it for the cgo preamble. */
        private int comment(int start, boolean track) {
            int end;
            if (s.charAt(start + 1) == '/') {
                int nl = Chars.indexOf(s, '\n', start + 2);
                end = nl < 0 ? n : nl;
            } else {
                int close = Chars.indexOf(s, "*/", start + 2);
                end = close < 0 ? n : close + 2;
            }
            out.comment(start, end);
            if (track) {
                if (tokenSinceComment || newlinesSinceComment > 1 || groupStart < 0) {
                    groupStart = start;
                }
                lastCommentEnd = end;
                tokenSinceComment = false;
                newlinesSinceComment = 0;
            }
            return end;
        }

        /** Skips white space, line breaks, comments and, if {@code semicolons}, {@code ;}; tracks comments. */
        private int skip(int j, boolean semicolons) {
            while (j < n) {
                char c = s.charAt(j);
                if (c == '\n') {
                    newlinesSinceComment++;
                    j++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                    j++;
                } else if (c == '/' && j + 1 < n && (s.charAt(j + 1) == '/' || s.charAt(j + 1) == '*')) {
                    j = comment(j, true);
                } else if (c == ';' && semicolons) {
                    tokenSinceComment = true;
                    j++;
                } else {
                    break;
                }
            }
            return j;
        }

        /** Skips white space and comments for a look-ahead: marks nothing, tracks nothing. */
        private int peek(int j) {
            while (j < n) {
                char c = s.charAt(j);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\n') {
                    j++;
                } else if (c == '/' && j + 1 < n && s.charAt(j + 1) == '/') {
                    int nl = Chars.indexOf(s, '\n', j + 2);
                    j = nl < 0 ? n : nl;
                } else if (c == '/' && j + 1 < n && s.charAt(j + 1) == '*') {
                    int close = Chars.indexOf(s, "*/", j + 2);
                    j = close < 0 ? n : close + 2;
                } else {
                    break;
                }
            }
            return j;
        }

        /** A string, raw string or rune opened at {@code q}; marks it. */
        private int literal(int q) {
            int end = quotedEnd(q);
            out.string(q + 1, closed ? end - 1 : end);
            return end;
        }

        private int quotedEnd(int q) {
            char quote = s.charAt(q);
            closed = false;
            if (quote == '`') {
                int close = Chars.indexOf(s, '`', q + 1);
                closed = close >= 0;
                return close < 0 ? n : close + 1;
            }
            int j = q + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (c == quote) {
                    closed = true;
                    return j + 1;
                }
                if (c == '\n') {
                    return j;
                }
                j += c == '\\' && j + 1 < n && s.charAt(j + 1) != '\n' ? 2 : 1;
            }
            return n;
        }

        /** The value of the closed literal {@code [q, end)}. */
        private String value(int q, int end) {
            return s.charAt(q) == '`'
                    ? Chars.substring(s, q + 1, end - 1).replace("\r", "")
                    : CppScanner.decodeEscapes(s, q + 1, end - 1);
        }

        private int number(int i) {
            int j = i + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (isIdentPart(c) || c == '.') {
                    j++;
                } else if ((c == '+' || c == '-') && "eEpP".indexOf(s.charAt(j - 1)) >= 0) {
                    j++;
                } else {
                    break;
                }
            }
            return j;
        }

        private int identifier(int i) {
            int j = i + 1;
            while (j < n && isIdentPart(s.charAt(j))) {
                j++;
            }
            boolean selector = i > 0 && s.charAt(i - 1) == '.';
            if (!selector && j - i == 6 && Chars.startsWith(s, "import", i)) {
                return importDecl(i, j);
            }
            if (!selector && pluginNames.contains(Chars.substring(s, i, j))) {
                pluginOpen(i, j);
            }
            return j;
        }

        /** The cgo preamble before a token about to be read, as {@code {start, end}}, or null. */
        private int[] preamble() {
            if (!tokenSinceComment && newlinesSinceComment <= 1 && groupStart >= 0) {
                return new int[] {groupStart, lastCommentEnd};
            }
            return null;
        }

        private int importDecl(int keyword, int keywordEnd) {
            int[] pre = preamble();
            tokenSinceComment = true;
            int j = skip(keywordEnd, false);
            if (j >= n) {
                return j;
            }
            if (s.charAt(j) != '(') {
                return spec(j, keyword, pre);
            }
            tokenSinceComment = true;
            j++;
            while (true) {
                j = skip(j, true);
                if (j >= n) {
                    return j;
                }
                if (s.charAt(j) == ')') {
                    tokenSinceComment = true;
                    return j + 1;
                }
                int end = spec(j, j, preamble());
                if (end == j) {
                    return j; // not a spec: back to the main loop
                }
                j = end;
            }
        }

        /** One import spec at {@code j}: {@code [alias] "path"}. Returns the end, or {@code j} if it is not one. */
        private int spec(int j, int offset, int[] pre) {
            int start = j;
            String alias = null;
            char c = s.charAt(j);
            if (isIdentStart(c)) {
                int e = j + 1;
                while (e < n && isIdentPart(s.charAt(e))) {
                    e++;
                }
                alias = Chars.substring(s, j, e);
                j = e;
            } else if (c == '.') {
                alias = ".";
                j++;
            }
            if (alias != null) {
                tokenSinceComment = true;
                j = skip(j, false);
            }
            if (j >= n || (s.charAt(j) != '"' && s.charAt(j) != '`')) {
                return start;
            }
            tokenSinceComment = true;
            int end = literal(j);
            if (!closed) {
                return end;
            }
            String module = value(j, end);
            out.importRef(module, List.of(), offset, end - offset, "import", false);
            if (module.equals("C") && pre != null) {
                cgoPreamble(pre[0], pre[1]);
            }
            if (module.equals("plugin") && alias != null && !alias.equals("_") && !alias.equals(".")) {
                pluginNames.add(alias);
            }
            return end;
        }

        /** Runs the C scanner on the preamble with its comment markers blanked, and reports its includes. */
        private void cgoPreamble(int start, int end) {
            char[] text = Chars.substring(s, start, end).toCharArray();
            int i = 0;
            while (i + 1 < text.length) {
                if (text[i] == '/' && text[i + 1] == '/') {
                    text[i] = ' ';
                    text[i + 1] = ' ';
                    while (i < text.length && text[i] != '\n') {
                        i++;
                    }
                } else if (text[i] == '/' && text[i + 1] == '*') {
                    text[i] = ' ';
                    text[i + 1] = ' ';
                    i += 2;
                    while (i + 1 < text.length && !(text[i] == '*' && text[i + 1] == '/')) {
                        i++;
                    }
                    if (i + 1 < text.length) {
                        text[i] = ' ';
                        text[i + 1] = ' ';
                    }
                    i += 2;
                } else {
                    i++;
                }
            }
            for (ImportRef ref : new CppScanner().scan(new String(text)).imports()) {
                if (ref.form().equals("include")) {
                    out.importRef(ref.module(), List.of(), start + ref.offset(), ref.length(), "cgo-include",
                            ref.dynamic());
                }
            }
        }

        /** {@code plugin.Open(...)} at {@code [start, identEnd)}; looks ahead only. */
        private void pluginOpen(int start, int identEnd) {
            int j = peek(identEnd);
            if (j >= n || s.charAt(j) != '.') {
                return;
            }
            j = peek(j + 1);
            int e = j;
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
            if (!(e - j == 4 && Chars.startsWith(s, "Open", j))) {
                return;
            }
            j = peek(e);
            if (j >= n || s.charAt(j) != '(') {
                out.importRef(ImportRef.DYNAMIC, List.of(), start, e - start, "plugin", true);
                return;
            }
            j = peek(j + 1);
            if (j < n && (s.charAt(j) == '"' || s.charAt(j) == '`')) {
                int end = quotedEnd(j);
                if (closed) {
                    int after = peek(end);
                    if (after < n && (s.charAt(after) == ')' || s.charAt(after) == ',')) {
                        out.importRef(value(j, end), List.of(), start, after + 1 - start, "plugin", false);
                        return;
                    }
                }
            }
            out.importRef(ImportRef.DYNAMIC, List.of(), start, Math.min(j + 1, n) - start, "plugin", true);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0x80 && Character.isLetter(c));
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c) || (c >= 0x80 && Character.isDigit(c));
    }
}
