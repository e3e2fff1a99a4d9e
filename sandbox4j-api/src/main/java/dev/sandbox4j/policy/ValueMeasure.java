package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.at;
import static dev.sandbox4j.policy.Detector.isBlank;
import static dev.sandbox4j.policy.Detector.isBreak;
import static dev.sandbox4j.policy.Detector.lineEnd;

/**
 * Where the value after a secret key starts and ends, and how it is replaced so that the text keeps its structure:
 * <ul>
 *   <li>a quoted value: its content, up to the matching quote of the same form and escaping level (or the end of the
 *       line when it is not closed there); the quotes stay;
 *   <li>an array or object ({@code [ ... ]}, <code>{ ... }</code>): up to the bracket that closes it, across lines,
 *       strings inside included; after a quoted key it becomes a string in the key's quotes, so JSON stays JSON;
 *   <li>any other value after a quoted key (a number, {@code b'raw'}, {@code SecretStr('x')}): up to the next
 *       {@code ,}, <code>}</code> or {@code ]} outside brackets, and wrapped in the key's quotes;
 *   <li>an unquoted value after an unquoted key: to the end of the line, or earlier where the structure around it ends
 *       it (see {@link #unquotedEnd});
 *   <li>nothing after {@code key:} at the start of a line (or a YAML block indicator such as {@code |} or
 *       {@code >-}): the following lines that are indented more than the key (or {@code - } items at its
 *       indentation), replaced by one line;
 *   <li>a {@code key: value} in the middle of prose: only when the value is one token that looks like a credential
 *       (6 or more characters with letters and digits), so that "Invalid password: try again" stays.
 * </ul>
 */
final class ValueMeasure {
    private final KeyValueDetector.Pass p;
    private final String t;
    private final int n;

    ValueMeasure(KeyValueDetector.Pass pass) {
        this.p = pass;
        this.t = pass.t;
        this.n = pass.n;
    }

    /** Measures and emits the value of {@code key} after the separator {@code sep}; returns its end or -1. */
    int value(KeyValueDetector.Key key, char sep, int v) {
        Quote q = key.quote();
        int b = key.start();
        int limit = Math.max(p.lineStart, b - 256);
        while (b > limit && isBlank(t.charAt(b - 1))) {
            b--;
        }
        char before = b > p.lineStart ? t.charAt(b - 1) : '\n';
        boolean adjacent = b == key.start();
        boolean lineStart = b == p.lineStart || key.escapedLine() || afterCommandWord(b)
                || (before == '-' && onlyBlanksBefore(b - 1));
        boolean flag = t.charAt(key.nameStart()) == '-';
        boolean query = adjacent && (before == '?' || before == '&');
        boolean conn = before == ';';
        boolean listItem = "{,([".indexOf(before) >= 0;
        char quoteAdjacent = q == null && adjacent && (before == '"' || before == '\'' || before == '`') ? before : 0;

        int vs = v;
        while (vs < n && isBlank(t.charAt(vs))) {
            vs++;
        }
        boolean yamlKey = sep == ':' && q == null && lineStart && !key.escapedLine();
        if (yamlKey && isBlockStart(vs)) {
            return nextLines(key.start() - p.lineStart, lineEnd(t, vs));
        }
        if (vs >= n || isBreak(t.charAt(vs))) {
            return -1;
        }
        if (sep == ':' && q == null && !(lineStart || listItem || conn || quoteAdjacent != 0)) {
            return credentialToken(vs);
        }
        Quote vq = Quote.startingAt(t, vs);
        if (vq != null && (vq.type() != Quote.Type.BACKTICK || q == null)) {
            int cs = vs + vq.length();
            int ce = vq.closeFrom(t, cs);
            p.emit(cs, ce, vq, false);
            return ce;
        }
        char c = t.charAt(vs);
        if (c == '[' || c == '{') {
            int e = bracketEnd(vs, q);
            p.emit(vs, e, q == null ? Quote.NONE : q, q != null);
            return e;
        }
        if (q != null) {
            int e = structuredEnd(vs);
            p.emit(vs, e, q, true);
            return e;
        }
        int e = unquotedEnd(vs, flag, query, conn, quoteAdjacent, lineStart);
        p.emit(vs, e, Quote.NONE, false);
        return e;
    }

    /** The value of {@code --key value}: one shell word, quoted or not; never the next flag. */
    int flagValue(int ke) {
        int vs = ke;
        while (vs < n && isBlank(t.charAt(vs))) {
            vs++;
        }
        if (vs >= n || isBreak(t.charAt(vs)) || t.charAt(vs) == '-') {
            return -1;
        }
        Quote vq = Quote.startingAt(t, vs);
        if (vq != null && vq.type() != Quote.Type.HTML) {
            int ce = vq.closeFrom(t, vs + vq.length());
            p.emit(vs + vq.length(), ce, vq, false);
            return ce;
        }
        int e = vs;
        while (e < n && !Character.isWhitespace(t.charAt(e)) && "\"'`".indexOf(t.charAt(e)) < 0) {
            e++;
        }
        p.emit(vs, e, Quote.NONE, false);
        return e;
    }

    /** {@code export KEY=}, {@code set KEY=}, {@code declare -x KEY=}, {@code ENV KEY=} at the start of a line. */
    private boolean afterCommandWord(int b) {
        for (String w : new String[] {"export", "set", "declare -x", "ENV", "env", "readonly"}) {
            int ws = b - w.length() - 1;
            if (ws >= p.lineStart && t.startsWith(w, ws) && isBlank(t.charAt(b - 1)) && onlyBlanksBefore(ws)) {
                return true;
            }
        }
        return false;
    }

    private boolean onlyBlanksBefore(int i) {
        int j = i;
        while (j > p.lineStart && isBlank(t.charAt(j - 1))) {
            j--;
        }
        return j == p.lineStart;
    }

    /** End of line, a comment, or a YAML block indicator ({@code |}, {@code >-}, optionally after a tag). */
    private boolean isBlockStart(int vs) {
        int i = vs;
        if (at(t, i) == '!') {
            while (i < n && !Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            while (i < n && isBlank(t.charAt(i))) {
                i++;
            }
        }
        if (at(t, i) == '|' || at(t, i) == '>') {
            i++;
            while (i < n && (t.charAt(i) == '-' || t.charAt(i) == '+' || Detector.isDigit(t.charAt(i)))) {
                i++;
            }
            while (i < n && isBlank(t.charAt(i))) {
                i++;
            }
        } else if (i != vs) {
            return false;
        }
        return i >= n || isBreak(t.charAt(i)) || (t.charAt(i) == '#' && (i == vs || isBlank(t.charAt(i - 1))));
    }

    /**
     * A YAML value on the lines after {@code key:}: lines indented more than the key, or {@code - } items at the key's
     * indentation (blank lines between are part of it). Emitted as one span from the first character to the end of
     * the last line, so the replacement takes one line at the first line's indentation.
     */
    private int nextLines(int keyIndent, int eol) {
        int first = -1;
        int last = -1;
        boolean sequence = false;
        int i = eol;
        while (i < n) {
            if (t.charAt(i) == '\r' && at(t, i + 1) == '\n') {
                i++;
            }
            int ls = i + 1;
            int fe = ls;
            while (fe < n && isBlank(t.charAt(fe)) && fe - ls <= keyIndent + 1024) {
                fe++;
            }
            if (fe >= n || isBreak(t.charAt(fe))) {
                i = fe;
                if (fe >= n) {
                    break;
                }
                continue; // blank line
            }
            int indent = fe - ls;
            boolean item = t.charAt(fe) == '-' && (isBlank(at(t, fe + 1)) || isBreak(at(t, fe + 1)));
            if (indent > keyIndent || (indent == keyIndent && item && (first < 0 || sequence))) {
                if (first < 0) {
                    first = fe;
                    sequence = indent == keyIndent;
                }
                i = lineEnd(t, fe);
                last = i;
            } else {
                break;
            }
        }
        if (first < 0) {
            return -1;
        }
        p.emit(first, last, Quote.NONE, false);
        return last;
    }

    /**
     * A value in the middle of prose counts only if it is one credential-looking token. The token stops at {@code =}
     * and {@code :} (trailing {@code =} padding included), so a rejected token holds no other key and can be skipped.
     */
    private int credentialToken(int vs) {
        int e = vs;
        while (e < n && !Character.isWhitespace(t.charAt(e)) && "\"'`,;)]}>=:".indexOf(t.charAt(e)) < 0) {
            e++;
        }
        int end = e;
        while (end < n && t.charAt(end) == '=') {
            end++;
        }
        if (end > e && end < n && !Character.isWhitespace(t.charAt(end))) {
            end = e; // "abc=def" is another pair, not padding
        }
        int stop = end;
        while (end > vs && (t.charAt(end - 1) == '.' || t.charAt(end - 1) == ':')) {
            end--; // end of the sentence
        }
        if (end - vs < 6 || !Detector.hasLetterAndDigit(t, vs, end)) {
            return e;
        }
        p.emit(vs, end, Quote.NONE, false);
        return stop;
    }

    /**
     * The end of an array or object starting at {@code vs}: the matching bracket, skipping strings in the key's
     * quotes (double quotes of the key's level; single quotes after a single-quoted key). Not closed: the end of the
     * text after a quoted key (output cut off in the middle of JSON), else the end of the line.
     */
    private int bracketEnd(int vs, Quote q) {
        int level = q != null && q.type() == Quote.Type.DOUBLE ? q.level() : 0;
        boolean singles = q != null && q.type() == Quote.Type.SINGLE;
        int depth = 0;
        int i = vs;
        while (i < n) {
            char c = t.charAt(i);
            if (q == null && isBreak(c)) {
                break; // after an unquoted key only on its line, so an unclosed bracket costs one line
            }
            Quote s = c == '"' || c == '\\' ? Quote.startingAt(t, i) : c == '\'' && singles ? Quote.SINGLE : null;
            if (s != null && (s.type() == Quote.Type.SINGLE || s.level() == level)) {
                int close = s.closeFrom(t, i + s.length());
                if (close >= n || isBreak(t.charAt(close))) {
                    i = close; // not closed on its line
                    continue;
                }
                i = close + s.length();
                continue;
            }
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        return q != null ? n : lineEnd(t, vs);
    }

    /** A non-string value after a quoted key: up to {@code , } ]} outside brackets and strings, or the line's end. */
    private int structuredEnd(int vs) {
        int depth = 0;
        int i = vs;
        while (i < n && !isBreak(t.charAt(i))) {
            char c = t.charAt(i);
            if (c == '"' || c == '\'') {
                int close = (c == '"' ? Quote.doubleQuote(0) : Quote.SINGLE).closeFrom(t, i + 1);
                i = close < n && t.charAt(close) == c ? close + 1 : close;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}' || c == ',') {
                if (depth == 0) {
                    return i;
                }
                if (c != ',') {
                    depth--;
                }
            } else if (c == '\\' && depth == 0 && at(t, i + 1) == '"') {
                return i; // the end of the string this escaped JSON sits in
            }
            i++;
        }
        return i;
    }

    /**
     * An unquoted value after an unquoted key runs to the end of the line ({@code PASSWORD=a b c} hides
     * {@code a b c}), but stops where the text's structure ends it: the closing quote of a string the pair sits in
     * (also a JSON {@code \n} escape inside it), the closer of a bracket open before the key (and a {@code ,} inside
     * it), {@code &} or {@code #} or a blank in a query string, {@code ;} in a connection string, a blank after a
     * {@code --flag=}, a {@code #} comment after a line-start key, a tag ({@code </td>}), and the start of the next
     * {@code key=} pair.
     */
    private int unquotedEnd(int vs, boolean flag, boolean query, boolean conn, char quoteAdjacent,
            boolean lineStart) {
        boolean inString = p.inString;
        boolean inEscaped = p.inEscapedString;
        char enclosing = p.enclosingCloser();
        int depth = 0;
        int i = vs;
        for (; i < n; i++) {
            char c = t.charAt(i);
            if (isBreak(c)) {
                break;
            }
            if (c == '\\' && (inString || inEscaped)) {
                int k = 0;
                while (i + k < n && t.charAt(i + k) == '\\') {
                    k++;
                }
                char after = at(t, i + k);
                if (k % 2 == 1 && ((after == '"' && inEscaped) || after == 'n' || after == 'r')) {
                    break; // closing \" of the string, or a line break inside it
                }
                i += k - 1;
                continue;
            }
            if ((c == '"' && (inString || inEscaped)) || (quoteAdjacent != 0 && c == quoteAdjacent)) {
                break;
            }
            if ((query && (c == '&' || c == '#' || isBlank(c))) || (flag && isBlank(c)) || (conn && c == ';')) {
                break;
            }
            if (c == '#' && lineStart && i > vs && isBlank(t.charAt(i - 1))) {
                break;
            }
            if (c == '<' && (at(t, i + 1) == '/' || Detector.isLetter(at(t, i + 1)))) {
                break; // a tag: HTML or XML around the pair
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth > 0) {
                    depth--;
                } else if (enclosing != 0) {
                    break;
                }
            } else if (c == ',' && depth == 0 && enclosing != 0) {
                break;
            }
            if ((isBlank(c) || c == ',' || c == ';' || c == '&') && nextPairAt(i)) {
                break;
            }
        }
        return i;
    }

    /** Whether a new {@code key=value} (or {@code key: value} after {@code , ;}) starts after the delimiter at {@code d}. */
    private boolean nextPairAt(int d) {
        char delimiter = t.charAt(d);
        int i = d + 1;
        int limit = Math.min(n, d + 9);
        while (i < limit && isBlank(t.charAt(i))) {
            i++;
        }
        int ks = i;
        if (ks >= n || !(Detector.isLetter(t.charAt(ks)) || t.charAt(ks) == '_')) {
            return false;
        }
        while (i < n && i - ks < 64 && (Detector.isAlnum(t.charAt(i)) || "_.-[]%".indexOf(t.charAt(i)) >= 0)) {
            i++;
        }
        char c = at(t, i);
        if (c == '=') {
            return at(t, i + 1) != '=';
        }
        return c == ':' && !isBlank(delimiter) && (isBlank(at(t, i + 1)) || isBreak(at(t, i + 1)));
    }

    /**
     * Values that are no secret: {@code null}, booleans, {@code ~}, masks ({@code ****}, {@code xxxx}), variable
     * references ({@code ${NAME}}, {@code $NAME}), {@code <placeholders>} and an ellipsis after a short prefix
     * ({@code sk_test_...}).
     */
    static boolean isPlaceholder(String t, int start, int end) {
        int len = end - start;
        String v = len <= 12 ? t.substring(start, end).toLowerCase(java.util.Locale.ROOT) : "";
        if (v.equals("null") || v.equals("true") || v.equals("false") || v.equals("none") || v.equals("nil")
                || v.equals("~") || v.equals("yes") || v.equals("no") || v.equals("undefined")) {
            return true;
        }
        char first = t.charAt(start);
        boolean same = first == '*' || first == 'x' || first == 'X' || first == '.' || first == '•';
        for (int i = start + 1; i < end && same; i++) {
            same = t.charAt(i) == first;
        }
        if (same) {
            return true;
        }
        if (first == '<' && t.charAt(end - 1) == '>' && len <= 64) {
            return t.indexOf('<', start + 1) < 0 || t.indexOf('<', start + 1) >= end;
        }
        if (first == '$' && len <= 66) {
            boolean braces = len > 3 && t.charAt(start + 1) == '{' && t.charAt(end - 1) == '}';
            int from = start + (braces ? 2 : 1);
            int to = braces ? end - 1 : end;
            if (to <= from) {
                return false;
            }
            for (int i = from; i < to; i++) {
                char c = t.charAt(i);
                if (!(Detector.isAlnum(c) || c == '_')) {
                    return false;
                }
            }
            return true;
        }
        if (len <= 20 && (t.startsWith("...", end - 3) || t.charAt(end - 1) == '…')) {
            return true;
        }
        return false;
    }
}
