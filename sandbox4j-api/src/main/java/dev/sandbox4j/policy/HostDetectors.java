package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.isAlnum;
import static dev.sandbox4j.policy.Detector.isDigit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Details of the host rather than credentials: home directories, IPv4 and IPv6 addresses, e-mail addresses. Each is a
 * regular expression tried only where a literal it must contain occurs ({@link String#indexOf}), starting at an index
 * a bounded look-back finds; the patterns begin with a lookbehind that rejects a start inside a longer token, use
 * possessive or bounded quantifiers, and so cost a bounded amount per occurrence.
 */
final class HostDetectors {
    private HostDetectors() {}

    /** Turns an occurrence of a trigger literal into the index the pattern is tried at, or -1. */
    interface StartFinder {
        int start(String text, int occurrence, int literal);
    }

    /** The most a match may span; longer candidates (a 600-character user name) are not host details. */
    private static final int WINDOW = 512;

    /** A pattern tried at trigger positions; with a {@code secret} group only that group is reported. */
    record TriggeredRegex(int kind, Pattern pattern, List<String> literals, StartFinder start,
            @Nullable SpanFilter filter) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            Matcher m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            boolean group = pattern.namedGroups().containsKey("secret");
            TokenDetectors.Occurrences occ = new TokenDetectors.Occurrences(text, literals);
            int pos = 0;
            int lastTried = -1;
            int o;
            while ((o = occ.next(pos, text.length())) >= 0) {
                int s = start.start(text, o, occ.lastLiteral());
                pos = o + 1;
                if (s < 0 || s == lastTried) {
                    continue;
                }
                lastTried = s;
                m.region(s, Math.min(text.length(), s + WINDOW)); // transparent bounds: lookarounds see past it
                if (!m.lookingAt()) {
                    continue;
                }
                int ms = group ? m.start("secret") : m.start();
                int me = group ? m.end("secret") : m.end();
                if (ms < 0) {
                    continue;
                }
                if (filter != null) {
                    me = filter.accept(text, ms, me);
                }
                if (me > ms) {
                    out.add(ms, me, kind);
                    pos = Math.max(pos, me);
                }
            }
        }
    }

    /** Decides about a candidate span; returns the end to redact to, or -1 to skip it. */
    interface SpanFilter {
        int accept(String text, int start, int end);
    }

    private static final StartFinder AT = (text, occurrence, literal) -> occurrence;

    // ------------------------------------------------------------------------------------------------------ e-mail

    private static final Pattern EMAIL = Pattern.compile(
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}+@(?:[A-Za-z0-9-]{1,63}+\\.){1,8}[A-Za-z]{2,24}+"
                    + "(?![A-Za-z0-9-])");

    static Detector email(int kind) {
        return new TriggeredRegex(kind, EMAIL, List.of("@"), (t, o, l) -> {
            int s = o;
            while (s > 0 && o - s < 64 && isEmailLocalChar(t.charAt(s - 1))) {
                s--;
            }
            return s < o ? s : -1;
        }, null);
    }

    private static boolean isEmailLocalChar(char c) {
        return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    // ------------------------------------------------------------------------------------------------------ homes

    private static final String USER = "[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?(?![A-Za-z0-9_$-])";
    private static final Pattern HOME_GENERIC = Pattern.compile("(?<![A-Za-z0-9_.~-])(?:"
            + "/(?:home|Users)/" + USER
            + "|/root(?![A-Za-z0-9_~-]|\\.[A-Za-z0-9_])"
            + "|[A-Za-z]:\\\\{1,2}Users\\\\{1,2}" + USER + ")");
    private static final List<String> HOME_LITERALS =
            List.of("/home/", "/Users/", "/root", ":\\Users\\", ":\\\\Users\\\\");

    /** {@code /home/<user>}, {@code /Users/<user>}, {@code /root}, {@code C:\Users\<user>}, then the literal paths. */
    static List<Detector> homePaths(int kind, List<String> paths) {
        // The Windows literals start at the colon; the match starts at the drive letter before it.
        Detector generic = new TriggeredRegex(kind, HOME_GENERIC, HOME_LITERALS,
                (t, o, l) -> l >= 3 ? (o > 0 ? o - 1 : -1) : o, null);
        if (paths.isEmpty()) {
            return List.of(generic);
        }
        List<String> sorted = new ArrayList<>(paths);
        sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first: /a/b before /a
        StringBuilder alternatives = new StringBuilder();
        for (String p : sorted) {
            alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(p));
        }
        Pattern literal = Pattern.compile("(?<![A-Za-z0-9_.~-])(?:" + alternatives
                + ")(?![A-Za-z0-9_~-]|\\.[A-Za-z0-9_])");
        return List.of(new TriggeredRegex(kind, literal, sorted, AT, null), generic);
    }

    // ------------------------------------------------------------------------------------------------------ IPv4

    private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile("(?<![0-9A-Za-z_.])"
            + "(?!127\\.|0\\.0\\.0\\.0(?![0-9]))"
            + OCTET + "(?:\\." + OCTET + "){3}"
            + "(?![0-9A-Za-z_]|\\.[0-9])");

    static Detector ipv4(int kind) {
        return new TriggeredRegex(kind, IPV4, List.of("."), (t, o, l) -> {
            int s = o;
            while (s > 0 && o - s < 3 && isDigit(t.charAt(s - 1))) {
                s--;
            }
            return s < o && looksLikeDottedQuad(t, s) ? s : -1;
        }, null);
    }

    /** Four runs of 1-3 digits separated by dots start at {@code s}; the pattern checks the rest. */
    private static boolean looksLikeDottedQuad(String t, int s) {
        int i = s;
        for (int part = 0; part < 4; part++) {
            int digits = 0;
            while (i < t.length() && digits < 4 && isDigit(t.charAt(i))) {
                i++;
                digits++;
            }
            if (digits == 0 || digits > 3) {
                return false;
            }
            if (part < 3) {
                if (i >= t.length() || t.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------------ IPv6

    private static final Pattern IPV6_CANDIDATE = Pattern.compile("(?<![0-9A-Za-z_:.])(?=[0-9A-Fa-f]{0,4}:)"
            + "[0-9A-Fa-f:]{2,45}+(?:\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})?(?![0-9A-Za-z_:]|\\.[0-9])");
    private static final Pattern LOOPBACK_V6 = Pattern.compile("(?:0{1,4}:){7}0{0,3}1");

    static Detector ipv6(int kind) {
        return new TriggeredRegex(kind, IPV6_CANDIDATE, List.of(":"), (t, o, l) -> {
            int s = o;
            while (s > 0 && o - s < 45 && isHexOrColon(t.charAt(s - 1))) {
                s--;
            }
            // Needs "::" or seven colons; rules out times such as 12:30:45 cheaply.
            int colons = 0;
            boolean pair = false;
            for (int i = s; i < t.length() && i - s < 45 && isHexOrColon(t.charAt(i)); i++) {
                if (t.charAt(i) == ':') {
                    colons++;
                    pair |= i > s && t.charAt(i - 1) == ':';
                }
            }
            return pair || colons >= 7 ? s : -1;
        }, HostDetectors::ipv6End);
    }

    private static boolean isHexOrColon(char c) {
        return Detector.isHex(c) || c == ':';
    }

    /**
     * Validates an IPv6 candidate: at most one {@code ::}, eight groups without it or two to seven with it, groups
     * of 1-4 hex digits, an optional IPv4 tail (two groups), at least one decimal digit, not the loopback. A
     * trailing single colon (end of a sentence or a port separator) is left out of the span.
     */
    static int ipv6End(String text, int start, int end) {
        String a = text.substring(start, end);
        if (a.endsWith(":") && !a.endsWith("::")) {
            a = a.substring(0, a.length() - 1);
            end--;
        }
        int dbl = a.indexOf("::");
        if (dbl >= 0 && a.indexOf("::", dbl + 1) >= 0) {
            return -1;
        }
        List<String> groups = new ArrayList<>();
        if (dbl < 0) {
            groups.addAll(Arrays.asList(a.split(":", -1)));
        } else {
            if (dbl > 0) {
                groups.addAll(Arrays.asList(a.substring(0, dbl).split(":", -1)));
            }
            if (dbl + 2 < a.length()) {
                groups.addAll(Arrays.asList(a.substring(dbl + 2).split(":", -1)));
            }
        }
        int total = 0;
        for (int i = 0; i < groups.size(); i++) {
            String g = groups.get(i);
            if (g.indexOf('.') >= 0) {
                if (i != groups.size() - 1 || !isIpv4(g)) {
                    return -1;
                }
                total += 2;
            } else if (g.isEmpty() || g.length() > 4) {
                return -1;
            } else {
                total++;
            }
        }
        boolean valid = dbl < 0 ? total == 8 : total >= 2 && total <= 7;
        if (!valid || a.chars().noneMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return LOOPBACK_V6.matcher(a).matches() ? -1 : end;
    }

    private static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return false;
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }
}
