package dev.sandbox4j.core.policy.scan;

import static dev.sandbox4j.core.policy.scan.RubyScanner.NOT_PLAIN;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The half of the Ruby lexer ({@link RubyLexer}) that reads text that is not code: comments ({@code =begin} blocks,
 * {@code __END__}), numbers, strings, commands, percent literals, regular expressions and heredocs, with
 * {@code #{...}} in them handed back to the code lexer as a code frame. Holds the state both halves share: the text,
 * the position, the tokens so far and the stack of open literals. See {@link RubyScanner} for what is read and how
 * ambiguities are resolved.
 */
abstract class RubyLiteralLexer {
    static final int CODE = 0;
    static final int LITERAL = 1;
    static final int HEREDOC = 2;

    static final class Frame {
        final int kind;
        /** CODE: open braces inside an interpolation; LITERAL: nesting of bracket delimiters. */
        int depth;
        /** CODE: an interpolation ({@code }} at depth 0 closes it). */
        boolean interp;
        /** CODE: open parentheses (for parameter lists). */
        int parens;
        // LITERAL and HEREDOC
        char open;
        char close;
        boolean interpolating;
        boolean interpolated;
        boolean regex;
        int contentStart;
        @Nullable ScanToken token;
        // HEREDOC
        @Nullable String id;
        boolean indented;
        boolean atLineStart;

        Frame(int kind) {
            this.kind = kind;
        }
    }

    /** A heredoc whose body starts at the next line. */
    record Pending(String id, boolean indented, boolean interpolating, ScanToken token) {}

    final CharSequence s;
    final int n;
    final SourceBuilder b;
    final List<ScanToken> out = new ArrayList<>();
    final List<Frame> stack = new ArrayList<>();
    final List<Pending> pending = new ArrayList<>();
    @Nullable ScanToken prev;
    boolean spaceBefore = true;
    int pos;

    RubyLiteralLexer(CharSequence s, SourceBuilder b) {
        this.s = s;
        this.n = s.length();
        this.b = b;
    }

    char at(int i) {
        return i < n ? s.charAt(i) : '\0';
    }

    /**
     * The longest of {@code names} (each at most 3 characters) at {@code i}, or null. Reads the three characters
     * once, whatever the number of names (a scan must read each character a bounded number of times).
     */
    @Nullable String longest(String[] names, int i) {
        char c0 = at(i);
        char c1 = c0 == '\0' ? '\0' : at(i + 1);
        char c2 = c1 == '\0' ? '\0' : at(i + 2);
        for (String op : names) {
            if (op.charAt(0) == c0 && (op.length() < 2 || op.charAt(1) == c1)
                    && (op.length() < 3 || op.charAt(2) == c2)) {
                return op;
            }
        }
        return null;
    }

    ScanToken emit(int kind, int start, int end, String text) {
        ScanToken t = new ScanToken(kind, start, end, text);
        out.add(t);
        prev = t;
        spaceBefore = false;
        return t;
    }

    /** A line break was read: heredocs started on that line begin their bodies after it. */
    void newline() {
        if (pending.isEmpty()) {
            return;
        }
        for (int i = pending.size() - 1; i >= 0; i--) { // the first one on top: its body comes first
            Pending p = pending.get(i);
            Frame h = new Frame(HEREDOC);
            h.id = p.id();
            h.indented = p.indented();
            h.interpolating = p.interpolating();
            h.token = p.token();
            h.contentStart = -1; // where its body starts: after the bodies before it
            h.atLineStart = true;
            stack.add(h);
        }
        pending.clear();
    }

    // ---- literals

    /** Starts a literal whose contents begin at {@code contentStart}; the token covers it from {@code start}. */
    Frame literal(int start, int contentStart, char open, char close, boolean interpolating, int flags) {
        ScanToken t = emit(ScanToken.STRING, start, contentStart, Chars.substring(s, start, contentStart));
        t.flags |= flags;
        Frame f = new Frame(LITERAL);
        f.open = open;
        f.close = close;
        f.interpolating = interpolating;
        f.contentStart = contentStart;
        f.token = t;
        stack.add(f);
        pos = contentStart;
        return f;
    }

    void literal(Frame f) {
        boolean nests = f.open != f.close;
        while (pos < n) {
            char c = s.charAt(pos);
            if (c == '\\') {
                if (at(pos + 1) == '\n') {
                    pos += 2;
                    newline();
                    return;
                }
                pos = Math.min(n, pos + 2);
            } else if (c == '#' && f.interpolating && at(pos + 1) == '{') {
                interpolation(f);
                return;
            } else if (nests && c == f.open) {
                f.depth++;
                pos++;
            } else if (c == f.close && f.depth > 0) {
                f.depth--;
                pos++;
            } else if (c == f.close) {
                closeLiteral(f);
                return;
            } else if (c == '\n') {
                pos++;
                if (!pending.isEmpty()) {
                    newline();
                    return;
                }
            } else {
                pos++;
            }
        }
    }

    void closeLiteral(Frame f) {
        b.string(f.contentStart, pos);
        ScanToken t = f.token;
        int valueEnd = pos;
        pos++;
        if (f.regex) {
            while (pos < n && isAsciiLetter(s.charAt(pos))) {
                pos++;
            }
        }
        stack.remove(stack.size() - 1);
        if (t != null) {
            t.end = pos;
            int from = t.start + t.text.length();
            // a constant: no interpolation, and a plain string or a quoted symbol (:"require")
            boolean constant = !f.interpolated && ((t.flags & NOT_PLAIN) == 0 || f.close == '"' || f.close == '\'');
            t.value = constant ? value(from, valueEnd, f) : null;
            prev = t;
        }
        spaceBefore = false;
    }

    /** {@code #{}: the text so far is a string part; what follows is code up to the matching {@code }}. */
    void interpolation(Frame f) {
        b.string(f.contentStart, pos);
        f.interpolated = true;
        Frame code = new Frame(CODE);
        code.interp = true;
        stack.add(code);
        pos += 2;
        prev = null; // an expression starts
        spaceBefore = true;
    }

    void heredoc(Frame f) {
        if (f.contentStart < 0) {
            f.contentStart = pos;
        }
        if (f.atLineStart) {
            f.atLineStart = false;
            int j = pos;
            if (f.indented) {
                while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                    j++;
                }
            }
            String id = f.id == null ? "" : f.id;
            if (Chars.startsWith(s, id, j)) {
                int e = j + id.length();
                int nl = at(e) == '\r' ? e + 1 : e;
                if (nl >= n || s.charAt(nl) == '\n') {
                    b.string(f.contentStart, pos);
                    if (f.token != null) {
                        f.token.value = null; // a heredoc is never a module name
                    }
                    stack.remove(stack.size() - 1);
                    pos = Math.min(n, nl + 1);
                    return;
                }
            }
        }
        while (pos < n) {
            char c = s.charAt(pos);
            if (c == '\n') {
                pos++;
                f.atLineStart = true;
                newline();
                return;
            } else if (c == '\\' && f.interpolating && at(pos + 1) != '\n') {
                pos = Math.min(n, pos + 2);
            } else if (c == '#' && f.interpolating && at(pos + 1) == '{') {
                interpolation(f);
                return;
            } else {
                pos++;
            }
        }
    }

    /** The value of a literal without interpolation (escapes decoded as far as module names need). */
    String value(int from, int to, Frame f) {
        if (!f.interpolating) { // '...' and %q: only \\ and the delimiters are escapes
            StringBuilder sb = new StringBuilder(to - from);
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < to && (s.charAt(i + 1) == '\\' || s.charAt(i + 1) == f.close
                        || s.charAt(i + 1) == f.open)) {
                    c = s.charAt(++i);
                }
                sb.append(c);
            }
            return sb.toString();
        }
        return Escapes.decode(s, from, to, Escapes.JAVASCRIPT);
    }

    /** {@code =begin} comments and {@code __END__}, which Ruby knows only at the start of a line. */
    boolean lineStart(Frame f) {
        if (Chars.startsWith(s, "=begin", pos) && (pos + 6 >= n || Character.isWhitespace(s.charAt(pos + 6)))) {
            int from = pos + 6;
            int end = n;
            while (from < n) {
                int e = Chars.indexOf(s, "\n=end", from);
                if (e < 0) {
                    break;
                }
                if (e + 5 >= n || Character.isWhitespace(s.charAt(e + 5))) {
                    int nl = Chars.indexOf(s, '\n', e + 5);
                    end = nl < 0 ? n : nl;
                    break;
                }
                from = e + 5;
            }
            b.comment(pos, end);
            pos = end;
            return true;
        }
        if (stack.size() == 1 && !f.interp && Chars.startsWith(s, "__END__", pos)
                && (pos + 7 >= n || s.charAt(pos + 7) == '\n' || s.charAt(pos + 7) == '\r')) {
            b.comment(pos, n); // data, not code
            pos = n;
            return true;
        }
        return false;
    }

    void number() {
        int e = pos + 1;
        while (e < n) {
            char c = s.charAt(e);
            char p = s.charAt(e - 1);
            if (isAsciiAlnum(c) || c == '_') {
                e++;
            } else if (c == '.' && e + 1 < n && isDigit(s.charAt(e + 1))) {
                e++;
            } else if ((c == '+' || c == '-') && (p == 'e' || p == 'E') && e + 1 < n && isDigit(s.charAt(e + 1))) {
                e++;
            } else {
                break;
            }
        }
        emit(ScanToken.NUMBER, pos, e, Chars.substring(s, pos, e));
        pos = e;
    }

    static char closing(char open) {
        return switch (open) {
            case '(' -> ')';
            case '[' -> ']';
            case '{' -> '}';
            case '<' -> '>';
            default -> open;
        };
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAsciiAlnum(char c) {
        return isAsciiLetter(c) || isDigit(c);
    }

    static boolean isIdentStart(char c) {
        return isAsciiLetter(c) || c == '_' || (c >= 0x80 && (Character.isLetter(c) || Character.isSurrogate(c)));
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c) || (c >= 0x80 && Character.isLetterOrDigit(c));
    }
}
