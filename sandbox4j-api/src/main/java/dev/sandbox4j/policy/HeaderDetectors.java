package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.at;
import static dev.sandbox4j.policy.Detector.isAlnum;
import static dev.sandbox4j.policy.Detector.isBlank;
import static dev.sandbox4j.policy.Detector.isBreak;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Credentials carried by HTTP and URLs: {@code Authorization} headers and bearer tokens, {@code Cookie} and
 * {@code Set-Cookie} headers, and the password in {@code scheme://user:password@host}. Header names are found
 * case-insensitively in any of the forms programs print them: a header line, {@code curl -H 'Name: value'}, a JSON or
 * Python dict entry ({@code "Name": "value"}), a JSON array of header values.
 */
final class HeaderDetectors {
    private HeaderDetectors() {}

    /** Where a header's value lies: {@code [start, end)} and the quoting it sits in. */
    private record Value(int start, int end, Quote quote) {}

    /**
     * The value after a header name ending at {@code nameEnd}: an optional closing quote (when the name was quoted),
     * {@code :} (or {@code =} after a quoted name), then a quoted string or the rest of the line. Null if there is no
     * separator.
     */
    private static @Nullable Value headerValue(String t, int nameStart, int nameEnd) {
        int i = nameEnd;
        Quote opening = Quote.endingAt(t, nameStart);
        if (opening != null && t.startsWith(opening.text(), i)) {
            i += opening.length();
        } else {
            opening = null;
        }
        while (i < t.length() && isBlank(t.charAt(i))) {
            i++;
        }
        char sep = at(t, i);
        if (sep != ':' && !(sep == '=' && opening != null)) {
            return null;
        }
        i++;
        while (i < t.length() && isBlank(t.charAt(i))) {
            i++;
        }
        Quote q = Quote.startingAt(t, i);
        if (q != null) {
            int s = i + q.length();
            return new Value(s, q.closeFrom(t, s), q);
        }
        Quote enclosing = opening != null ? null
                : at(t, nameStart - 1) == '`' ? Quote.BACKTICK : Quote.endingAt(t, nameStart); // `Name: value`
        int end = enclosing != null ? enclosing.closeFrom(t, i) : Detector.lineEnd(t, i);
        return new Value(i, end, Quote.NONE);
    }

    private static int trimEnd(String t, int start, int end) {
        while (end > start && Character.isWhitespace(t.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    // ------------------------------------------------------------------------------------------------------ bearer

    /**
     * {@code Authorization} and {@code Proxy-Authorization}: the credentials after the scheme word ({@code Bearer},
     * {@code Basic}, {@code Digest}, {@code AWS4-HMAC-SHA256} ...), or the whole value if it is one word. And
     * {@code Bearer <token>} anywhere when the token has 8 or more characters including a digit, so that "Bearer tokens
     * are ..." in prose stays.
     */
    record BearerDetector(int kind) implements Detector {
        private static final Set<String> SCHEMES =
                Set.of("bearer", "basic", "digest", "token", "negotiate", "ntlm", "aws4-hmac-sha256", "hoba", "mutual");

        @Override
        public void scan(String text, Spans out) {
            String lc = out.lowerAscii();
            for (int o = lc.indexOf("authorization"); o >= 0; o = lc.indexOf("authorization", o + 1)) {
                if ((o > 0 && isAlnum(text.charAt(o - 1))) || isAlnum(at(text, o + 13))) {
                    continue;
                }
                Value v = headerValue(text, o, o + 13);
                if (v == null) {
                    continue;
                }
                int end = trimEnd(text, v.start(), v.end());
                int word = v.start();
                while (word < end && !isBlank(text.charAt(word))) {
                    word++;
                }
                int cred = word;
                while (cred < end && isBlank(text.charAt(cred))) {
                    cred++;
                }
                int start = cred < end ? cred : v.start();
                if (cred >= end && SCHEMES.contains(lc.substring(v.start(), Math.min(end, v.start() + 32)))) {
                    continue; // a scheme without credentials: "Authorization: Bearer" in documentation
                }
                if (end > start && !ValueMeasure.isPlaceholder(text, start, end)) {
                    out.add(start, end, kind, v.quote(), false);
                }
                o = Math.max(o, v.end() - 1); // the value is read: a name inside it is no header
            }
            for (int o = lc.indexOf("bearer"); o >= 0; o = lc.indexOf("bearer", o + 1)) {
                if (o > 0 && isAlnum(text.charAt(o - 1))) {
                    continue;
                }
                int s = o + 6;
                if (s >= text.length() || !isBlank(text.charAt(s))) {
                    continue;
                }
                while (s < text.length() && isBlank(text.charAt(s))) {
                    s++;
                }
                int e = s;
                boolean digit = false;
                while (e < text.length() && isTokenChar(text.charAt(e)) && e - s < 8192) {
                    digit |= Detector.isDigit(text.charAt(e));
                    e++;
                }
                while (e < text.length() && text.charAt(e) == '=') {
                    e++;
                }
                if (e - s >= 8 && digit) {
                    out.add(s, e, kind);
                }
                o = Math.max(o, e - 1);
            }
        }

        private static boolean isTokenChar(char c) {
            return isAlnum(c) || "._~+/-".indexOf(c) >= 0;
        }
    }

    // ------------------------------------------------------------------------------------------------------ cookies

    /**
     * {@code Cookie: a=1; b=2} hides every value and keeps the names; {@code Set-Cookie: id=x; Path=/; HttpOnly}
     * hides the first value and keeps the attributes. Also a JSON array of header values and Python's
     * {@code <Cookie name=value for domain/>}.
     */
    record CookieDetector(int kind) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            String lc = out.lowerAscii();
            int n = text.length();
            for (int o = lc.indexOf("cookie"); o >= 0; o = lc.indexOf("cookie", o + 1)) {
                char before = o > 0 ? text.charAt(o - 1) : ' ';
                if (isAlnum(before) || isAlnum(at(text, o + 6))) {
                    continue;
                }
                boolean set = o >= 4 && lc.startsWith("set-", o - 4);
                if (before == '<' && isBlank(at(text, o + 6))) {
                    int s = o + 7;
                    int e = s;
                    while (e < n && !Character.isWhitespace(text.charAt(e)) && text.charAt(e) != '>') {
                        e++;
                    }
                    pairs(text, s, e, true, Quote.NONE, out);
                    o = e;
                    continue;
                }
                int nameStart = set ? o - 4 : o;
                int i = o + 6;
                Quote closing = Quote.endingAt(text, nameStart);
                if (closing != null && text.startsWith(closing.text(), i)) {
                    i += closing.length();
                }
                while (i < n && isBlank(text.charAt(i))) {
                    i++;
                }
                if (at(text, i) == ':') {
                    int a = i + 1;
                    while (a < n && isBlank(text.charAt(a))) {
                        a++;
                    }
                    if (at(text, a) == '[') {
                        o = Math.max(o, array(text, a + 1, set, out) - 1);
                        continue;
                    }
                }
                Value v = headerValue(text, nameStart, o + 6);
                if (v != null) {
                    pairs(text, v.start(), trimEnd(text, v.start(), v.end()), set, v.quote(), out);
                    o = Math.max(o, v.end() - 1); // the value is read: a name inside it is no header
                }
            }
        }

        /** Each string of a JSON array of header values, up to {@code ]} or the end of the line; returns the end. */
        private int array(String text, int from, boolean set, Spans out) {
            int i = from;
            while (i < text.length() && !isBreak(text.charAt(i)) && text.charAt(i) != ']') {
                Quote q = Quote.startingAt(text, i);
                if (q == null || q.type() == Quote.Type.BACKTICK) {
                    i++;
                    continue;
                }
                int s = i + q.length();
                int e = q.closeFrom(text, s);
                pairs(text, s, e, set, q, out);
                i = e + q.length();
            }
            return i;
        }

        /** {@code name=value; name=value}: every value, or only the first for Set-Cookie. */
        private void pairs(String text, int start, int end, boolean firstOnly, Quote quote, Spans out) {
            int s = start;
            while (s < end) {
                int semi = s;
                while (semi < end && text.charAt(semi) != ';') {
                    semi++;
                }
                int eq = s;
                while (eq < semi && text.charAt(eq) != '=') {
                    eq++;
                }
                int vs = eq < semi ? eq + 1 : s;
                while (vs < semi && isBlank(text.charAt(vs))) {
                    vs++;
                }
                int ve = trimEnd(text, vs, semi);
                if (ve - vs >= 2 && text.charAt(vs) == '"' && text.charAt(ve - 1) == '"') {
                    vs++;
                    ve--;
                }
                if (ve > vs && !ValueMeasure.isPlaceholder(text, vs, ve)) {
                    out.add(vs, ve, kind, quote, false);
                }
                if (firstOnly) {
                    return;
                }
                s = semi + 1;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ URLs

    /**
     * The password of {@code scheme://user:password@host} (the scheme, user and host stay): at each {@code ://}, the
     * authority up to the first {@code / ? #}, blank or quote; its last {@code @} ends the user info, whose first
     * {@code :} starts the password. The authority cannot span another {@code ://}, so each character is read for at
     * most one URL.
     */
    record UrlCredentialsDetector(int kind) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            int n = text.length();
            for (int o = text.indexOf("://"); o >= 0; o = text.indexOf("://", o + 1)) {
                int s = o;
                while (s > 0 && o - s < 31 && isSchemeChar(text.charAt(s - 1))) {
                    s--;
                }
                if (s == o || !Detector.isLetter(text.charAt(s)) || (s > 0 && isSchemeChar(text.charAt(s - 1)))) {
                    continue;
                }
                int a = o + 3;
                int end = a;
                int at = -1;
                while (end < n && !endsAuthority(text.charAt(end))) {
                    if (text.charAt(end) == '@') {
                        at = end;
                    }
                    end++;
                }
                if (at < 0) {
                    continue;
                }
                int colon = a;
                while (colon < at && text.charAt(colon) != ':') {
                    colon++;
                }
                if (colon >= at) {
                    continue;
                }
                if (at > colon + 1) {
                    out.add(colon + 1, at, kind);
                }
            }
        }

        private static boolean isSchemeChar(char c) {
            return isAlnum(c) || c == '+' || c == '.' || c == '-';
        }

        private static boolean endsAuthority(char c) {
            return c == '/' || c == '?' || c == '#' || Character.isWhitespace(c) || "\"'<>`\\[]".indexOf(c) >= 0;
        }
    }
}
