package dev.sandbox4j.core.policy.scan;

/** Decodes backslash escapes in string literals, well enough to recover module names. Never throws. */
final class Escapes {
    static final int PYTHON = 0;
    static final int JAVASCRIPT = 1;
    static final int JAVA = 2;

    private Escapes() {}

    static String decode(CharSequence s, int from, int to, int lang) {
        int end = Math.min(to, s.length());
        if (from >= end || Chars.indexOf(s, '\\', from, end) < 0) { // bounded search: unbounded would be quadratic
            return Chars.substring(s, from, Math.max(from, end));
        }
        StringBuilder sb = new StringBuilder(end - from);
        int i = from;
        while (i < end) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= end) {
                sb.append(c);
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n', '\u2028', '\u2029' -> {}
                case '\r' -> i += i < end && s.charAt(i) == '\n' ? 1 : 0;
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append(lang == JAVA ? "\\v" : "\u000B");
                case 's' -> sb.append(lang == JAVA ? " " : lang == PYTHON ? "\\s" : "s");
                case 'a' -> sb.append(lang == PYTHON ? "\u0007" : lang == JAVA ? "\\a" : "a");
                case 'x' -> i = hex(s, i, end, 2, sb, e);
                case 'u' -> {
                    if (lang == JAVASCRIPT && i < end && s.charAt(i) == '{') {
                        int close = i + 1;
                        while (close < end && close - i <= 6 && isHex(s.charAt(close))) {
                            close++;
                        }
                        if (close < end && s.charAt(close) == '}' && close > i + 1) {
                            appendCodePoint(sb, Integer.parseInt(s, i + 1, close, 16));
                            i = close + 1;
                        } else {
                            sb.append('u');
                        }
                    } else {
                        i = hex(s, i, end, 4, sb, e);
                    }
                }
                case 'U' -> i = lang == PYTHON ? hex(s, i, end, 8, sb, e) : append(sb, lang, e, i);
                case 'N' -> {
                    int close = lang == PYTHON && i < end && s.charAt(i) == '{' ? Chars.indexOf(s, '}', i) : -1;
                    if (close > i && close < end && close - i < 100) {
                        try {
                            sb.appendCodePoint(Character.codePointOf(Chars.substring(s, i + 1, close)));
                            i = close + 1;
                        } catch (IllegalArgumentException ex) {
                            sb.append("\\N");
                        }
                    } else {
                        append(sb, lang, e, i);
                    }
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int n = 1;
                        while (n < 3 && i < end && s.charAt(i) >= '0' && s.charAt(i) <= '7' && v * 8 < 256) {
                            v = v * 8 + (s.charAt(i++) - '0');
                            n++;
                        }
                        sb.append((char) v);
                    } else {
                        append(sb, lang, e, i);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static int append(StringBuilder sb, int lang, char e, int i) {
        if (lang == PYTHON) {
            sb.append('\\');
        }
        sb.append(e);
        return i;
    }

    private static int hex(CharSequence s, int i, int end, int digits, StringBuilder sb, char e) {
        if (i + digits > end) {
            append(sb, Escapes.PYTHON, e, i);
            return i;
        }
        for (int k = i; k < i + digits; k++) {
            if (!isHex(s.charAt(k))) {
                append(sb, Escapes.PYTHON, e, i);
                return i;
            }
        }
        appendCodePoint(sb, (int) Long.parseLong(s, i, i + digits, 16));
        return i + digits;
    }

    private static void appendCodePoint(StringBuilder sb, int cp) {
        if (Character.isValidCodePoint(cp)) {
            sb.appendCodePoint(cp);
        } else {
            sb.append('\uFFFD');
        }
    }

    static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
