package dev.sandbox4j.core.policy.scan;

import static dev.sandbox4j.core.policy.scan.RubyScanner.AFTER_DOT;
import static dev.sandbox4j.core.policy.scan.RubyScanner.LABEL;
import static dev.sandbox4j.core.policy.scan.RubyScanner.NOT_PLAIN;
import static dev.sandbox4j.core.policy.scan.RubyScanner.SYMBOL;
import static dev.sandbox4j.core.policy.scan.RubyScanner.VAR;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Lexes Ruby code into tokens for {@link RubyScanner}: names, operators, numbers, symbols and variables, with what
 * Ruby needs to tell a literal from an operator ({@code /}, {@code %}, {@code <<}, {@code ?} after a value or where
 * an expression starts; the local variables seen so far); literals are read by {@link RubyLiteralLexer}. One use.
 */
final class RubyLexer extends RubyLiteralLexer {
    /** Lexer states: what the previous token leaves expected. */
    private static final int BEG = 0;
    private static final int ARG = 1;
    private static final int END = 2;
    private static final int DOT = 3;
    private static final int FNAME = 4;

    /** Keywords after which an expression starts. */
    private static final Set<String> BEG_KEYWORDS = Set.of("and", "begin", "break", "case", "do", "else", "elsif",
            "ensure", "if", "in", "next", "not", "or", "redo", "rescue", "return", "then", "unless", "until", "when",
            "while", "yield", "class", "module");
    /** Keywords that are values. */
    private static final Set<String> VALUE_KEYWORDS = Set.of("end", "self", "true", "false", "nil", "__FILE__",
            "__LINE__", "__ENCODING__", "__method__", "retry");
    /** Method names that are operators, longest first (after {@code def}, {@code alias} or {@code :}). */
    private static final String[] OPERATOR_NAMES = {"[]=", "<=>", "===", "[]", "==", "=~", "!~", "!=", "**", "+@",
        "-@", "<<", ">>", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "!", "~", "^", "&", "|", "`"};
    /** Operators of more than one character, longest first. */
    private static final String[] OPERATORS = {"**=", "<=>", "===", "...", "<<=", ">>=", "&&=", "||=", "**", "==",
        "!=", ">=", "<=", "&&", "||", "<<", ">>", "=~", "!~", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "..",
        "::", "->", "=>", "&."};

    private final Set<String> locals = new HashSet<>();
    /** After {@code def}: 1 = the name (or a receiver and a dot) comes next, 2 = parameters may follow. */
    private int defState;
    /** Parameter names being read: 1 = up to the {@code )} at {@link #paramParens}, 2 = up to the line's end, 3 =
     * up to the closing {@code |} of block parameters, 4 = up to {@code in} ({@code for}). */
    private int paramMode;
    private int paramParens;

    RubyLexer(CharSequence s, SourceBuilder b) {
        super(s, b);
    }

    List<ScanToken> run() {
        stack.add(new Frame(CODE));
        while (pos < n) {
            Frame f = stack.get(stack.size() - 1);
            switch (f.kind) {
                case CODE -> code(f);
                case LITERAL -> literal(f);
                default -> heredoc(f);
            }
        }
        Frame top = stack.get(stack.size() - 1);
        if (top.kind != CODE) {
            b.string(top.contentStart, n); // only the innermost literal is in a text part
        }
        for (Frame f : stack) {
            if (f.token != null) {
                f.token.end = n;
                f.token.value = null; // unterminated: not a constant
            }
        }
        return out;
    }

    // ---- code

    private void code(Frame f) {
        if ((pos == 0 || s.charAt(pos - 1) == '\n') && lineStart(f)) {
            return;
        }
        char c = s.charAt(pos);
        if (defState == 1 && c != ' ' && c != '\t') {
            methodName();
            return;
        }
        switch (c) {
            case ' ', '\t', '\r', '\f', '\u000B' -> {
                pos++;
                spaceBefore = true;
            }
            case '\n' -> {
                endOfStatement();
                emit(ScanToken.NEWLINE, pos, pos + 1, "\n");
                pos++;
                spaceBefore = true;
                newline();
            }
            case '\\' -> {
                if (at(pos + 1) == '\n') {
                    pos += 2; // line continuation
                    spaceBefore = true;
                    newline();
                } else {
                    emit(ScanToken.OP, pos, pos + 1, "\\");
                    pos++;
                }
            }
            case '#' -> {
                int e = Chars.indexOf(s, '\n', pos);
                e = e < 0 ? n : e;
                b.comment(pos, e);
                pos = e;
            }
            case '"' -> literal(pos, pos + 1, '"', '"', true, 0);
            case '\'' -> literal(pos, pos + 1, '\'', '\'', false, 0);
            case '`' -> {
                int st = state();
                if (st == DOT || st == FNAME) {
                    emit(ScanToken.IDENT, pos, pos + 1, "`").flags |= st == DOT ? AFTER_DOT : 0;
                    pos++;
                } else {
                    literal(pos, pos + 1, '`', '`', true, NOT_PLAIN);
                }
            }
            case '@', '$' -> variable(c);
            case ':' -> colon();
            case '?' -> question();
            case '%' -> percent();
            case '/' -> slash();
            case '<' -> angle();
            case '{' -> {
                f.depth++;
                emit(ScanToken.OP, pos, pos + 1, "{");
                pos++;
                blockParams();
            }
            case '}' -> {
                if (f.interp && f.depth == 0) {
                    emit(ScanToken.OP, pos, pos + 1, "}"); // ends an argument: "#{require 'x'}"
                    stack.remove(stack.size() - 1);
                    pos++;
                    Frame parent = stack.get(stack.size() - 1);
                    parent.contentStart = pos;
                    return;
                }
                f.depth = Math.max(0, f.depth - 1);
                emit(ScanToken.OP, pos, pos + 1, "}");
                pos++;
            }
            case '(' -> {
                f.parens++;
                emit(ScanToken.OP, pos, pos + 1, "(");
                pos++;
            }
            case ')' -> {
                f.parens = Math.max(0, f.parens - 1);
                if (paramMode == 1 && f.parens < paramParens) {
                    paramMode = 0;
                }
                emit(ScanToken.OP, pos, pos + 1, ")");
                pos++;
            }
            case ';' -> {
                endOfStatement();
                emit(ScanToken.OP, pos, pos + 1, ";");
                pos++;
            }
            case '|' -> {
                if (paramMode == 3 && at(pos + 1) != '|') {
                    paramMode = 0;
                    emit(ScanToken.OP, pos, pos + 1, "|");
                    pos++;
                } else {
                    operator();
                }
            }
            default -> {
                if (isIdentStart(c)) {
                    identifier();
                } else if (isDigit(c)) {
                    number();
                } else {
                    operator();
                }
            }
        }
    }

    /** What the previous token leaves expected. */
    private int state() {
        ScanToken p = prev;
        if (p == null || p.kind == ScanToken.NEWLINE) {
            return BEG;
        }
        if (p.kind == ScanToken.OP) {
            return switch (p.text) {
                case ")", "]", "}" -> END;
                case ".", "&.", "::" -> DOT;
                default -> BEG;
            };
        }
        if (p.kind != ScanToken.IDENT) {
            return END; // literals, numbers, symbols
        }
        if ((p.flags & VAR) != 0) {
            return END;
        }
        if ((p.flags & LABEL) != 0) {
            return BEG;
        }
        if ((p.flags & AFTER_DOT) != 0) {
            return ARG;
        }
        if (p.text.equals("def")) {
            return FNAME;
        }
        if (BEG_KEYWORDS.contains(p.text)) {
            return BEG;
        }
        if (VALUE_KEYWORDS.contains(p.text) || locals.contains(p.text)) {
            return END;
        }
        return ARG;
    }

    /** Whether a literal may start here: where an expression starts, or as a spaced method argument. */
    private boolean literalMayStart(boolean spaceAfterAllowed) {
        int st = state();
        if (st == BEG) {
            return true;
        }
        if (st != ARG || !spaceBefore) {
            return false;
        }
        char next = at(pos + 1);
        return spaceAfterAllowed || (next != ' ' && next != '\t' && next != '\n' && next != '\r' && next != '=');
    }

    private void identifier() {
        int start = pos;
        int e = pos + 1;
        while (e < n && isIdentPart(s.charAt(e))) {
            e++;
        }
        char c = at(e);
        if ((c == '?' || c == '!') && (at(e + 1) != '=' || at(e + 2) == '=' || at(e + 2) == '~')) {
            e++;
        }
        String text = Chars.substring(s, start, e);
        boolean afterDot = state() == DOT;
        boolean label = !afterDot && at(e) == ':' && at(e + 1) != ':' && text.charAt(text.length() - 1) != '?';
        ScanToken t = emit(ScanToken.IDENT, start, e, text);
        pos = e;
        if (afterDot) {
            t.flags |= AFTER_DOT;
        } else if (label) {
            t.flags |= LABEL;
            pos++; // the ':'
            return;
        }
        if (paramMode == 4 && text.equals("in")) {
            paramMode = 0;
            return;
        }
        if (paramMode != 0 && !afterDot && isLocalName(text)) {
            locals.add(text);
            return;
        }
        if (afterDot) {
            return;
        }
        switch (text) {
            case "def" -> defState = 1;
            case "for" -> paramMode = 4;
            case "do" -> blockParams();
            default -> { }
        }
    }

    /** The name after {@code def} ({@code name}, {@code name=}, {@code self.name}, an operator). */
    private void methodName() {
        int start = pos;
        String op = longest(OPERATOR_NAMES, pos);
        if (op != null) {
            emit(ScanToken.IDENT, start, start + op.length(), op);
            pos = start + op.length();
            afterMethodName();
            return;
        }
        char c = s.charAt(pos);
        if (!isIdentStart(c) && c != '@' && c != '$') {
            defState = 0; // not a definition we understand: lex on as code
            code(stack.get(stack.size() - 1));
            return;
        }
        int e = pos + 1;
        while (e < n && isIdentPart(s.charAt(e))) {
            e++;
        }
        char d = at(e);
        if (d == '?' || d == '!' || (d == '=' && at(e + 1) != '=' && at(e + 1) != '~' && at(e + 1) != '>'
                && (at(e + 1) == '(' || at(e + 1) == ' '))) {
            e++;
        }
        emit(ScanToken.IDENT, start, e, Chars.substring(s, start, e));
        pos = e;
        if (at(pos) == '.' || (at(pos) == ':' && at(pos + 1) == ':')) { // def self.name, def Foo::name
            int len = at(pos) == '.' ? 1 : 2;
            emit(ScanToken.OP, pos, pos + len, len == 1 ? "." : "::");
            pos += len;
            return; // still the name next
        }
        afterMethodName();
    }

    private void afterMethodName() {
        defState = 0;
        int j = pos;
        while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
            j++;
        }
        char c = at(j);
        if (c == '(') {
            paramMode = 1;
            paramParens = stack.get(stack.size() - 1).parens + 1;
        } else if (c != '\n' && c != ';' && c != '=' && c != '#' && c != '\0' && c != '\r') {
            paramMode = 2;
        }
    }

    /** After {@code {} or {@code do}: {@code |a, b|} names block parameters. */
    private void blockParams() {
        int j = pos;
        while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
            j++;
        }
        if (at(j) == '|' && at(j + 1) != '|') {
            emit(ScanToken.OP, j, j + 1, "|");
            pos = j + 1;
            paramMode = 3;
        }
    }

    /** A line break or {@code ;} ends parameters read to the end of the line, and {@code for} variables. */
    private void endOfStatement() {
        if (paramMode == 2 || paramMode == 4) {
            paramMode = 0;
        }
    }

    private void variable(char c) {
        int start = pos;
        int e = pos + 1;
        if (c == '@') {
            if (at(e) == '@') {
                e++;
            }
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
        } else if (e < n && isIdentStart(s.charAt(e))) {
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
        } else if (at(e) == '-' && e + 1 < n && isIdentPart(s.charAt(e + 1))) {
            e += 2; // $-w
        } else if (e < n && isDigit(s.charAt(e))) {
            while (e < n && isDigit(s.charAt(e))) {
                e++;
            }
        } else if (e < n && "~*$?!@/\\;,.=:<>\"'`&+0_".indexOf(s.charAt(e)) >= 0) {
            e++; // a special global: $' $" $` $/ ...
        }
        if (e == start + 1) {
            emit(ScanToken.OP, start, e, String.valueOf(c));
        } else {
            emit(ScanToken.IDENT, start, e, Chars.substring(s, start, e)).flags |= VAR;
        }
        pos = e;
    }

    private void colon() {
        char d = at(pos + 1);
        if (d == ':') {
            emit(ScanToken.OP, pos, pos + 2, "::");
            pos += 2;
            return;
        }
        if (d == '"' || d == '\'') {
            literal(pos, pos + 2, d, d, d == '"', NOT_PLAIN); // :"symbol"
            return;
        }
        int st = state();
        boolean symbolMayStart = (st != END && st != DOT) || spaceBefore;
        if (symbolMayStart && (isIdentStart(d) || d == '@' || d == '$')) {
            int e = pos + 2;
            if (d == '@' && at(e) == '@') {
                e++;
            }
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
            char c = at(e);
            if (c == '?' || c == '!' || (c == '=' && at(e + 1) != '=' && at(e + 1) != '~' && at(e + 1) != '>')) {
                e++;
            }
            emit(SYMBOL, pos, e, Chars.substring(s, pos + 1, e));
            pos = e;
            return;
        }
        String op = st == BEG || st == FNAME || (st == ARG && spaceBefore) ? longest(OPERATOR_NAMES, pos + 1) : null;
        if (op != null) { // :+, :[], :`, :<<
            emit(SYMBOL, pos, pos + 1 + op.length(), op);
            pos += 1 + op.length();
            return;
        }
        emit(ScanToken.OP, pos, pos + 1, ":");
        pos++;
    }

    /** {@code ?a} (a character literal) or the ternary operator. */
    private void question() {
        int st = state();
        char c = at(pos + 1);
        boolean literal = (st == BEG || (st == ARG && spaceBefore)) && pos + 1 < n && !Character.isWhitespace(c)
                && !(isIdentPart(c) && pos + 2 < n && isIdentPart(s.charAt(pos + 2)));
        if (!literal) {
            emit(ScanToken.OP, pos, pos + 1, "?");
            pos++;
            return;
        }
        int e = pos + 2;
        if (c == '\\') {
            e = Math.min(n, pos + 3);
            if (at(pos + 2) == 'u' && at(pos + 3) == '{') {
                int close = Chars.indexOf(s, '}', pos + 4, Math.min(n, pos + 40));
                e = close < 0 ? e : close + 1;
            } else if ((at(pos + 2) == 'C' || at(pos + 2) == 'M') && at(pos + 3) == '-') {
                e = Math.min(n, pos + 5);
            }
        } else if (Character.isHighSurrogate(c) && Character.isLowSurrogate(at(pos + 2))) {
            e = pos + 3;
        }
        b.string(pos + 1, e);
        ScanToken t = emit(ScanToken.STRING, pos, e, "?");
        t.flags |= NOT_PLAIN;
        pos = e;
    }

    /** A percent literal ({@code %w[a b]}, {@code %q(x)}, {@code %(x)}) or the modulo operator. */
    private void percent() {
        if (!literalMayStart(false)) {
            operator();
            return;
        }
        char t = at(pos + 1);
        int delim = pos + 1;
        if ("qQwWiIxrs".indexOf(t) >= 0 && t != '\0') {
            delim = pos + 2;
        }
        char open = at(delim);
        if (delim >= n || isAsciiAlnum(open) || Character.isWhitespace(open) || open >= 0x80) {
            operator();
            return;
        }
        char type = delim == pos + 1 ? 'Q' : t;
        boolean interpolating = "QWIxr".indexOf(type) >= 0;
        int flags = type == 'q' || type == 'Q' ? 0 : NOT_PLAIN;
        Frame f = literal(pos, delim + 1, open, closing(open), interpolating, flags);
        f.regex = type == 'r';
    }

    /** A regular expression or the division operator. */
    private void slash() {
        if (!literalMayStart(false)) {
            operator();
            return;
        }
        Frame f = literal(pos, pos + 1, '/', '/', true, NOT_PLAIN);
        f.regex = true;
    }

    /** A heredoc ({@code <<~ID}) or an operator. */
    private void angle() {
        if (at(pos + 1) != '<' || !literalMayStart(true) || (prev != null && prev.isIdent("class"))) {
            operator();
            return;
        }
        int j = pos + 2;
        boolean indented = false;
        if (at(j) == '~' || at(j) == '-') {
            indented = true;
            j++;
        }
        char q = at(j);
        String id;
        boolean interpolating = true;
        int flags = NOT_PLAIN;
        if (q == '\'' || q == '"' || q == '`') {
            int close = j + 1;
            while (close < n && s.charAt(close) != q && s.charAt(close) != '\n') {
                close++;
            }
            if (close >= n || s.charAt(close) != q || close == j + 1) {
                operator();
                return;
            }
            id = Chars.substring(s, j + 1, close);
            interpolating = q != '\'';
            j = close + 1;
        } else if (j < n && isIdentStart(q)) {
            int e = j + 1;
            while (e < n && isIdentPart(s.charAt(e))) {
                e++;
            }
            id = Chars.substring(s, j, e);
            j = e;
        } else {
            operator();
            return;
        }
        ScanToken t = emit(ScanToken.STRING, pos, j, "<<");
        t.flags |= flags;
        pending.add(new Pending(id, indented, interpolating, t));
        pos = j;
    }

    private void operator() {
        String op = longest(OPERATORS, pos);
        if (op == null) {
            op = String.valueOf(s.charAt(pos));
        }
        emit(ScanToken.OP, pos, pos + op.length(), op);
        pos += op.length();
        afterOperator(op);
    }

    private void afterOperator(String op) {
        if (op.equals("->")) {
            int j = pos;
            while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                j++;
            }
            if (at(j) == '(') {
                paramMode = 1;
                paramParens = stack.get(stack.size() - 1).parens + 1;
            }
            return;
        }
        boolean assign = op.equals("=") || (op.length() >= 2 && op.endsWith("=") && !op.equals("==")
                && !op.equals("!=") && !op.equals(">=") && !op.equals("<=") && !op.equals("==="));
        if (!assign || out.size() < 2) {
            return;
        }
        // x = ..., x += ..., a, b = ...: the names before are local variables
        int k = out.size() - 2;
        for (int steps = 0; k >= 0 && steps < 64; steps++, k--) {
            ScanToken t = out.get(k);
            if (t.kind == ScanToken.IDENT && (t.flags & (AFTER_DOT | VAR | LABEL)) == 0 && isLocalName(t.text)) {
                locals.add(t.text);
            } else if (!(t.kind == ScanToken.OP && (t.text.equals(",") || t.text.equals("*")))) {
                break;
            }
            if (!op.equals("=")) {
                break; // x += 1: only x
            }
        }
    }

    private static boolean isLocalName(String name) {
        char c = name.charAt(0);
        char last = name.charAt(name.length() - 1);
        return (c == '_' || (c >= 'a' && c <= 'z') || c >= 0x80) && last != '?' && last != '!'
                && !BEG_KEYWORDS.contains(name) && !VALUE_KEYWORDS.contains(name) && !name.equals("def")
                && !name.equals("for");
    }
}
