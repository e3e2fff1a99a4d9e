package dev.sandbox4j.core.policy.scan;

/**
 * The few {@link String} operations the lexers need, over any {@link CharSequence}: the lexers read their input as a
 * {@code CharSequence}, so that tests can hand them one that counts every character read and check that a scan stays
 * linear without timing it. Strings take the JDK's own (intrinsic) paths.
 */
final class Chars {
    private Chars() {}

    static int indexOf(CharSequence s, char c, int from) {
        return indexOf(s, c, from, s.length());
    }

    /** Index of {@code c} in {@code [from, to)}, or -1. */
    static int indexOf(CharSequence s, char c, int from, int to) {
        int end = Math.min(to, s.length());
        int start = Math.max(from, 0);
        if (s instanceof String str) {
            return start >= end ? -1 : str.indexOf(c, start, end);
        }
        for (int i = start; i < end; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    static int indexOf(CharSequence s, String needle) {
        return indexOf(s, needle, 0);
    }

    static int indexOf(CharSequence s, String needle, int from) {
        if (s instanceof String str) {
            return str.indexOf(needle, from);
        }
        int start = Math.max(from, 0);
        int last = s.length() - needle.length();
        if (needle.isEmpty()) {
            return Math.min(start, s.length());
        }
        char first = needle.charAt(0);
        for (int i = start; i <= last; i++) {
            if (s.charAt(i) == first && startsWith(s, needle, i)) {
                return i;
            }
        }
        return -1;
    }

    static boolean startsWith(CharSequence s, String prefix, int offset) {
        if (s instanceof String str) {
            return str.startsWith(prefix, offset);
        }
        if (offset < 0 || offset > s.length() - prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (s.charAt(offset + k) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    static String substring(CharSequence s, int start, int end) {
        return s instanceof String str ? str.substring(start, end) : s.subSequence(start, end).toString();
    }
}
