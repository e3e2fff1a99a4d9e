package dev.sandbox4j.policy;

import org.jspecify.annotations.Nullable;

/**
 * The quoting a redacted value sits in, so that the replacement can be escaped for it and, for a value that was not a
 * string (a JSON number, array or object), wrapped in it to stay a valid string of the same document.
 *
 * <p>Double quotes carry their escaping level: {@code "} in JSON, {@code \"} in a JSON string inside a JSON string,
 * {@code \\\"} one level deeper. At level {@code r} (the number of backslashes before the quote), a quote is written
 * with {@code 2r+1} backslashes and a backslash with {@code 2(r+1)}.
 */
final class Quote {
    enum Type {
        NONE, DOUBLE, SINGLE, BACKTICK, HTML, XML_TEXT
    }

    static final Quote NONE = new Quote(Type.NONE, "", 0);
    static final Quote SINGLE = new Quote(Type.SINGLE, "'", 0);
    static final Quote BACKTICK = new Quote(Type.BACKTICK, "`", 0);
    static final Quote HTML = new Quote(Type.HTML, "&quot;", 0);
    static final Quote HTML_NUMERIC = new Quote(Type.HTML, "&#34;", 0);
    static final Quote XML_TEXT = new Quote(Type.XML_TEXT, "", 0);

    private static final Quote[] DOUBLE = new Quote[16];

    static {
        for (int r = 0; r < DOUBLE.length; r++) {
            DOUBLE[r] = new Quote(Type.DOUBLE, "\\".repeat(r) + "\"", r);
        }
    }

    private final Type type;
    private final String text;
    private final int level;

    private Quote(Type type, String text, int level) {
        this.type = type;
        this.text = text;
        this.level = level;
    }

    /** A double quote preceded by {@code level} backslashes (levels above 15 are treated as 15). */
    static Quote doubleQuote(int level) {
        return DOUBLE[Math.min(level, DOUBLE.length - 1)];
    }

    Type type() {
        return type;
    }

    /** The quote as written, e.g. {@code "}, {@code \"} or {@code &quot;}; empty for {@link #NONE}. */
    String text() {
        return text;
    }

    int length() {
        return text.length();
    }

    /** Backslashes before a double quote; 0 for other types. */
    int level() {
        return level;
    }

    /**
     * The quote form that ends at {@code end} (exclusive) in {@code text}, or null. A double quote's level is the
     * whole run of backslashes before it.
     */
    static @Nullable Quote endingAt(String text, int end) {
        if (end <= 0) {
            return null;
        }
        char c = text.charAt(end - 1);
        if (c == '"') {
            int r = 0;
            while (end - 2 - r >= 0 && text.charAt(end - 2 - r) == '\\') {
                r++;
            }
            return doubleQuote(r);
        }
        if (c == '\'') {
            return SINGLE;
        }
        if (c == ';') {
            if (text.startsWith("&quot;", end - 6)) {
                return HTML;
            }
            if (text.startsWith("&#34;", end - 5)) {
                return HTML_NUMERIC;
            }
        }
        return null;
    }

    /** The quote form that starts at {@code start} in {@code text} (a run of backslashes then {@code "}), or null. */
    static @Nullable Quote startingAt(String text, int start) {
        if (start >= text.length()) {
            return null;
        }
        char c = text.charAt(start);
        if (c == '"') {
            return doubleQuote(0);
        }
        if (c == '\\') {
            int r = 0;
            while (start + r < text.length() && text.charAt(start + r) == '\\') {
                r++;
            }
            return start + r < text.length() && text.charAt(start + r) == '"' ? doubleQuote(r) : null;
        }
        if (c == '\'') {
            return SINGLE;
        }
        if (c == '`') {
            return BACKTICK;
        }
        if (text.startsWith("&quot;", start)) {
            return HTML;
        }
        if (text.startsWith("&#34;", start)) {
            return HTML_NUMERIC;
        }
        return null;
    }

    /**
     * Where the string whose content starts at {@code from} ends: the index of its closing quote form (for a double
     * quote of level {@code r}, the first of the closing backslashes), or the end of the line when it is not closed
     * on the line. A double quote of a lower level (the end of an enclosing string) ends it too.
     */
    int closeFrom(String text, int from) {
        int n = text.length();
        int i = from;
        while (i < n) {
            char c = text.charAt(i);
            if (Detector.isBreak(c)) {
                return i;
            }
            switch (type) {
                case DOUBLE -> {
                    if (c == '\\' || c == '"') {
                        int k = 0;
                        while (i + k < n && text.charAt(i + k) == '\\') {
                            k++;
                        }
                        if (i + k < n && text.charAt(i + k) == '"') {
                            if (k < level) {
                                return i; // the end of an enclosing string
                            }
                            if ((k - level) % (2 * (level + 1)) == 0) {
                                return i + (k - level);
                            }
                            i += k + 1;
                        } else {
                            i += k; // escaped characters other than quotes are content
                        }
                        continue;
                    }
                }
                case SINGLE -> {
                    if (c == '\\') {
                        i += 2;
                        continue;
                    }
                    if (c == '\'') {
                        return i;
                    }
                }
                case BACKTICK -> {
                    if (c == '`') {
                        return i;
                    }
                }
                case HTML -> {
                    if (c == '&' && text.startsWith(this.text, i)) {
                        return i;
                    }
                }
                default -> {
                    return i;
                }
            }
            i++;
        }
        return Math.min(i, n);
    }

    /** {@code replacement} escaped so that it reads as plain text inside this quoting. */
    String escape(String replacement) {
        return switch (type) {
            case NONE -> replacement;
            case DOUBLE -> {
                if (replacement.indexOf('"') < 0 && replacement.indexOf('\\') < 0) {
                    yield replacement;
                }
                String bs = "\\".repeat(2 * (level + 1));
                String q = "\\".repeat(2 * level + 1) + "\"";
                yield replacement.replace("\\", bs).replace("\"", q);
            }
            case SINGLE -> replacement.replace("\\", "\\\\").replace("'", "\\'");
            case BACKTICK -> replacement.replace("`", "'");
            case HTML, XML_TEXT -> replacement.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
        };
    }

    @Override
    public String toString() {
        return type + (type == Type.DOUBLE ? "(" + level + ")" : "");
    }
}
