package dev.sandbox4j.core.policy.scan;

import org.jspecify.annotations.Nullable;

/**
 * Lexes R source into tokens for {@link RScanner}, one at a time ({@link #next()}), recording comments and string
 * literals in the {@link SourceBuilder} as it goes.
 *
 * <p>Comments {@code #}; strings {@code '...'} and {@code "..."} (may span lines; unterminated ones run to the end);
 * raw strings (R 4.0) {@code r"(...)"}, {@code R"[...]"}, {@code r"{...}"}, with dashes ({@code r"--(...)--"}) and
 * either quote. Backquoted names {@code `x`} are identifiers: lexed (a {@code #} or quote inside them is not a comment
 * or a string) but left as code. Also the text helpers the scanner needs: a token's value (R escapes decoded), a
 * word comparison and the length of a called function's name. One use; linear time; never throws.
 */
final class RLexer {
    // token kinds
    static final int NONE = 0;
    static final int IDENT = 1;
    static final int NAME = 2; // `backquoted`
    static final int STRING = 3;
    static final int NUMBER = 4;
    static final int OPEN = 5;
    static final int CLOSE = 6;
    static final int COMMA = 7;
    static final int EQ = 8; // = (assignment or argument name)
    static final int ASSIGN = 9; // <- <<-
    static final int NS = 10; // :: :::
    static final int DOLLAR = 11; // $ @
    static final int OP = 12;

    /**
     * A token: its kind (one of the constants above), where it starts and ends, where its value starts and ends
     * (inside the quotes of a string or name), whether it is a raw string (its value is not unescaped), and its first
     * character ({@code (}, {@code [} or <code>{</code> for an {@link #OPEN}).
     */
    record Token(int kind, int start, int end, int vs, int ve, boolean raw, char first) {
        /** What precedes the first token. */
        static final Token NONE_YET = new Token(NONE, 0, 0, 0, 0, false, ' ');
    }

    private final CharSequence s;
    private final int n;
    private final SourceBuilder out;
    private int pos;

    // set by quotedEnd
    private boolean closed;

    /** Lexes {@code s}, the first {@code n} characters of which are the code {@code out} was made for. */
    RLexer(CharSequence s, int n, SourceBuilder out) {
        this.s = s;
        this.n = n;
        this.out = out;
    }

    /** Reads the next token (skipping white space and comments); null at the end of the text. */
    @Nullable Token next() {
        while (pos < n) {
            int i = pos;
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || c == '\u00A0') {
                pos++;
            } else if (c == '#') {
                int nl = Chars.indexOf(s, '\n', i);
                int e = nl < 0 ? n : nl;
                out.comment(i, e);
                pos = e;
            } else if (c == '"' || c == '\'') {
                int e = quotedEnd(i);
                int v = closed ? e - 1 : e;
                out.string(i + 1, v);
                return token(STRING, i, e, i + 1, v, false, c);
            } else if (c == '`') {
                int e = quotedEnd(i);
                return token(NAME, i, e, i + 1, closed ? e - 1 : e, false, c);
            } else if ((c == 'r' || c == 'R') && rawOpen(i) > 0) {
                return rawString(i);
            } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                int e = number(i);
                return token(NUMBER, i, e, i, e, false, c);
            } else if (isIdentStart(c)) {
                int e = i + 1;
                while (e < n && isIdentPart(s.charAt(e))) {
                    e++;
                }
                return token(IDENT, i, e, i, e, false, c);
            } else {
                return operator(i, c);
            }
        }
        return null;
    }

    private Token token(int kind, int start, int end, int vs, int ve, boolean raw, char first) {
        pos = end;
        return new Token(kind, start, end, vs, ve, raw, first);
    }

    private Token operator(int i, char c) {
        char d = i + 1 < n ? s.charAt(i + 1) : 0;
        char e = i + 2 < n ? s.charAt(i + 2) : 0;
        int len = 1;
        int k = OP;
        switch (c) {
            case '(', '[', '{' -> k = OPEN;
            case ')', ']', '}' -> k = CLOSE;
            case ',' -> k = COMMA;
            case '$', '@' -> k = DOLLAR;
            case ':' -> {
                if (d == ':') {
                    k = NS;
                    len = e == ':' ? 3 : 2;
                }
            }
            case '=' -> {
                if (d == '=') {
                    len = 2;
                } else {
                    k = EQ;
                }
            }
            case '<' -> {
                if (d == '-') {
                    k = ASSIGN;
                    len = 2;
                } else if (d == '<' && e == '-') {
                    k = ASSIGN;
                    len = 3;
                } else if (d == '=') {
                    len = 2;
                }
            }
            case '-' -> {
                if (d == '>') {
                    len = e == '>' ? 3 : 2;
                }
            }
            case '!', '>' -> len = d == '=' ? 2 : 1;
            case '%' -> {
                int j = i + 1;
                while (j < n && s.charAt(j) != '%' && s.charAt(j) != '\n') {
                    j++;
                }
                len = j < n && s.charAt(j) == '%' ? j + 1 - i : 1;
            }
            default -> { }
        }
        return token(k, i, i + len, i, i + len, false, c);
    }

    /** End of a quoted string or name opened at {@code q} (backslash escapes; may span lines). */
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
            j += c == '\\' ? 2 : 1;
        }
        return n;
    }

    /** If a raw string starts at {@code i} ({@code r"--(}), the offset of its opening bracket; else -1. */
    private int rawOpen(int i) {
        if (i > 0 && isIdentPart(s.charAt(i - 1))) {
            return -1;
        }
        if (i + 1 >= n || (s.charAt(i + 1) != '"' && s.charAt(i + 1) != '\'')) {
            return -1;
        }
        int j = i + 2;
        while (j < n && s.charAt(j) == '-') {
            j++;
        }
        return j < n && "([{".indexOf(s.charAt(j)) >= 0 ? j : -1;
    }

    private Token rawString(int i) {
        int open = rawOpen(i);
        char bracket = s.charAt(open);
        char closeBracket = bracket == '(' ? ')' : bracket == '[' ? ']' : '}';
        String closer = closeBracket + Chars.substring(s, i + 2, open) + s.charAt(i + 1);
        int close = Chars.indexOf(s, closer, open + 1);
        int e = close < 0 ? n : close + closer.length();
        int v = close < 0 ? n : close;
        out.string(i + 2, close < 0 ? n : e - 1);
        return token(STRING, i, e, open + 1, v, true, '"');
    }

    private int number(int i) {
        boolean hex = s.charAt(i) == '0' && i + 1 < n && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X');
        int j = i + 1;
        while (j < n) {
            char c = s.charAt(j);
            char p = s.charAt(j - 1);
            if (isAsciiLetterOrDigit(c) || c == '.' || c == '_') {
                j++;
            } else if ((c == '+' || c == '-') && (hex ? (p == 'p' || p == 'P') : (p == 'e' || p == 'E'))) {
                j++;
            } else {
                break;
            }
        }
        return j;
    }

    // ---- text helpers for the scanner

    /** The value of a token: identifiers and raw strings as written, quoted strings and names unescaped. */
    String value(Token t) {
        if (t.kind() == IDENT || t.raw()) {
            return Chars.substring(s, t.vs(), t.ve());
        }
        return unescape(t.vs(), t.ve());
    }

    /** Whether the text in {@code [i, j)} is {@code word}. */
    boolean is(int i, int j, String word) {
        return j - i == word.length() && Chars.startsWith(s, word, i);
    }

    /** Length of the function name (plain, backquoted or quoted) that starts at {@code offset}; at least 1. */
    int nameLength(int offset) {
        int j = offset;
        char c = s.charAt(j);
        if (c == '`' || c == '"' || c == '\'') {
            int e = Chars.indexOf(s, c, j + 1);
            return e < 0 ? 1 : e + 1 - j;
        }
        while (j < n && isIdentPart(s.charAt(j))) {
            j++;
        }
        return Math.max(1, j - offset);
    }

    /** R escapes in a quoted string or backquoted name: simple ones, octal, &#92;x, &#92;u, &#92;U. */
    private String unescape(int from, int to) {
        StringBuilder b = null;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= to) {
                if (b != null) {
                    b.append(c);
                }
                i++;
                continue;
            }
            if (b == null) {
                b = new StringBuilder(to - from).append(s, from, i);
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int v = e - '0';
                    int start = i;
                    while (i < to && i - start < 2 && s.charAt(i) >= '0' && s.charAt(i) <= '7') {
                        v = v * 8 + (s.charAt(i++) - '0');
                    }
                    b.append((char) v);
                }
                case 'x', 'u', 'U' -> {
                    int max = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    boolean braces = e != 'x' && i < to && s.charAt(i) == '{';
                    if (braces) {
                        i++;
                    }
                    int start = i;
                    int v = 0;
                    while (i < to && i - start < max && Character.digit(s.charAt(i), 16) >= 0) {
                        v = v * 16 + Character.digit(s.charAt(i++), 16);
                    }
                    if (braces && i < to && s.charAt(i) == '}') {
                        i++;
                    }
                    if (i == start) {
                        b.append(e);
                    } else if (v <= Character.MAX_CODE_POINT) {
                        b.appendCodePoint(v);
                    }
                }
                default -> b.append(e);
            }
        }
        return b == null ? Chars.substring(s, from, to) : b.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c);
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || (c >= 0x80 && Character.isLetter(c));
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c) || c == '_' || (c >= 0x80 && Character.isLetterOrDigit(c));
    }
}
