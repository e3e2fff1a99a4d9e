package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.at;
import static dev.sandbox4j.policy.Detector.isBlank;
import static dev.sandbox4j.policy.Detector.isBreak;

import org.jspecify.annotations.Nullable;

/**
 * The {@code password} kind: the value, never the key, of a pair whose key {@link SecretKeys names a secret}, in the
 * forms programs print: {@code KEY=value} (env, shell, INI, TOML, properties, logfmt, query strings, connection
 * strings, {@code toString()}), {@code key: value} (YAML, headers, flow maps), quoted keys (JSON, Python and JS
 * literals, JSON escaped inside strings, HTML-escaped JSON), YAML values on the next lines, XML elements and
 * attributes, and {@code --key value} flags. {@link ValueMeasure} decides where each value ends.
 *
 * <p>One pass over the text keeps the line's state (quote parity, open brackets); at each {@code =}, {@code :},
 * {@code <} and {@code --} it reads the key in front within a fixed window. A measured value is consumed: scanning
 * resumes after it, so each character is measured at most once and the pass is linear.
 */
final class KeyValueDetector implements Detector {
    private static final int MAX_KEY = 64;

    private final int kind;

    KeyValueDetector(int kind) {
        this.kind = kind;
    }

    @Override
    public int kind() {
        return kind;
    }

    @Override
    public void scan(String text, Spans out) {
        new Pass(text, out, kind).run();
    }

    /** A key in front of a separator. */
    record Key(int start, int nameStart, int nameEnd, @Nullable Quote quote, boolean escapedLine) {}

    /** One run over one text; holds the state of the current line. */
    static final class Pass {
        final String t;
        final int n;
        final Spans out;
        final int kind;
        final ValueMeasure measure;
        int lineStart;
        boolean inString; // an odd number of plain double quotes so far on this line
        boolean inEscapedString; // the same for \" quotes
        int backslashes;
        final char[] open = new char[32];
        int depth;
        char lastNonBlank = '\n';
        int resumeAt;

        Pass(String text, Spans out, int kind) {
            this.t = text;
            this.n = text.length();
            this.out = out;
            this.kind = kind;
            this.measure = new ValueMeasure(this);
        }

        void run() {
            for (int i = 0; i < n; i++) {
                char c = t.charAt(i);
                if (isBreak(c)) {
                    newLine(i);
                    continue;
                }
                if (i >= resumeAt) {
                    int end = -1;
                    if (c == '=' || c == ':') {
                        end = keyValue(i);
                    } else if (c == '<') {
                        end = xml(i);
                    } else if (c == '-' && at(t, i + 1) == '-') {
                        end = flag(i);
                    }
                    resumeAt = Math.max(resumeAt, end);
                }
                track(c);
            }
        }

        private void track(char c) {
            if (c == '\\') {
                backslashes++;
                return;
            }
            if (c == '"') {
                if (backslashes % 2 == 0) {
                    inString = !inString;
                } else if (backslashes == 1) {
                    inEscapedString = !inEscapedString;
                }
            } else if (!inString) {
                if (c == '(' || c == '[' || c == '{') {
                    if (depth < open.length) {
                        open[depth++] = c;
                    }
                } else if (c == ')' || c == ']' || c == '}') {
                    char o = c == ')' ? '(' : c == ']' ? '[' : '{';
                    while (depth > 0 && open[depth - 1] != o) {
                        depth--;
                    }
                    if (depth > 0) {
                        depth--;
                    }
                }
            }
            if (!isBlank(c)) {
                lastNonBlank = c;
            }
            backslashes = 0;
        }

        private void newLine(int i) {
            inString = false;
            inEscapedString = false;
            backslashes = 0;
            if ("([{,".indexOf(lastNonBlank) < 0) {
                depth = 0; // brackets stay open across lines only where a line ends with an opener or a comma
            }
            lastNonBlank = '\n';
            lineStart = i + 1;
        }

        /** The closer of the innermost bracket open before the current position, or 0. */
        char enclosingCloser() {
            if (depth == 0) {
                return 0;
            }
            char o = open[depth - 1];
            return o == '(' ? ')' : o == '[' ? ']' : '}';
        }

        void emit(int start, int end, Quote quote, boolean wrap) {
            while (end > start && Character.isWhitespace(t.charAt(end - 1))) {
                end--;
            }
            while (start < end && isBlank(t.charAt(start))) {
                start++;
            }
            if (end > start && !ValueMeasure.isPlaceholder(t, start, end)) {
                out.add(start, end, kind, quote, wrap);
            }
        }

        // ---------------------------------------------------------------------------------------- key = value

        /** {@code key=value}, {@code key: value}, {@code "key": value}; {@code s} is the separator. */
        private int keyValue(int s) {
            char sep = t.charAt(s);
            char next = at(t, s + 1);
            char prev = at(t, s - 1);
            int v = s + 1;
            if (sep == '=') {
                if (next == '=' || next == '~' || "=!<>".indexOf(prev) >= 0) {
                    return -1; // comparisons
                }
                if (next == '>') {
                    v = s + 2; // 'key' => value
                }
            } else {
                if (next == ':' || prev == ':' || (next == '/' && at(t, s + 2) == '/')) {
                    return -1; // C++/Rust paths, URL schemes
                }
                if (next == '=') {
                    v = s + 2; // KEY := value
                }
            }
            Key key = key(s);
            if (key == null) {
                return -1;
            }
            String name = t.substring(key.nameStart(), key.nameEnd());
            if (key.quote() == null && sep == '=' && name.equals("PWD")) {
                return -1; // the shell's working directory
            }
            return measure.value(key, sep, v);
        }

        /** The secret key ending before the separator at {@code s}, or null. */
        private @Nullable Key key(int s) {
            int j = s;
            int limit = Math.max(lineStart, s - 32);
            while (j > limit && isBlank(t.charAt(j - 1))) {
                j--;
            }
            Quote q = Quote.endingAt(t, j);
            if (q != null && q.type() == Quote.Type.SINGLE && j - 2 >= 0 && t.charAt(j - 2) == '\\') {
                q = null;
            }
            int ke = q == null ? j : j - q.length();
            int ks = ke;
            while (ks > lineStart && ke - ks < MAX_KEY && isKeyChar(t.charAt(ks - 1))) {
                ks--;
            }
            if (ks == ke || (ks > lineStart && isKeyChar(t.charAt(ks - 1)))) {
                return null;
            }
            int start = ks;
            if (q != null) {
                int qs = ks - q.length();
                if (qs < lineStart || !t.startsWith(q.text(), qs) || (q.type() == Quote.Type.DOUBLE
                        && q.level() > 0 && qs > 0 && t.charAt(qs - 1) == '\\')) {
                    return null; // no matching opening quote: not a quoted key
                }
                start = qs;
            }
            if (q == null && (ks >= 2 && t.charAt(ks - 1) == '/' && t.charAt(ks - 2) == '/')) {
                return null; // user:password in a URL belongs to url_credentials
            }
            boolean escapedLine = ke - ks > 2 && t.charAt(ks) == '\\' && "nrt".indexOf(t.charAt(ks + 1)) >= 0;
            String raw = t.substring(ks, ke);
            if (SecretKeys.isSecret(raw)) {
                return new Key(start, ks, ke, q, escapedLine);
            }
            if (q == null) {
                return compoundKey(ks, ke);
            }
            return null;
        }

        /** {@code Api Key:}, {@code Secret Access Key:}: up to three words, the last not a secret on its own. */
        private @Nullable Key compoundKey(int ks, int ke) {
            int start = ks;
            for (int words = 1; words < 3; words++) {
                if (start - 2 < lineStart || t.charAt(start - 1) != ' ' || !Detector.isLetter(t.charAt(start - 2))) {
                    return null;
                }
                int ws = start - 1;
                while (ws > lineStart && start - 1 - ws < 20 && Detector.isLetter(t.charAt(ws - 1))) {
                    ws--;
                }
                start = ws;
                if (SecretKeys.isSecret(t.substring(start, ke))) {
                    return new Key(start, start, ke, null, false);
                }
            }
            return null;
        }

        static boolean isKeyChar(char c) {
            return Detector.isAlnum(c) || c == '_' || c == '.' || c == '-' || c == '%' || c == '\\' || c == '['
                    || c == ']';
        }

        // ---------------------------------------------------------------------------------------- flags

        /** {@code --key value}; {@code d} is the first dash. {@code --key=value} goes through {@link #keyValue}. */
        private int flag(int d) {
            if (d > 0 && !Character.isWhitespace(t.charAt(d - 1)) && t.charAt(d - 1) != '\'' && t.charAt(d - 1) != '"') {
                return -1;
            }
            int ks = d + 2;
            int ke = ks;
            while (ke < n && ke - ks < MAX_KEY && isKeyChar(t.charAt(ke)) && t.charAt(ke) != '\\') {
                ke++;
            }
            if (ke == ks || ke >= n || !isBlank(t.charAt(ke)) || !SecretKeys.isSecret(t.substring(ks, ke))) {
                return -1;
            }
            return measure.flagValue(ke);
        }

        // ---------------------------------------------------------------------------------------- XML

        /**
         * {@code <password>value</password>}, {@code <entry key="password">value</entry>},
         * {@code <property name="db.password" value="..."/>}: the element's text up to the next tag (or a CDATA
         * section's content), or the {@code value} attribute. Attributes named like secrets go through
         * {@link #keyValue}.
         */
        private int xml(int lt) {
            if (!Detector.isLetter(at(t, lt + 1)) && at(t, lt + 1) != '_') {
                return -1;
            }
            int ne = lt + 1;
            while (ne < n && ne - lt <= MAX_KEY && isNameChar(t.charAt(ne))) {
                ne++;
            }
            String name = t.substring(lt + 1, ne);
            boolean secret = SecretKeys.isSecret(name.substring(name.lastIndexOf(':') + 1));
            boolean byAttribute = false;
            int valueStart = -1;
            int valueEnd = -1;
            int j = ne;
            int limit = Math.min(n, ne + 1024);
            int tagEnd = -1;
            boolean selfClosing = false;
            while (j < limit) {
                while (j < limit && Character.isWhitespace(t.charAt(j))) {
                    j++;
                }
                if (j >= limit || t.charAt(j) == '<') {
                    return -1;
                }
                if (t.charAt(j) == '>' || (t.charAt(j) == '/' && at(t, j + 1) == '>')) {
                    selfClosing = t.charAt(j) == '/';
                    tagEnd = j + (selfClosing ? 2 : 1);
                    break;
                }
                int as = j;
                while (j < limit && isNameChar(t.charAt(j))) {
                    j++;
                }
                if (j == as) {
                    return -1;
                }
                String attribute = t.substring(as, j);
                while (j < limit && Character.isWhitespace(t.charAt(j))) {
                    j++;
                }
                if (j >= limit || t.charAt(j) != '=') {
                    continue;
                }
                j++;
                while (j < limit && Character.isWhitespace(t.charAt(j))) {
                    j++;
                }
                char q = at(t, j);
                if (q != '"' && q != '\'') {
                    return -1;
                }
                int vs = j + 1;
                int ve = vs;
                while (ve < limit && t.charAt(ve) != q && t.charAt(ve) != '<') {
                    ve++;
                }
                if (ve >= limit || t.charAt(ve) != q) {
                    return -1;
                }
                j = ve + 1;
                if (attribute.equals("value")) {
                    valueStart = vs;
                    valueEnd = ve;
                } else if ((attribute.equals("name") || attribute.equals("key") || attribute.equals("type")
                        || attribute.equals("id")) && SecretKeys.isSecret(t.substring(vs, ve))) {
                    byAttribute = true;
                }
            }
            if (tagEnd < 0) {
                return -1;
            }
            if (byAttribute && valueStart >= 0) {
                emit(valueStart, valueEnd, Quote.XML_TEXT, false);
                return valueEnd;
            }
            if (selfClosing || !(secret || byAttribute)) {
                return -1;
            }
            if (t.startsWith("<![CDATA[", tagEnd)) {
                int cs = tagEnd + 9;
                int ce = t.indexOf("]]>", cs);
                ce = ce < 0 ? n : ce;
                emit(cs, ce, Quote.NONE, false);
                return ce;
            }
            int ce = t.indexOf('<', tagEnd);
            ce = ce < 0 ? n : ce;
            int cs = tagEnd;
            while (cs < ce && Character.isWhitespace(t.charAt(cs))) {
                cs++;
            }
            if (cs == ce) {
                return -1; // child elements: each is looked at on its own
            }
            emit(cs, ce, Quote.XML_TEXT, false);
            return ce;
        }

        private static boolean isNameChar(char c) {
            return Detector.isAlnum(c) || c == '_' || c == '.' || c == '-' || c == ':';
        }
    }
}
