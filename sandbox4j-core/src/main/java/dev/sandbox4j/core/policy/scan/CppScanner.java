package dev.sandbox4j.core.policy.scan;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Lexer for C, C++ and Objective-C source.
 *
 * <p>Comments: {@code //} (a backslash at the end of the line continues it, as in translation phase 2) and
 * {@code /* *}{@code /}. String literals: {@code "..."}, character literals {@code 'x'}, the encoding prefixes
 * {@code u8}, {@code u}, {@code U}, {@code L}, raw strings {@code R"delim(...)delim"} and C++14 digit separators
 * ({@code 1'000}, which do not open a character literal). An ordinary string or character literal cannot contain a
 * line break, so an unterminated one ends at the end of its line (what a compiler does, and the conservative choice: a
 * stray quote cannot hide the following lines from rules); unterminated comments and raw strings run to the end.
 *
 * <p>Imports:
 * <ul>
 *   <li>{@code #include <sys/socket.h>}, {@code #include "my.h"}, {@code # include <x>}, {@code %:include <x>} (digraph),
 *       {@code #include_next} and Objective-C {@code #import}: module is the header name as written, form
 *       {@code "include"}, offset at the {@code #}. {@code #include MACRO} gives {@link ImportRef#DYNAMIC}.
 *   <li>{@code dlopen("libc.so.6", RTLD_NOW)} gives module {@code libc.so.6}, form {@code "dlopen"};
 *       {@code LoadLibrary[Ex][A|W]("x.dll")} form {@code "LoadLibrary"}. Adjacent literals are concatenated and escapes
 *       decoded. Any other argument (a variable, {@code NULL}, an expression) or a bare reference to the function (a
 *       function pointer) gives {@link ImportRef#DYNAMIC} with {@code dynamic = true}.
 *   <li>C++20 module imports {@code import <vector>;}, {@code import std;}: form {@code "import"}.
 * </ul>
 *
 * <p>Not a preprocessor: directives inside {@code #if 0} blocks still count (conservative), macros are not expanded
 * and trigraphs ({@code ??/}) are ignored (removed in C++17, off by default in compilers). The header name of
 * {@code #include "my.h"} is treated as a string literal (blanked in {@link ScannedSource#codeOnly()}); that of
 * {@code <my.h>} is left as code.
 *
 * <p>Stateless and thread-safe; linear time; never throws.
 */
public final class CppScanner implements SourceScanner {
    private static final int MAX_RAW_DELIMITER = 16;

    public CppScanner() {}

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
        private boolean lineStart = true;
        /** Whether the last {@link #quotedEnd} found the closing quote. */
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
                    lineStart = true;
                    i++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B) {
                    i++;
                } else if (c == '\\' && splice(i) > 0) {
                    i = splice(i); // a spliced line break does not start a new logical line
                } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                    i = lineComment(i);
                } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    i = blockComment(i);
                } else if (lineStart && (c == '#' || (c == '%' && i + 1 < n && s.charAt(i + 1) == ':'))) {
                    lineStart = false;
                    i = directive(i, c == '#' ? i + 1 : i + 2);
                } else {
                    lineStart = false;
                    if (c == '"' || c == '\'') {
                        i = quoted(i);
                    } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                        i = number(i);
                    } else if (isIdentStart(c)) {
                        i = identifier(i);
                    } else {
                        i++;
                    }
                }
            }
            return out.build();
        }

        /** If a backslash at {@code i} ends the line (spaces before the break allowed, as gcc does), the offset after
         * the line break; else -1. */
        private int splice(int i) {
            int j = i + 1;
            while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                j++;
            }
            if (j < n && s.charAt(j) == '\n') {
                return j + 1;
            }
            if (j < n && s.charAt(j) == '\r') {
                return j + 1 < n && s.charAt(j + 1) == '\n' ? j + 2 : j + 1;
            }
            return -1;
        }

        private int lineComment(int start) {
            int j = start + 2;
            while (j < n) {
                char c = s.charAt(j);
                if (c == '\n') {
                    break;
                }
                if (c == '\\') {
                    int after = splice(j);
                    if (after > 0) {
                        j = after;
                        continue;
                    }
                }
                j++;
            }
            out.comment(start, j);
            return j;
        }

        private int blockComment(int start) {
            int close = Chars.indexOf(s, "*/", start + 2);
            int end = close < 0 ? n : close + 2;
            out.comment(start, end);
            return end;
        }

        /** A string or character literal opened at {@code q}; ends at the matching quote or the end of the line. */
        private int quoted(int q) {
            int end = quotedEnd(q);
            out.string(q + 1, closed ? end - 1 : end);
            return end;
        }

        /** End of the literal opened at {@code q}: after the closing quote, or at the line break / end of input. */
        private int quotedEnd(int q) {
            char quote = s.charAt(q);
            closed = false;
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
                if (c == '\\') {
                    int after = splice(j);
                    j = after > 0 ? after : j + 2;
                    continue;
                }
                j++;
            }
            return n;
        }

        private int number(int i) {
            int j = i + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (isIdentPart(c) || c == '.') {
                    j++;
                } else if (c == '\'' && j + 1 < n && isIdentPart(s.charAt(j + 1))) {
                    j += 2; // digit separator
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
            int len = j - i;
            if (j < n && s.charAt(j) == '"' && len <= 3 && s.charAt(j - 1) == 'R' && isStringPrefix(i, j - 1)) {
                return rawString(j);
            }
            if (is(i, j, "dlopen")) {
                loadCall(i, j, "dlopen");
            } else if (len >= 11 && Chars.startsWith(s, "LoadLibrary", i)
                    && (len == 11 || is(i, j, "LoadLibraryA") || is(i, j, "LoadLibraryEx") || is(i, j, "LoadLibraryW") || is(i, j, "LoadLibraryExA")
                            || is(i, j, "LoadLibraryExW"))) {
                loadCall(i, j, "LoadLibrary");
            } else if (is(i, j, "import")) {
                moduleImport(i, j);
            }
            return j;
        }

        /**
         * C++20 {@code import <vector>;}, {@code import "my.h";}, {@code import std.core;} (also after
         * {@code export}); form {@code "import"}. Looks ahead only; {@code int import = 1;} is not an import.
         */
        private void moduleImport(int start, int identEnd) {
            int j = skipSpace(identEnd);
            if (j >= n) {
                return;
            }
            char c = s.charAt(j);
            String module = null;
            int end = j;
            if (c == '<') {
                int e = j + 1;
                while (e < n && s.charAt(e) != '>' && s.charAt(e) != '\n') {
                    e++;
                }
                if (e < n && s.charAt(e) == '>') {
                    module = Chars.substring(s, j + 1, e).strip();
                    end = e + 1;
                }
            } else if (c == '"') {
                end = quotedEnd(j);
                if (closed) {
                    module = decodeEscapes(s, j + 1, end - 1);
                }
            } else if (isIdentStart(c) || c == ':') {
                int e = j;
                while (e < n && (isIdentPart(s.charAt(e)) || s.charAt(e) == '.' || s.charAt(e) == ':')) {
                    e++;
                }
                module = Chars.substring(s, j, e);
                end = e;
            }
            if (module == null || module.isEmpty()) {
                return;
            }
            int semi = skipSpace(end);
            if (semi < n && s.charAt(semi) == ';') {
                out.importRef(module, List.of(), start, semi + 1 - start, "import", false);
            }
        }

        /** Whether {@code [i, j)} is empty or one of the encoding prefixes {@code u8 u U L}. */
        private boolean isStringPrefix(int i, int j) {
            return i == j || is(i, j, "u8") || is(i, j, "u") || is(i, j, "U") || is(i, j, "L");
        }

        /** A raw string whose opening quote is at {@code q}; falls back to an ordinary string if the delimiter is bad. */
        private int rawString(int q) {
            int open = rawOpen(q);
            if (open < 0) {
                return quoted(q);
            }
            String closer = ")" + Chars.substring(s, q + 1, open) + "\"";
            int close = Chars.indexOf(s, closer, open + 1);
            if (close < 0) {
                out.string(q + 1, n);
                return n;
            }
            int end = close + closer.length();
            out.string(q + 1, end - 1);
            return end;
        }

        /** Offset of the {@code (} ending a valid raw-string delimiter after the quote at {@code q}, or -1. */
        private int rawOpen(int q) {
            int d = q + 1;
            while (d < n && d - (q + 1) <= MAX_RAW_DELIMITER) {
                char c = s.charAt(d);
                if (c == '(') {
                    return d;
                }
                if (c == ')' || c == '\\' || c == '"' || Character.isWhitespace(c)) {
                    return -1;
                }
                d++;
            }
            return -1;
        }

        private int directive(int hash, int afterHash) {
            int k = skipHorizontal(afterHash);
            int m = k;
            while (m < n && isIdentPart(s.charAt(m))) {
                m++;
            }
            if (!(is(k, m, "include") || is(k, m, "import") || is(k, m, "include_next"))) {
                return m; // other directives: the rest of the line is lexed as code
            }
            int j = skipHorizontal(m);
            if (j >= n || s.charAt(j) == '\n' || s.charAt(j) == '\r') {
                return j;
            }
            char c = s.charAt(j);
            if (c == '<' || c == '"') {
                char close = c == '<' ? '>' : '"';
                int e = j + 1;
                while (e < n && s.charAt(e) != close && s.charAt(e) != '\n') {
                    e++;
                }
                boolean terminated = e < n && s.charAt(e) == close;
                if (c == '"') {
                    out.string(j + 1, e);
                }
                String module = Chars.substring(s, j + 1, e).strip();
                int end = terminated ? e + 1 : e;
                if (!module.isEmpty()) {
                    out.importRef(module, List.of(), hash, end - hash, "include", false);
                }
                return end;
            }
            if (c == '/' && j + 1 < n && s.charAt(j + 1) == '/') {
                return j; // "#include // nothing": lexed as a comment by the main loop
            }
            // #include MACRO: the header is computed by the preprocessor
            int e = j;
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
            out.importRef(ImportRef.DYNAMIC, List.of(), hash, Math.max(e, j + 1) - hash, "include", true);
            return j;
        }

        /** Skips spaces, tabs, line splices and block comments (marking them), but not line breaks. */
        private int skipHorizontal(int j) {
            while (j < n) {
                char c = s.charAt(j);
                if (c == ' ' || c == '\t' || c == '\f' || c == 0x0B) {
                    j++;
                } else if (c == '\\' && splice(j) > 0) {
                    j = splice(j);
                } else if (c == '/' && j + 1 < n && s.charAt(j + 1) == '*') {
                    j = blockComment(j);
                } else {
                    break;
                }
            }
            return j;
        }

        /** Skips white space, line breaks and comments (marking them) without changing the line state. */
        private int skipSpace(int j) {
            while (j < n) {
                char c = s.charAt(j);
                if (Character.isWhitespace(c)) {
                    j++;
                } else if (c == '\\' && splice(j) > 0) {
                    j = splice(j);
                } else if (c == '/' && j + 1 < n && s.charAt(j + 1) == '*') {
                    j = blockComment(j);
                } else if (c == '/' && j + 1 < n && s.charAt(j + 1) == '/') {
                    j = lineComment(j);
                } else {
                    break;
                }
            }
            return j;
        }

        /**
         * {@code dlopen(...)} and friends at {@code [start, identEnd)}. Looks ahead without consuming: the main loop
         * lexes the arguments again (each character at most twice, so still linear).
         */
        private void loadCall(int start, int identEnd, String form) {
            int j = skipSpace(identEnd);
            if (j >= n || s.charAt(j) != '(') {
                out.importRef(ImportRef.DYNAMIC, List.of(), start, identEnd - start, form, true);
                return;
            }
            j = skipSpace(j + 1);
            StringBuilder value = new StringBuilder();
            boolean literal = false;
            while (true) {
                int p = j;
                while (p < n && isIdentPart(s.charAt(p)) && p - j < 3) {
                    p++;
                }
                if (p >= n || s.charAt(p) != '"') {
                    break;
                }
                int end;
                if (p > j && s.charAt(p - 1) == 'R' && isStringPrefix(j, p - 1) && rawOpen(p) > 0) {
                    int open = rawOpen(p);
                    String closer = ")" + Chars.substring(s, p + 1, open) + "\"";
                    int close = Chars.indexOf(s, closer, open + 1);
                    if (close < 0) {
                        break;
                    }
                    value.append(s, open + 1, close);
                    end = close + closer.length();
                } else if (isStringPrefix(j, p)) {
                    end = quotedEnd(p);
                    if (!closed) {
                        break; // unterminated
                    }
                    value.append(decodeEscapes(s, p + 1, end - 1));
                } else {
                    break;
                }
                literal = true;
                j = skipSpace(end);
            }
            if (literal && j < n && (s.charAt(j) == ',' || s.charAt(j) == ')')) {
                out.importRef(value.toString(), List.of(), start, j + 1 - start, form, false);
            } else {
                out.importRef(ImportRef.DYNAMIC, List.of(), start, Math.min(j + 1, n) - start, form, true);
            }
        }

        private boolean is(int i, int j, String word) {
            return j - i == word.length() && Chars.startsWith(s, word, i);
        }
    }

    /**
     * Decodes the C/C++/Go escape sequences of a string literal's contents {@code [from, to)}: simple escapes, octal,
     * {@code \x..}, &#92;u...., &#92;U........ and line splices. Unknown escapes give the escaped character.
     */
    static String decodeEscapes(CharSequence s, int from, int to) {
        int first = from;
        while (first < to && s.charAt(first) != '\\') {
            first++;
        }
        if (first == to) {
            return Chars.substring(s, from, to);
        }
        StringBuilder b = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= to) {
                b.append(c);
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append('\u000B');
                case '\n' -> { } // line splice
                case '\r' -> i += i < to && s.charAt(i) == '\n' ? 1 : 0;
                case 'x', 'u', 'U' -> {
                    int max = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    int start = i;
                    int v = 0;
                    while (i < to && i - start < max && Character.digit(s.charAt(i), 16) >= 0) {
                        v = v * 16 + Character.digit(s.charAt(i), 16);
                        i++;
                    }
                    if (i == start) {
                        b.append(e);
                    } else {
                        appendCodePoint(b, v);
                    }
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int start = i;
                        while (i < to && i - start < 2 && s.charAt(i) >= '0' && s.charAt(i) <= '7') {
                            v = v * 8 + (s.charAt(i) - '0');
                            i++;
                        }
                        b.append((char) v);
                    } else {
                        b.append(e);
                    }
                }
            }
        }
        return b.toString();
    }

    private static void appendCodePoint(StringBuilder b, int v) {
        if (v >= 0 && v <= Character.MAX_CODE_POINT) {
            b.appendCodePoint(v);
        } else {
            b.append('\uFFFD');
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c);
    }
}
