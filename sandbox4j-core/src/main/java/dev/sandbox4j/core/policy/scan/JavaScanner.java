package dev.sandbox4j.core.policy.scan;


import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Lexer for Java source: comments ({@code //}, {@code /* *&#47;}, javadoc), string literals, char literals and text
 * blocks, imports and reflective class loading.
 *
 * <p>Unicode escapes ({@code &#92;u0022}, {@code &#92;u000a}) are translated before lexing, as {@code javac} does (JLS 3.3),
 * so that {@code // &#92;u000a Runtime.getRuntime()} is code and {@code "&#92;u0022 + x + &#92;u0022"} is not one string.
 * Offsets still refer to the original text.
 *
 * <p>Imports: {@code import a.b.C;} ({@code "a.b.C"}, form {@code "import"}); {@code import a.b.*;}
 * ({@code "a.b"}, names {@code ["*"]}); {@code import static a.B.m;} and {@code import static a.B.*;} (form
 * {@code "import-static"}); {@code import module m;} (form {@code "import-module"}). Reflection (form
 * {@code "reflection"}): {@code Class.forName(…)} (and a bare {@code forName(…)} after a static import of it),
 * {@code ….loadClass(…)} and {@code ….findClass(…)} (and bare calls of those, as in a class loader subclass); the
 * module is the string-literal argument, or {@link ImportRef#DYNAMIC} when it is not a single literal. Offsets are
 * those of the {@code import} keyword or of the called method's name.
 *
 * <p>Linear time, stateless, thread-safe; never throws.
 */
public final class JavaScanner implements SourceScanner {

    @Override
    public ScannedSource scan(String code) {
        return scan(code, UnaryOperator.identity());
    }

    /**
     * Scans {@code code}, reading its characters through {@code view} applied to the text (the identity here; tests
     * wrap it to count the characters read).
     */
    static ScannedSource scan(String code, UnaryOperator<CharSequence> view) {
        return SourceBuilder.failClosed(code, b -> new Finder(new Lexer(code, view, b).run(), b).run());
    }

    @Override
    public char moduleSeparator() {
        return '.';
    }

    private static final class Lexer {
        private final SourceBuilder b;
        /** The text after unicode-escape translation. */
        private final CharSequence s;
        private final int n;
        /** Original offset of each translated char (length n + 1), or null when nothing was translated. */
        private final int @Nullable [] orig;
        private final List<ScanToken> out = new ArrayList<>();
        private int pos;

        Lexer(String code, UnaryOperator<CharSequence> view, SourceBuilder b) {
            CharSequence raw = view.apply(code);
            this.b = b;
            if (Chars.indexOf(raw, "\\u") < 0) {
                this.s = raw;
                this.orig = null;
            } else {
                StringBuilder sb = new StringBuilder(raw.length());
                int[] map = new int[raw.length() + 1];
                int backslashes = 0;
                int i = 0;
                while (i < raw.length()) {
                    char c = raw.charAt(i);
                    if (c == '\\' && backslashes % 2 == 0 && i + 1 < raw.length() && raw.charAt(i + 1) == 'u') {
                        int j = i + 1;
                        while (j < raw.length() && raw.charAt(j) == 'u') {
                            j++;
                        }
                        if (j + 4 <= raw.length() && Escapes.isHex(raw.charAt(j)) && Escapes.isHex(raw.charAt(j + 1))
                                && Escapes.isHex(raw.charAt(j + 2)) && Escapes.isHex(raw.charAt(j + 3))) {
                            map[sb.length()] = i;
                            sb.append((char) Integer.parseInt(raw, j, j + 4, 16));
                            backslashes = 0;
                            i = j + 4;
                            continue;
                        }
                    }
                    backslashes = c == '\\' ? backslashes + 1 : 0;
                    map[sb.length()] = i;
                    sb.append(c);
                    i++;
                }
                map[sb.length()] = raw.length();
                this.s = view.apply(sb.toString());
                this.orig = map;
            }
            this.n = s.length();
        }

        private int o(int i) {
            int[] m = orig;
            return m == null ? i : m[Math.min(i, n)];
        }

        private char at(int i) {
            return i < n ? s.charAt(i) : '\0';
        }

        private void emit(int kind, int start, int end, @Nullable String value) {
            ScanToken t = new ScanToken(kind, o(start), o(end), kind == ScanToken.STRING ? "" : Chars.substring(s, start, end));
            t.value = value;
            out.add(t);
        }

        List<ScanToken> run() {
            while (pos < n) {
                char c = s.charAt(pos);
                if (c == '/' && at(pos + 1) == '/') {
                    int e = pos;
                    while (e < n && s.charAt(e) != '\n' && s.charAt(e) != '\r') {
                        e++;
                    }
                    b.comment(o(pos), o(e));
                    pos = e;
                } else if (c == '/' && at(pos + 1) == '*') {
                    int e = Chars.indexOf(s, "*/", pos + 2);
                    e = e < 0 ? n : e + 2;
                    b.comment(o(pos), o(e));
                    pos = e;
                } else if (c == '"' && at(pos + 1) == '"' && at(pos + 2) == '"') {
                    textBlock();
                } else if (c == '"' || c == '\'') {
                    literal(c);
                } else if (Character.isJavaIdentifierStart(c)) {
                    int e = pos + 1;
                    while (e < n && Character.isJavaIdentifierPart(s.charAt(e))) {
                        e++;
                    }
                    emit(ScanToken.IDENT, pos, e, null);
                    pos = e;
                } else if ((c >= '0' && c <= '9') || (c == '.' && at(pos + 1) >= '0' && at(pos + 1) <= '9')) {
                    int e = pos + 1;
                    while (e < n && (Character.isLetterOrDigit(s.charAt(e)) || s.charAt(e) == '_'
                            || s.charAt(e) == '.') && s.charAt(e) < 0x80) {
                        e++;
                    }
                    emit(ScanToken.NUMBER, pos, e, null);
                    pos = e;
                } else if (c <= ' ' || Character.isWhitespace(c)) {
                    pos++;
                } else {
                    emit(ScanToken.OP, pos, pos + 1, null);
                    pos++;
                }
            }
            return out;
        }

        private void literal(char quote) {
            int start = pos;
            int i = pos + 1;
            while (i < n && s.charAt(i) != quote && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                i += s.charAt(i) == '\\' && i + 1 < n && s.charAt(i + 1) != '\n' && s.charAt(i + 1) != '\r' ? 2 : 1;
            }
            int ce = Math.min(i, n);
            int end = ce < n && s.charAt(ce) == quote ? ce + 1 : ce;
            b.string(o(start + 1), o(ce));
            emit(quote == '"' ? ScanToken.STRING : ScanToken.NUMBER, start, end,
                    Escapes.decode(s, start + 1, ce, Escapes.JAVA));
            pos = end;
        }

        private void textBlock() {
            int start = pos;
            int i = pos + 3;
            while (i < n && !(s.charAt(i) == '"' && at(i + 1) == '"' && at(i + 2) == '"')) {
                i += s.charAt(i) == '\\' ? 2 : 1;
            }
            int ce = Math.min(i, n);
            int end = ce < n ? ce + 3 : n;
            b.string(o(start + 3), o(ce));
            emit(ScanToken.STRING, start, end, Escapes.decode(s, start + 3, ce, Escapes.JAVA).strip());
            pos = end;
        }
    }

    private static final Set<String> CALL_KEYWORDS = Set.of("return", "throw", "case", "yield", "else", "assert");

    private static final class Finder {
        private final List<ScanToken> t;
        private final SourceBuilder b;
        private boolean staticForName;

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
                    boolean afterDot = ScanToken.op(t, i - 1, ".");
                    boolean call = ScanToken.op(t, i + 1, "(");
                    switch (k.text) {
                        case "import" -> next = afterDot ? next : importDeclaration(i);
                        case "forName" -> {
                            boolean qualified = afterDot && ScanToken.ident(t, i - 2, "Class");
                            if (call && (qualified || (!afterDot && staticForName && isCall(i)))) {
                                reflection(i);
                            }
                        }
                        case "loadClass", "findClass" -> {
                            if (call && (afterDot || isCall(i))) {
                                reflection(i);
                            }
                        }
                        default -> {}
                    }
                }
                i = Math.max(next, i + 1);
            }
        }

        /** A bare {@code name(} that is a call, not a method declaration ({@code Class<?> name(}). */
        private boolean isCall(int i) {
            if (i == 0) {
                return true;
            }
            ScanToken p = t.get(i - 1);
            if (p.kind == ScanToken.IDENT) {
                return CALL_KEYWORDS.contains(p.text);
            }
            return !(p.isOp(">") || p.isOp("]"));
        }

        private int importDeclaration(int i) {
            ScanToken k = t.get(i);
            int j = i + 1;
            String form = "import";
            if (ScanToken.ident(t, j, "static")) {
                form = "import-static";
                j++;
            } else if (ScanToken.ident(t, j, "module") && ScanToken.kind(t, j + 1, ScanToken.IDENT)) {
                form = "import-module";
                j++;
            }
            if (!ScanToken.kind(t, j, ScanToken.IDENT)) {
                return j;
            }
            StringBuilder name = new StringBuilder(t.get(j).text);
            j++;
            boolean star = false;
            while (ScanToken.op(t, j, ".")) {
                if (ScanToken.kind(t, j + 1, ScanToken.IDENT)) {
                    name.append('.').append(t.get(j + 1).text);
                    j += 2;
                } else if (ScanToken.op(t, j + 1, "*")) {
                    star = true;
                    j += 2;
                    break;
                } else {
                    break;
                }
            }
            if (ScanToken.op(t, j, ";")) {
                j++;
            }
            String module = name.toString();
            if (form.equals("import-static")
                    && (module.equals("java.lang.Class.forName") || (star && module.equals("java.lang.Class")))) {
                staticForName = true;
            }
            b.importRef(module, star ? List.of("*") : List.of(), k.start, t.get(j - 1).end - k.start, form, false);
            return j;
        }

        private void reflection(int i) {
            ScanToken k = t.get(i);
            ScanToken.Arg arg = ScanToken.firstArg(t, i + 1, false, false);
            String module = arg.value();
            b.importRef(module == null ? ImportRef.DYNAMIC : module, List.of(), k.start, arg.end() - k.start,
                    "reflection", module == null);
        }
    }
}
