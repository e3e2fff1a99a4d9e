package dev.sandbox4j.core.policy.scan;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Lexer for Python 3 source: comments, string literals and imports.
 *
 * <p>Strings: {@code '…'}, {@code "…"}, {@code '''…'''}, {@code """…"""} with any case of the prefixes {@code r b u f
 * t rb br fr rf tr rt}; backslash escapes (a backslash also protects a quote in raw strings, as in Python); a
 * single-quoted string ends, unterminated, at the end of its line. Backslash line continuations and brackets join
 * physical lines into one logical line.
 *
 * <p><b>f-strings (simplification).</b> The whole of an f-string, replacement fields included, counts as a string:
 * its contents are blanked in {@link ScannedSource#codeOnly()}. The replacement fields are still lexed as code (with
 * Python 3.12 nesting rules), so an import call hidden in one, {@code f"{__import__('os')}"}, is reported as an import.
 *
 * <p>Imports: {@code import a.b as c, d}; {@code from .a import (b as c, d)}; {@code from . import x} (module
 * {@code "."}); {@code from a import *} (names {@code ["*"]}); calls of {@code __import__} (also
 * {@code importlib.__import__}, {@code builtins.__import__}) and of {@code import_module} (qualified or not). A call
 * whose first argument is not made of string literals only gives {@link ImportRef#DYNAMIC}; so does a reference to
 * {@code __import__} that is not a call ({@code f = __import__}). Identifiers are NFKC-normalised as Python does, so
 * {@code __ｉmport__} is {@code __import__}. The offset of an import is that of its {@code import}/{@code from}
 * keyword, or of the called name.
 *
 * <p>Linear time, stateless, thread-safe; never throws.
 */
public final class PythonScanner implements SourceScanner {

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
        return '.';
    }

    private static final int CODE = 0;
    private static final int FEXPR = 1;
    private static final int FSTR = 2;
    private static final int FSPEC = 3;

    private static final class Frame {
        int kind;
        int depth;
        char quote;
        boolean triple;
        boolean raw;
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
        /** F-strings open on the stack; only the outermost one is blanked (it covers the others). */
        private int openFstrings;
        private int pos;

        Lexer(CharSequence s, SourceBuilder b) {
            this.s = s;
            this.n = s.length();
            this.b = b;
        }

        List<ScanToken> run() {
            stack.add(new Frame(CODE));
            while (pos < n) {
                Frame f = stack.get(stack.size() - 1);
                switch (f.kind) {
                    case FSTR -> fstring(f);
                    case FSPEC -> formatSpec(f);
                    default -> code(f);
                }
            }
            for (int i = stack.size() - 1; i >= 0; i--) {
                Frame f = stack.get(i);
                if (f.kind == FSTR) {
                    requireNonNull(f.token).end = n;
                    if (--openFstrings == 0) {
                        b.string(f.contentStart, n);
                    }
                }
            }
            return out;
        }

        private char at(int i) {
            return i < n ? s.charAt(i) : '\0';
        }

        private void code(Frame f) {
            char c = s.charAt(pos);
            switch (c) {
                case '\n', '\r' -> {
                    if (f.kind == CODE && f.depth == 0 && !out.isEmpty()
                            && out.get(out.size() - 1).kind != ScanToken.NEWLINE) {
                        out.add(new ScanToken(ScanToken.NEWLINE, pos, pos, "\n"));
                    }
                    pos++;
                    return;
                }
                case ' ', '\t', '\f', '\u000B' -> {
                    pos++;
                    return;
                }
                case '\\' -> {
                    pos++;
                    if (at(pos) == '\r') {
                        pos++;
                    }
                    if (at(pos) == '\n') {
                        pos++;
                    }
                    return;
                }
                case '#' -> {
                    int e = pos;
                    while (e < n && s.charAt(e) != '\n' && s.charAt(e) != '\r') {
                        e++;
                    }
                    b.comment(pos, e);
                    pos = e;
                    return;
                }
                case '\'', '"' -> {
                    string(pos, pos, 0);
                    return;
                }
                default -> {}
            }
            if (isIdStart(c)) {
                int st = pos;
                int e = pos + 1;
                boolean ascii = c < 0x80;
                while (e < n && isIdPart(s.charAt(e))) {
                    ascii &= s.charAt(e) < 0x80;
                    e++;
                }
                if (e < n && e - st <= 2 && (s.charAt(e) == '\'' || s.charAt(e) == '"')) {
                    int flags = prefixFlags(st, e);
                    if (flags >= 0) {
                        string(st, e, flags);
                        return;
                    }
                }
                String text = Chars.substring(s, st, e);
                if (!ascii) {
                    text = Normalizer.normalize(text, Normalizer.Form.NFKC);
                }
                out.add(new ScanToken(ScanToken.IDENT, st, e, text));
                pos = e;
                return;
            }
            if (isDigit(c) || (c == '.' && isDigit(at(pos + 1)))) {
                int e = pos + 1;
                while (e < n && (isIdPart(s.charAt(e)) || s.charAt(e) == '.') && s.charAt(e) < 0x80) {
                    e++;
                }
                out.add(new ScanToken(ScanToken.NUMBER, pos, e, Chars.substring(s, pos, e)));
                pos = e;
                return;
            }
            if (f.kind == FEXPR && f.depth == 0) {
                if (c == '}') {
                    stack.remove(stack.size() - 1);
                    pos++;
                    return;
                }
                if (c == ':') {
                    f.kind = FSPEC;
                    pos++;
                    return;
                }
                if (c == '!' && at(pos + 1) != '=') {
                    pos++;
                    while (pos < n && isIdPart(s.charAt(pos))) {
                        pos++;
                    }
                    return;
                }
            }
            switch (c) {
                case '(', '[', '{' -> f.depth++;
                case ')', ']', '}' -> f.depth = Math.max(0, f.depth - 1);
                default -> {}
            }
            out.add(new ScanToken(ScanToken.OP, pos, pos + 1, String.valueOf(c)));
            pos++;
        }

        /** {@code 1} raw, {@code 2} interpolated (f/t), or -1 if {@code [st, e)} is not a string prefix. */
        private int prefixFlags(int st, int e) {
            int flags = 0;
            boolean bytes = false;
            boolean unicode = false;
            for (int i = st; i < e; i++) {
                switch (Character.toLowerCase(s.charAt(i))) {
                    case 'r' -> flags |= (flags & 1) != 0 ? 8 : 1;
                    case 'f', 't' -> flags |= (flags & 2) != 0 ? 8 : 2;
                    case 'b' -> {
                        flags |= bytes ? 8 : 0;
                        bytes = true;
                    }
                    case 'u' -> {
                        flags |= unicode ? 8 : 0;
                        unicode = true;
                    }
                    default -> {
                        return -1;
                    }
                }
            }
            boolean valid = (flags & 8) == 0
                    && !(bytes && (flags & 2) != 0)
                    && !(unicode && (e - st) > 1);
            return valid ? flags : -1;
        }

        /** A string literal whose prefix starts at {@code start} and whose opening quote is at {@code q}. */
        private void string(int start, int q, int flags) {
            char quote = s.charAt(q);
            boolean triple = at(q + 1) == quote && at(q + 2) == quote;
            int cs = q + (triple ? 3 : 1);
            ScanToken token = new ScanToken(ScanToken.STRING, start, cs, "");
            out.add(token);
            boolean raw = (flags & 1) != 0;
            if ((flags & 2) != 0) {
                Frame f = new Frame(FSTR);
                f.quote = quote;
                f.triple = triple;
                f.raw = raw;
                f.contentStart = cs;
                f.token = token;
                stack.add(f);
                openFstrings++;
                pos = cs;
                return;
            }
            int i = cs;
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
                } else if (c == quote && (!triple || (at(i + 1) == quote && at(i + 2) == quote))) {
                    ce = i;
                    end = i + (triple ? 3 : 1);
                    break;
                } else if (!triple && (c == '\n' || c == '\r')) {
                    ce = i;
                    end = i;
                    break;
                } else {
                    i++;
                }
            }
            b.string(cs, ce);
            token.end = end;
            token.value = raw ? Chars.substring(s, cs, ce) : Escapes.decode(s, cs, ce, Escapes.PYTHON);
            pos = end;
        }

        private void fstring(Frame f) {
            char c = s.charAt(pos);
            if (c == '\\') {
                if (!f.raw && at(pos + 1) == 'N' && at(pos + 2) == '{') {
                    int j = pos + 3;
                    while (j < n && s.charAt(j) != '}' && s.charAt(j) != f.quote && s.charAt(j) != '\n') {
                        j++;
                    }
                    pos = at(j) == '}' ? j + 1 : j;
                } else {
                    pos += at(pos + 1) == '\r' && at(pos + 2) == '\n' ? 3 : 2;
                }
            } else if (c == '{') {
                if (at(pos + 1) == '{') {
                    pos += 2;
                } else {
                    f.interpolated = true;
                    stack.add(new Frame(FEXPR));
                    pos++;
                }
            } else if (c == '}') {
                pos += at(pos + 1) == '}' ? 2 : 1;
            } else if (closesString(f, pos)) {
                closeFstring(f, pos, pos + (f.triple ? 3 : 1));
            } else if (!f.triple && (c == '\n' || c == '\r')) {
                closeFstring(f, pos, pos);
            } else {
                pos++;
            }
        }

        private boolean closesString(Frame f, int i) {
            return at(i) == f.quote && (!f.triple || (at(i + 1) == f.quote && at(i + 2) == f.quote));
        }

        private void closeFstring(Frame f, int contentEnd, int end) {
            if (--openFstrings == 0) {
                b.string(f.contentStart, contentEnd);
            }
            ScanToken token = requireNonNull(f.token);
            token.end = end;
            if (!f.interpolated) {
                String v = f.raw
                        ? Chars.substring(s, f.contentStart, contentEnd)
                        : Escapes.decode(s, f.contentStart, contentEnd, Escapes.PYTHON);
                token.value = v.replace("{{", "{").replace("}}", "}");
            }
            stack.remove(stack.size() - 1);
            pos = end;
        }

        /** Format spec of a replacement field: literal text with nested fields, ends at '}'. */
        private void formatSpec(Frame f) {
            Frame str = null;
            for (int i = stack.size() - 2; i >= 0 && str == null; i--) {
                if (stack.get(i).kind == FSTR) {
                    str = stack.get(i);
                }
            }
            char c = s.charAt(pos);
            if (str == null || c == '}') {
                stack.remove(stack.size() - 1);
                pos++;
            } else if (c == '{') {
                stack.add(new Frame(FEXPR));
                pos++;
            } else if (c == '\\') {
                pos += 2;
            } else if (closesString(str, pos) || (!str.triple && (c == '\n' || c == '\r'))) {
                stack.remove(stack.size() - 1); // let the string close itself
            } else {
                pos++;
            }
        }
    }

    static boolean isIdStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0x80 && isUnicodeIdChar(c));
    }

    static boolean isIdPart(char c) {
        return isIdStart(c) || isDigit(c);
    }

    private static boolean isUnicodeIdChar(char c) {
        return !Character.isWhitespace(c) && !Character.isSpaceChar(c) && c != '\u00A0' && c != '\uFEFF';
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
                if (k.kind == ScanToken.IDENT && !ScanToken.op(t, i - 1, ".")) {
                    switch (k.text) {
                        case "import" -> next = importStatement(i);
                        case "from" -> next = fromStatement(i);
                        default -> {}
                    }
                }
                if (k.kind == ScanToken.IDENT) {
                    switch (k.text) {
                        case "__import__" -> call(i, ScanToken.ident(t, i - 2, "importlib") ? "importlib" : "__import__",
                                true);
                        case "import_module" -> call(i, "importlib", false);
                        default -> {}
                    }
                }
                i = Math.max(next, i + 1);
            }
        }

        /** {@code import a.b as c, d}: one ref per module. Returns the index after the statement. */
        private int importStatement(int i) {
            ScanToken k = t.get(i);
            int j = i + 1;
            while (true) {
                StringBuilder name = new StringBuilder();
                int last = dottedName(j, name);
                if (last == j) {
                    return j;
                }
                j = last;
                if (ScanToken.ident(t, j, "as") && ScanToken.kind(t, j + 1, ScanToken.IDENT)) {
                    j += 2;
                }
                b.importRef(name.toString(), List.of(), k.start, t.get(j - 1).end - k.start, "import", false);
                if (!ScanToken.op(t, j, ",")) {
                    return j;
                }
                j++;
            }
        }

        /** Appends {@code a.b.c} starting at {@code j}; returns the index after it ({@code j} if none). */
        private int dottedName(int j, StringBuilder name) {
            if (!isName(j)) {
                return j;
            }
            name.append(t.get(j).text);
            j++;
            while (ScanToken.op(t, j, ".") && isName(j + 1)) {
                name.append('.').append(t.get(j + 1).text);
                j += 2;
            }
            return j;
        }

        private boolean isName(int j) {
            return ScanToken.kind(t, j, ScanToken.IDENT) && !t.get(j).text.equals("import");
        }

        /** {@code from .a import (b as c, d)}; returns {@code i + 1} when this {@code from} is not one. */
        private int fromStatement(int i) {
            ScanToken k = t.get(i);
            StringBuilder module = new StringBuilder();
            int j = i + 1;
            while (ScanToken.op(t, j, ".")) {
                module.append('.');
                j++;
            }
            j = dottedName(j, module);
            if (module.isEmpty() || !ScanToken.ident(t, j, "import")) {
                return i + 1;
            }
            j++;
            boolean paren = ScanToken.op(t, j, "(");
            if (paren) {
                j++;
            }
            List<String> names = new ArrayList<>();
            while (true) {
                if (ScanToken.op(t, j, "*")) {
                    names.add("*");
                    j++;
                } else if (isName(j)) {
                    names.add(t.get(j).text);
                    j++;
                    if (ScanToken.ident(t, j, "as") && ScanToken.kind(t, j + 1, ScanToken.IDENT)) {
                        j += 2;
                    }
                } else {
                    break;
                }
                if (!ScanToken.op(t, j, ",")) {
                    break;
                }
                j++;
            }
            if (paren && ScanToken.op(t, j, ")")) {
                j++;
            }
            b.importRef(module.toString(), names, k.start, t.get(j - 1).end - k.start, "from", false);
            return j;
        }

        private void call(int i, String form, boolean bareIsDynamic) {
            ScanToken k = t.get(i);
            if (ScanToken.ident(t, i - 1, "def") || ScanToken.ident(t, i - 1, "class")) {
                return;
            }
            if (!ScanToken.op(t, i + 1, "(")) {
                if (bareIsDynamic) {
                    b.importRef(ImportRef.DYNAMIC, List.of(), k.start, k.end - k.start, form, true);
                }
                return;
            }
            ScanToken.Arg arg = ScanToken.firstArg(t, i + 1, true, true);
            String module = arg.value();
            b.importRef(module == null ? ImportRef.DYNAMIC : module, List.of(), k.start, arg.end() - k.start, form,
                    module == null);
        }
    }
}
