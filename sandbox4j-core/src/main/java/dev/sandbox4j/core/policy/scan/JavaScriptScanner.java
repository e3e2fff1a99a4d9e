package dev.sandbox4j.core.policy.scan;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Lexer for JavaScript (and most of TypeScript): comments, string, template and regular-expression literals, and
 * module imports.
 *
 * <p>Comments: {@code //}, {@code /* *&#47;} and a {@code #!} line at the very start. Strings {@code '…'} and
 * {@code "…"} end, unterminated, at the end of their line. Template literals: the text is a string, the
 * {@code ${…}} expressions are code (lexed as such, to any nesting depth, so {@code `${require('x')}`} is an import).
 *
 * <p><b>Regular expressions (heuristic).</b> A {@code /} starts a regex literal, blanked like a string, where an
 * expression may start: at the start of input or of a {@code ${}; after an operator or punctuator other than
 * {@code ) ] }}; after the keywords {@code return typeof instanceof in of new delete void throw case do else yield
 * await} (not after a dot); after a {@code )} that closes the condition of {@code if/while/for/with}; after a
 * {@code }} that closes a block (but not an object literal, nor the body of a {@code function}/{@code class}
 * expression). Braces are classified by what precedes {@code {}. Otherwise {@code /} is division. A regex that does
 * not end on its line is re-read as a division, and for the rest of that line {@code /} is division (keeps the
 * scanner linear).
 *
 * <p>Imports: {@code require(…)} (also any member call {@code x.require(…)}: {@code module.require},
 * {@code process.mainModule.require}); {@code import … from 'a'} in all its forms, side-effect {@code import 'a'},
 * {@code export … from 'a'}, dynamic {@code import('a')}. {@code node:} prefixes are removed. An argument that is
 * not a single string literal or a template without substitutions gives {@link ImportRef#DYNAMIC}. Unicode escapes
 * in identifiers are decoded ({@code &#92;u0072equire} is {@code require}). The offset of an import is that of its
 * {@code import}/{@code export} keyword or of the {@code require} name. Names: members imported ({@code default},
 * {@code *}, or the exported names).
 *
 * <p>Linear time, stateless, thread-safe; never throws.
 */
public final class JavaScriptScanner implements SourceScanner {

    @Override
    public ScannedSource scan(String code) {
        return scan(code, UnaryOperator.identity());
    }

    /**
     * Scans {@code code}, reading its characters through {@code view} applied to the text (the identity here; tests
     * wrap it to count the characters read).
     */
    static ScannedSource scan(String code, UnaryOperator<CharSequence> view) {
        return SourceBuilder.failClosed(code, b -> new Finder(new Lexer(view.apply(code), b).run(), b).run());
    }

    @Override
    public char moduleSeparator() {
        return '/';
    }

    private static final Set<String> REGEX_KEYWORDS = Set.of("return", "typeof", "instanceof", "in", "of", "new",
            "delete", "void", "throw", "case", "do", "else", "yield", "await");
    /** Keywords after which an expression (not a statement) starts. */
    private static final Set<String> EXPR_KEYWORDS = Set.of("return", "typeof", "instanceof", "in", "of", "new",
            "delete", "void", "throw", "case", "yield", "await", "extends");
    private static final Set<String> CONTROL_KEYWORDS = Set.of("if", "while", "for", "with");
    /** Operators after which a '{' is an object literal. */
    private static final String EXPR_BEFORE_BRACE = "([,=:?!&|^+-*%<>~/";

    private static final int FLAG_AFTER_DOT = 1;
    /** On a ')' or '}': a regex may follow (control condition, block). */
    private static final int FLAG_REGEX_AFTER = 2;
    private static final int FLAG_TEMPLATE = 4;

    private static final int CODE = 0;
    private static final int TEXPR = 1;
    private static final int TEMPLATE = 2;

    private static final class Frame {
        final int kind;
        int braceBase;
        /** Start of the current text part of a template. */
        int contentStart;
        boolean interpolated;
        @Nullable ScanToken token;

        Frame(int kind) {
            this.kind = kind;
        }
    }

    private static final class Lexer {
        private final CharSequence s;
        private final int n;
        private final SourceBuilder b;
        private final List<ScanToken> out = new ArrayList<>();
        private final List<Frame> stack = new ArrayList<>();
        /** Per open brace / paren: 1 when a regex may follow its closing. */
        private int[] braces = new int[16];
        private int braceSp;
        private int[] parens = new int[16];
        private int parenSp;
        /** Paren depth at which the body '{' of a function/class expression is expected, or -1. */
        private int pendingExprBody = -1;
        private @Nullable ScanToken prev;
        private int noRegexUntil = -1;
        private int pos;

        Lexer(CharSequence s, SourceBuilder b) {
            this.s = s;
            this.n = s.length();
            this.b = b;
        }

        List<ScanToken> run() {
            stack.add(new Frame(CODE));
            if (Chars.startsWith(s, "#!", 0)) {
                int e = lineEnd(0);
                b.comment(0, e);
                pos = e;
            }
            while (pos < n) {
                Frame f = stack.get(stack.size() - 1);
                if (f.kind == TEMPLATE) {
                    template(f);
                } else {
                    code(f);
                }
            }
            Frame top = stack.get(stack.size() - 1);
            if (top.kind == TEMPLATE) {
                b.string(top.contentStart, n); // only the innermost template is in a text part
            }
            for (Frame f : stack) {
                if (f.kind == TEMPLATE) {
                    requireNonNull(f.token).end = n;
                }
            }
            return out;
        }

        private char at(int i) {
            return i < n ? s.charAt(i) : '\0';
        }

        private int lineEnd(int i) {
            while (i < n && !isLineTerminator(s.charAt(i))) {
                i++;
            }
            return i;
        }

        private ScanToken emit(int kind, int start, int end, String text) {
            ScanToken t = new ScanToken(kind, start, end, text);
            out.add(t);
            prev = t;
            return t;
        }

        private void code(Frame f) {
            char c = s.charAt(pos);
            if (c == '/' && at(pos + 1) == '/') {
                int e = lineEnd(pos);
                b.comment(pos, e);
                pos = e;
            } else if (c == '/' && at(pos + 1) == '*') {
                int e = Chars.indexOf(s, "*/", pos + 2);
                e = e < 0 ? n : e + 2;
                b.comment(pos, e);
                pos = e;
            } else if (c == '/' && pos > noRegexUntil && regexAllowed()) {
                regex();
            } else if (c == '\'' || c == '"') {
                string(c);
            } else if (c == '`') {
                ScanToken t = emit(ScanToken.STRING, pos, pos + 1, "`");
                t.flags |= FLAG_TEMPLATE;
                Frame tf = new Frame(TEMPLATE);
                tf.contentStart = pos + 1;
                tf.token = t;
                stack.add(tf);
                pos++;
            } else if (isIdStart(c) || (c == '\\' && at(pos + 1) == 'u') || (c == '#' && isIdStart(at(pos + 1)))) {
                identifier();
            } else if (isDigit(c) || (c == '.' && isDigit(at(pos + 1)))) {
                int e = pos + 1;
                while (e < n && (isIdPart(s.charAt(e)) || s.charAt(e) == '.') && s.charAt(e) < 0x80) {
                    e++;
                }
                emit(ScanToken.NUMBER, pos, e, Chars.substring(s, pos, e));
                pos = e;
            } else if (c <= ' ' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF') {
                pos++;
            } else {
                punctuator(f, c);
            }
        }

        private void punctuator(Frame f, char c) {
            int start = pos;
            switch (c) {
                case '{' -> {
                    boolean regexAfter;
                    if (pendingExprBody >= 0 && pendingExprBody == parenSp) {
                        regexAfter = false; // body of a function or class expression: a value
                        pendingExprBody = -1;
                    } else {
                        regexAfter = !expressionExpected();
                    }
                    braces = push(braces, braceSp++, regexAfter ? 1 : 0);
                }
                case '}' -> {
                    if (f.kind == TEXPR && braceSp <= f.braceBase) {
                        stack.remove(stack.size() - 1);
                        pos++;
                        stack.get(stack.size() - 1).contentStart = pos; // the template's next text part
                        return;
                    }
                    int kind = braceSp > 0 ? braces[--braceSp] : 1;
                    emit(ScanToken.OP, pos, pos + 1, "}").flags |= kind == 1 ? FLAG_REGEX_AFTER : 0;
                    pos++;
                    return;
                }
                case '(' -> {
                    boolean control = prev != null && prev.kind == ScanToken.IDENT
                            && (prev.flags & FLAG_AFTER_DOT) == 0 && CONTROL_KEYWORDS.contains(prev.text);
                    parens = push(parens, parenSp++, control ? 1 : 0);
                }
                case ')' -> {
                    int kind = parenSp > 0 ? parens[--parenSp] : 0;
                    emit(ScanToken.OP, pos, pos + 1, ")").flags |= kind == 1 ? FLAG_REGEX_AFTER : 0;
                    pos++;
                    return;
                }
                default -> {}
            }
            String text;
            char d = at(pos + 1);
            if ((c == '+' || c == '-') && d == c) {
                text = c == '+' ? "++" : "--";
            } else if (c == '=' && d == '>') {
                text = "=>";
            } else if (c == '?' && d == '.' && !isDigit(at(pos + 2))) {
                text = "?.";
            } else if (c == '.' && d == '.' && at(pos + 2) == '.') {
                text = "...";
            } else {
                text = String.valueOf(c);
            }
            emit(ScanToken.OP, start, start + text.length(), text);
            pos = start + text.length();
        }

        private static int[] push(int[] a, int sp, int v) {
            int[] r = sp < a.length ? a : Arrays.copyOf(a, a.length * 2);
            r[sp] = v;
            return r;
        }

        /** Whether the previous token leaves us where an expression (object literal, regex) may start. */
        private boolean expressionExpected() {
            ScanToken p = prev;
            if (p == null) {
                return true;
            }
            return switch (p.kind) {
                case ScanToken.IDENT -> (p.flags & FLAG_AFTER_DOT) == 0 && EXPR_KEYWORDS.contains(p.text);
                case ScanToken.OP -> (p.text.length() == 1 && EXPR_BEFORE_BRACE.indexOf(p.text.charAt(0)) >= 0)
                        || p.text.equals("...");
                default -> false;
            };
        }

        private boolean regexAllowed() {
            ScanToken p = prev;
            if (p == null) {
                return true;
            }
            if (p.kind == ScanToken.IDENT) {
                return (p.flags & FLAG_AFTER_DOT) == 0 && REGEX_KEYWORDS.contains(p.text);
            }
            if (p.kind != ScanToken.OP) {
                return false;
            }
            return switch (p.text) {
                case ")", "}" -> (p.flags & FLAG_REGEX_AFTER) != 0;
                case "]", "++", "--" -> false;
                default -> true;
            };
        }

        private void regex() {
            int i = pos + 1;
            boolean inClass = false;
            while (i < n) {
                char c = s.charAt(i);
                if (isLineTerminator(c)) {
                    break;
                } else if (c == '\\') {
                    if (i + 1 < n && isLineTerminator(s.charAt(i + 1))) {
                        break;
                    }
                    i += 2;
                    continue;
                } else if (c == '[') {
                    inClass = true;
                } else if (c == ']') {
                    inClass = false;
                } else if (c == '/' && !inClass) {
                    break;
                }
                i++;
            }
            if (i >= n || s.charAt(i) != '/') {
                // not a regex after all: read '/' as division, and stop trying on this line
                noRegexUntil = Math.min(i, n);
                emit(ScanToken.OP, pos, pos + 1, "/");
                pos++;
                return;
            }
            int e = i + 1;
            while (e < n && isIdPart(s.charAt(e))) {
                e++;
            }
            b.string(pos + 1, i);
            emit(ScanToken.REGEX, pos, e, Chars.substring(s, pos, e));
            pos = e;
        }

        private void string(char quote) {
            int start = pos;
            int i = pos + 1;
            int ce;
            int end;
            while (true) {
                if (i >= n) {
                    ce = n;
                    end = n;
                    break;
                }
                char c = s.charAt(i);
                if (c == '\\') {
                    i += at(i + 1) == '\r' && at(i + 2) == '\n' ? 3 : 2;
                } else if (c == quote) {
                    ce = i;
                    end = i + 1;
                    break;
                } else if (c == '\n' || c == '\r') {
                    ce = i;
                    end = i;
                    break;
                } else {
                    i++;
                }
            }
            b.string(start + 1, ce);
            ScanToken t = emit(ScanToken.STRING, start, end, String.valueOf(quote));
            t.value = Escapes.decode(s, start + 1, ce, Escapes.JAVASCRIPT);
            pos = end;
        }

        private void template(Frame f) {
            char c = s.charAt(pos);
            if (c == '\\') {
                pos += 2;
            } else if (c == '`') {
                b.string(f.contentStart, pos);
                ScanToken t = requireNonNull(f.token);
                t.end = pos + 1;
                if (!f.interpolated) {
                    t.value = Escapes.decode(s, t.start + 1, pos, Escapes.JAVASCRIPT);
                }
                stack.remove(stack.size() - 1);
                prev = t;
                pos++;
            } else if (c == '$' && at(pos + 1) == '{') {
                b.string(f.contentStart, pos); // text before the substitution
                f.interpolated = true;
                Frame e = new Frame(TEXPR);
                e.braceBase = braceSp;
                stack.add(e);
                prev = null;
                pos += 2;
            } else {
                pos++;
            }
        }

        private void identifier() {
            int start = pos;
            StringBuilder sb = new StringBuilder();
            int i = pos;
            if (s.charAt(i) == '#') {
                sb.append('#');
                i++;
            }
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\' && at(i + 1) == 'u') {
                    int cp = -1;
                    int next = i + 2;
                    if (at(next) == '{') {
                        int close = next + 1;
                        while (close < n && close - next <= 7 && Escapes.isHex(s.charAt(close))) {
                            close++;
                        }
                        if (at(close) == '}' && close > next + 1) {
                            cp = Integer.parseInt(s, next + 1, close, 16);
                            next = close + 1;
                        }
                    } else if (next + 4 <= n && Escapes.isHex(s.charAt(next)) && Escapes.isHex(s.charAt(next + 1))
                            && Escapes.isHex(s.charAt(next + 2)) && Escapes.isHex(s.charAt(next + 3))) {
                        cp = Integer.parseInt(s, next, next + 4, 16);
                        next += 4;
                    }
                    if (!Character.isValidCodePoint(cp)) {
                        if (i == start) {
                            i++; // a lone backslash: skip it
                        }
                        break;
                    }
                    sb.appendCodePoint(cp);
                    i = next;
                } else if (isIdPart(c)) {
                    sb.append(c);
                    i++;
                } else {
                    break;
                }
            }
            if (sb.isEmpty()) {
                pos = Math.max(i, start + 1);
                return;
            }
            boolean afterDot = prev != null && (prev.isOp(".") || prev.isOp("?."));
            ScanToken t = emit(ScanToken.IDENT, start, i, sb.toString());
            if (afterDot) {
                t.flags |= FLAG_AFTER_DOT;
            } else if (t.text.equals("function") || t.text.equals("class")) {
                int before = out.size() - 2;
                ScanToken p = before >= 0 ? out.get(before) : null;
                if (p != null && p.isIdent("async") && before >= 1) {
                    p = out.get(before - 1);
                }
                prev = p;
                boolean expression = p != null && expressionExpected();
                prev = t;
                if (expression) {
                    pendingExprBody = parenSp;
                }
            }
            pos = i;
        }
    }

    static boolean isLineTerminator(char c) {
        return c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029';
    }

    static boolean isIdStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'
                || (c >= 0x80 && !Character.isWhitespace(c) && !Character.isSpaceChar(c) && c != '\uFEFF'
                        && c != '\u2028' && c != '\u2029');
    }

    static boolean isIdPart(char c) {
        return isIdStart(c) || isDigit(c) || c == '\u200C' || c == '\u200D';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static final class Finder {
        private final List<ScanToken> t;
        private final SourceBuilder b;

        Finder(List<ScanToken> t, SourceBuilder b) {
            this.t = t;
            this.b = b;
        }

        void run() {
            int i = 0;
            while (i < t.size()) {
                ScanToken k = t.get(i);
                int next = i + 1;
                if (k.kind == ScanToken.IDENT) {
                    boolean afterDot = (k.flags & FLAG_AFTER_DOT) != 0;
                    switch (k.text) {
                        case "import" -> {
                            if (!afterDot) {
                                next = importStatement(i);
                            }
                        }
                        case "export" -> {
                            if (!afterDot && (ScanToken.op(t, i + 1, "*") || ScanToken.op(t, i + 1, "{"))) {
                                next = clause(i, "export-from", false);
                            }
                        }
                        case "require" -> {
                            if (ScanToken.op(t, i + 1, "(") && !ScanToken.ident(t, i - 1, "function")) {
                                call(i, "require");
                            }
                        }
                        default -> {}
                    }
                }
                i = Math.max(next, i + 1);
            }
        }

        private int importStatement(int i) {
            if (ScanToken.op(t, i + 1, "(")) {
                call(i, "dynamic-import");
                return i + 1;
            }
            if (ScanToken.op(t, i + 1, ".")) {
                return i + 1; // import.meta
            }
            if (isPlainString(i + 1)) {
                add(t.get(i + 1).value, List.of(), t.get(i), t.get(i + 1).end, "import");
                return i + 2;
            }
            return clause(i, "import", true);
        }

        private boolean isPlainString(int j) {
            return ScanToken.kind(t, j, ScanToken.STRING) && (t.get(j).flags & FLAG_TEMPLATE) == 0
                    && t.get(j).value != null;
        }

        /**
         * {@code import a, {b as c, "d" as e}, * as f from 'm'} or {@code export {a} from 'm'}, {@code export * as f
         * from 'm'}. Returns where to resume: after the statement, or near where it stopped looking like one.
         */
        private int clause(int i, String form, boolean isImport) {
            List<String> names = new ArrayList<>();
            boolean inBraces = false;
            boolean expectName = true;
            int j = i + 1;
            while (j < t.size()) {
                ScanToken x = t.get(j);
                if (x.isIdent("from") && isPlainString(j + 1) && !expectName) {
                    add(t.get(j + 1).value, names, t.get(i), t.get(j + 1).end, form);
                    return j + 2;
                } else if (x.isOp("{") && !inBraces && expectName) {
                    inBraces = true;
                } else if (x.isOp("}") && inBraces) {
                    inBraces = false;
                    expectName = false;
                } else if (x.isOp(",")) {
                    expectName = true;
                } else if (x.isOp("*") && expectName && !inBraces) {
                    names.add("*");
                    expectName = false;
                } else if (x.isIdent("as") && !expectName && (ScanToken.kind(t, j + 1, ScanToken.IDENT)
                        || ScanToken.kind(t, j + 1, ScanToken.STRING))) {
                    j++;
                } else if (x.isIdent("type") && expectName && isImport
                        && (ScanToken.op(t, j + 1, "{") || ScanToken.kind(t, j + 1, ScanToken.IDENT))
                        && !ScanToken.ident(t, j + 1, "from")) {
                    // TypeScript "import type X from", "import type {X} from"
                } else if ((x.kind == ScanToken.IDENT || (inBraces && x.kind == ScanToken.STRING)) && expectName
                        && (inBraces || isImport)) {
                    names.add(inBraces ? (x.kind == ScanToken.IDENT ? x.text : String.valueOf(x.value)) : "default");
                    expectName = false;
                } else {
                    break;
                }
                j++;
            }
            return Math.max(i + 1, j - 1);
        }

        private void call(int i, String form) {
            ScanToken k = t.get(i);
            ScanToken.Arg arg = ScanToken.firstArg(t, i + 1, false, false);
            add(arg.value(), List.of(), k, arg.end(), form);
        }

        private void add(@Nullable String module, List<String> names, ScanToken at, int end, String form) {
            String m = module;
            if (m != null && m.startsWith("node:")) {
                m = m.substring("node:".length());
            }
            b.importRef(m == null ? ImportRef.DYNAMIC : m, names, at.start, Math.max(0, end - at.start), form,
                    m == null);
        }
    }
}
