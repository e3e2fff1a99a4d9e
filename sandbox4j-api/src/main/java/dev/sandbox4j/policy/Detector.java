package dev.sandbox4j.policy;

/**
 * Finds spans of one kind of secret in a text and reports them to {@link Spans}. Implementations are immutable and
 * thread-safe; {@link OutputSanitizer} runs every enabled detector over the whole text and merges what they report.
 *
 * <p>Every built-in detector runs in time linear in the text: it walks the text once, looks back or ahead only within
 * a fixed window (a key name, a quote, an indentation), and where it measures a value it consumes the value, so no
 * character is measured twice. Regular expressions are only tried at a trigger position and on a bounded window.
 */
interface Detector {
    /** The index of the kind this detector reports (its position in {@link OutputSanitizer#kinds()}). */
    int kind();

    void scan(String text, Spans out);

    static boolean isAlnum(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    static boolean isLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    static boolean isBreak(char c) {
        return c == '\n' || c == '\r';
    }

    /** The character at {@code i}, or a line break outside the text (so callers treat the ends as line ends). */
    static char at(String text, int i) {
        return i >= 0 && i < text.length() ? text.charAt(i) : '\n';
    }

    /** The index of the line break ending the line that holds {@code i}, or the text's length. */
    static int lineEnd(String text, int i) {
        while (i < text.length() && !isBreak(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Whether {@code [start, end)} holds at least one letter and one digit. */
    static boolean hasLetterAndDigit(String text, int start, int end) {
        boolean letter = false;
        boolean digit = false;
        for (int i = start; i < end && !(letter && digit); i++) {
            char c = text.charAt(i);
            letter |= isLetter(c);
            digit |= isDigit(c);
        }
        return letter && digit;
    }
}
