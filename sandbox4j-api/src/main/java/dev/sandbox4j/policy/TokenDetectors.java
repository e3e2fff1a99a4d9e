package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.isAlnum;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials recognised by their documented format, wherever they appear: vendor tokens with a fixed prefix
 * ({@link Format}), JWTs, PEM private keys and AWS keys. No regular expression runs over the text: a token is a prefix
 * found with {@link String#indexOf}, then a run of allowed characters whose length is checked (the PEM markers are
 * checked with a pattern on an 80-character window at each {@code -----BEGIN}/{@code -----END}). A prefix preceded by
 * a character of the token's alphabet is rejected at once, so two accepted tokens never share a run and every
 * character is read a bounded number of times.
 */
final class TokenDetectors {
    private TokenDetectors() {}

    /** Which characters a token's body may hold. */
    interface Body {
        boolean test(char c);
    }

    static final Body ALNUM = Detector::isAlnum;
    static final Body URL_SAFE = c -> isAlnum(c) || c == '_' || c == '-';
    static final Body UPPER_DIGIT = c -> (c >= 'A' && c <= 'Z') || Detector.isDigit(c);

    /**
     * A token: {@code prefix}, then {@code min} to {@code max} {@code body} characters. The prefix must not follow a
     * letter, digit, {@code _} or body character, and the body must not be followed by a letter or digit. With
     * {@code keepPrefix} only the part after the prefix is redacted (a webhook URL keeps its host).
     */
    record Format(String prefix, Body body, int min, int max, boolean keepPrefix, Check check) {
        Format(String prefix, Body body, int min, int max) {
            this(prefix, body, min, max, false, (t, s, e) -> true);
        }

        Format withCheck(Check c) {
            return new Format(prefix, body, min, max, keepPrefix, c);
        }
    }

    interface Check {
        boolean test(String text, int bodyStart, int bodyEnd);
    }

    /** Stripe's keys: not a documentation placeholder such as {@code sk_test_xxxxxxxxxxxxxxxx}. */
    private static final Check NOT_REPEATED = (t, s, e) -> {
        for (int i = s + 1; i < e; i++) {
            if (t.charAt(i) != t.charAt(s)) {
                return true;
            }
        }
        return false;
    };

    /** SendGrid: 22 characters, a dot, 43 characters. */
    private static final Check SENDGRID = (t, s, e) -> {
        for (int i = s; i < e; i++) {
            if ((t.charAt(i) == '.') != (i == s + 22)) {
                return false;
            }
        }
        return true;
    };

    private static final Body SLACK_BODY = c -> isAlnum(c) || c == '-';
    private static final Body WEBHOOK_BODY = c -> isAlnum(c) || c == '/';
    private static final Body SENDGRID_BODY = c -> isAlnum(c) || c == '_' || c == '-' || c == '.';

    static final List<Format> GITHUB = List.of(
            new Format("ghp_", ALNUM, 30, 255), new Format("gho_", ALNUM, 30, 255), new Format("ghu_", ALNUM, 30, 255),
            new Format("ghs_", ALNUM, 30, 255), new Format("ghr_", ALNUM, 30, 255),
            new Format("github_pat_", c -> isAlnum(c) || c == '_', 30, 255));
    static final List<Format> SLACK = List.of(
            new Format("xoxb-", SLACK_BODY, 10, 255), new Format("xoxa-", SLACK_BODY, 10, 255),
            new Format("xoxp-", SLACK_BODY, 10, 255), new Format("xoxr-", SLACK_BODY, 10, 255),
            new Format("xoxs-", SLACK_BODY, 10, 255), new Format("xoxe-", SLACK_BODY, 10, 255),
            new Format("xoxe.xoxp-", SLACK_BODY, 10, 255), new Format("xapp-", SLACK_BODY, 10, 255),
            new Format("hooks.slack.com/services/", WEBHOOK_BODY, 20, 255, true, (t, s, e) -> true),
            new Format("hooks.slack.com/workflows/", WEBHOOK_BODY, 20, 255, true, (t, s, e) -> true));
    static final List<Format> STRIPE = List.of(
            new Format("sk_live_", ALNUM, 16, 255).withCheck(NOT_REPEATED),
            new Format("rk_live_", ALNUM, 16, 255).withCheck(NOT_REPEATED),
            new Format("sk_test_", ALNUM, 16, 255).withCheck(NOT_REPEATED),
            new Format("rk_test_", ALNUM, 16, 255).withCheck(NOT_REPEATED),
            new Format("whsec_", ALNUM, 24, 255).withCheck(NOT_REPEATED));
    static final List<Format> GOOGLE = List.of(
            new Format("AIza", URL_SAFE, 35, 35), new Format("GOCSPX-", URL_SAFE, 24, 40),
            new Format("ya29.", URL_SAFE, 20, 4096));
    static final List<Format> OPENAI = List.of(
            new Format("sk-", URL_SAFE, 20, 512).withCheck(TokenDetectors::hasDigit));
    static final List<Format> API_TOKENS = List.of(
            new Format("npm_", ALNUM, 36, 36), new Format("pypi-AgEIcHlwaS5vcmc", URL_SAFE, 30, 512),
            new Format("glpat-", URL_SAFE, 20, 64), new Format("hf_", ALNUM, 30, 40),
            new Format("SG.", SENDGRID_BODY, 66, 66).withCheck(SENDGRID));
    static final List<Format> AWS_KEY_IDS = List.of(
            new Format("AKIA", UPPER_DIGIT, 16, 16), new Format("ASIA", UPPER_DIGIT, 16, 16),
            new Format("ABIA", UPPER_DIGIT, 16, 16), new Format("ACCA", UPPER_DIGIT, 16, 16));

    static Detector prefixed(int kind, List<Format> formats) {
        return new PrefixDetector(kind, formats);
    }

    private static boolean hasDigit(String t, int s, int e) {
        for (int i = s; i < e; i++) {
            if (Detector.isDigit(t.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Finds every format's prefix in one left-to-right pass over the text. */
    private record PrefixDetector(int kind, List<Format> formats) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            Occurrences occ = new Occurrences(text, formats.stream().map(Format::prefix).toList());
            int pos = 0;
            int o;
            while ((o = occ.next(pos, text.length())) >= 0) {
                Format f = formats.get(occ.lastLiteral());
                pos = o + 1;
                char before = o > 0 ? text.charAt(o - 1) : ' ';
                if (!f.keepPrefix() && (isAlnum(before) || before == '_' || f.body().test(before))) {
                    continue; // inside a longer token
                }
                int bs = o + f.prefix().length();
                int be = bs;
                while (be < text.length() && be - bs <= f.max() && f.body().test(text.charAt(be))) {
                    be++;
                }
                if (be < text.length() && isAlnum(text.charAt(be))) {
                    continue; // followed by more of a longer word
                }
                int len = be - bs;
                if (len < f.min() || len > f.max() || !f.check().test(text, bs, be)) {
                    continue;
                }
                out.add(f.keepPrefix() ? bs : o, be, kind);
                pos = be;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ JWT

    /** Three base64url segments separated by dots, the first starting {@code eyJ} (up to two more for JWE). */
    record JwtDetector(int kind) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            int n = text.length();
            for (int o = text.indexOf("eyJ"); o >= 0; o = text.indexOf("eyJ", o + 1)) {
                if (o > 0 && isBase64Url(text.charAt(o - 1))) {
                    continue;
                }
                int i = o;
                int segments = 0;
                int end = -1;
                while (segments < 5) {
                    int s = i;
                    while (i < n && isBase64Url(text.charAt(i))) {
                        i++;
                    }
                    int len = i - s;
                    if (segments < 2 ? len < 5 : len < 1 && segments > 2) {
                        break;
                    }
                    segments++;
                    if (segments >= 3) {
                        end = i;
                    }
                    if (i >= n || text.charAt(i) != '.') {
                        break;
                    }
                    i++;
                }
                if (end > o) {
                    out.add(o, end, kind);
                    o = end - 1;
                }
            }
        }

        private static boolean isBase64Url(char c) {
            return isAlnum(c) || c == '_' || c == '-';
        }
    }

    // ------------------------------------------------------------------------------------------------------ PEM

    /**
     * PEM private key blocks from BEGIN to END (PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK), also in
     * JSON strings with {@code \n} escapes. A block with no END (output cut off) runs to the first character that
     * cannot occur in a PEM body. END markers are searched forward only and "none left" is remembered, so many BEGIN
     * lines without an END still take linear time.
     */
    record PrivateKeyDetector(int kind) implements Detector {
        private static final String LABEL = "[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----";
        private static final Pattern BEGIN = Pattern.compile("-----BEGIN" + LABEL);
        private static final Pattern END = Pattern.compile("-----END" + LABEL);
        private static final int MARKER_WINDOW = 80;

        @Override
        public void scan(String text, Spans out) {
            if (!text.contains("PRIVATE KEY")) {
                return;
            }
            Matcher marker = BEGIN.matcher(text);
            int endStart = -1; // the END marker found last; MAX_VALUE once there is none after endSearched
            int endStop = -1;
            int from = 0;
            for (int o = text.indexOf("-----BEGIN", from); o >= 0; o = text.indexOf("-----BEGIN", from)) {
                marker.usePattern(BEGIN).region(o, Math.min(text.length(), o + MARKER_WINDOW));
                if (!marker.lookingAt()) {
                    from = o + 1;
                    continue;
                }
                int bodyStart = marker.end();
                if (endStart != Integer.MAX_VALUE && endStart < bodyStart) {
                    endStart = Integer.MAX_VALUE;
                    for (int e = text.indexOf("-----END", bodyStart); e >= 0; e = text.indexOf("-----END", e + 1)) {
                        marker.usePattern(END).region(e, Math.min(text.length(), e + MARKER_WINDOW));
                        if (marker.lookingAt()) {
                            endStart = e;
                            endStop = marker.end();
                            break;
                        }
                    }
                }
                int stop;
                if (endStart != Integer.MAX_VALUE) {
                    stop = endStop;
                } else {
                    stop = bodyStart;
                    while (stop < text.length() && isPemBodyChar(text.charAt(stop))) {
                        stop++;
                    }
                    while (stop > bodyStart && Character.isWhitespace(text.charAt(stop - 1))) {
                        stop--;
                    }
                }
                out.add(o, stop, kind);
                from = Math.max(stop, o + 1);
            }
        }

        private static boolean isPemBodyChar(char c) {
            return isAlnum(c) || "+/=:,-\\ \t\n\r".indexOf(c) >= 0;
        }
    }

    // ------------------------------------------------------------------------------------------------------ AWS

    /**
     * AWS secret access keys without a key name: a run of exactly 40 characters of {@code A-Z a-z 0-9 / +} that looks
     * random: at least two upper-case letters, two lower-case letters and a digit, at least 22 distinct characters
     * (a random key has about 30; words and paths have fewer), at most 3 slashes unless it has 26 distinct characters,
     * and not followed by {@code =} (base64 padding). Hex strings such as git SHAs fail the upper-case test.
     */
    record AwsSecretDetector(int kind) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            int n = text.length();
            int i = 0;
            while (i < n) {
                if (!isSecretChar(text.charAt(i))) {
                    i++;
                    continue;
                }
                int s = i;
                while (i < n && isSecretChar(text.charAt(i))) {
                    i++;
                }
                if (i - s == 40 && boundary(text, s, i) && looksRandom(text, s, i)) {
                    out.add(s, i, kind);
                }
            }
        }

        private static boolean boundary(String t, int s, int e) {
            char before = Detector.at(t, s - 1);
            char after = Detector.at(t, e);
            return before != '_' && before != '-' && "_-=".indexOf(after) < 0
                    && !(after == '.' && isAlnum(Detector.at(t, e + 1)));
        }

        private static boolean looksRandom(String t, int s, int e) {
            int upper = 0;
            int lower = 0;
            int digits = 0;
            int slashes = 0;
            boolean[] seen = new boolean[128];
            int distinct = 0;
            for (int i = s; i < e; i++) {
                char c = t.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    upper++;
                } else if (c >= 'a' && c <= 'z') {
                    lower++;
                } else if (Detector.isDigit(c)) {
                    digits++;
                } else if (c == '/') {
                    slashes++;
                }
                if (!seen[c]) {
                    seen[c] = true;
                    distinct++;
                }
            }
            return upper >= 2 && lower >= 2 && digits >= 1 && distinct >= 22 && (slashes <= 3 || distinct >= 26);
        }

        private static boolean isSecretChar(char c) {
            return isAlnum(c) || c == '/' || c == '+';
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** Occurrences, in increasing order, of any of several literals; remembers the next occurrence of each. */
    static final class Occurrences {
        private final String haystack;
        private final String[] literals;
        private final int[] next;
        private int lastLiteral;

        Occurrences(String haystack, List<String> literals) {
            this.haystack = haystack;
            this.literals = literals.toArray(String[]::new);
            this.next = new int[this.literals.length];
            Arrays.fill(next, -1);
        }

        /** The first occurrence at or after {@code from} and before {@code to}, or -1. */
        int next(int from, int to) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i < literals.length; i++) {
                if (next[i] != Integer.MAX_VALUE && next[i] < from) {
                    int found = haystack.indexOf(literals[i], from);
                    next[i] = found < 0 ? Integer.MAX_VALUE : found;
                }
                if (next[i] < best) {
                    best = next[i];
                    lastLiteral = i;
                }
            }
            return best < to ? best : -1;
        }

        /** Which literal the last {@link #next} found. */
        int lastLiteral() {
            return lastLiteral;
        }
    }
}
