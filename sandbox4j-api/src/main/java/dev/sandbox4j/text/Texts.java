package dev.sandbox4j.text;

import java.time.Duration;

/**
 * Text for messages: untrusted or user-supplied text put into them, durations written in them. Front doors (a CLI, an
 * HTTP service, a tool adapter) use it to show what a program or a caller sent without letting it reach a terminal's
 * control sequences or grow a message without bound.
 *
 * @since 0.2
 */
public final class Texts {
    private Texts() {}

    /**
     * Replaces control characters (ANSI escapes included) with {@code ?} and truncates to {@code max} characters, with
     * an ellipsis when something was cut.
     */
    public static String sanitize(String text, int max) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max + 1));
        for (int i = 0; i < text.length() && sb.length() < max; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > max) {
            sb.append('…');
        }
        return sb.toString();
    }

    /**
     * Keeps the head (two thirds) and the tail of a text longer than {@code max} characters, with a note of how much
     * was left out in between: errors are usually at the end of a program's output, so both ends matter. Text of at
     * most {@code max} characters is returned as is.
     *
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public static String elide(String text, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max (" + max + ") must be positive");
        }
        if (text.length() <= max) {
            return text;
        }
        int head = max * 2 / 3;
        int tail = max - head;
        return text.substring(0, head) + "\n… [" + (text.length() - head - tail) + " characters omitted] …\n"
                + text.substring(text.length() - tail);
    }

    /**
     * A duration as messages write it: whole seconds as {@code "30 s"}, anything else in milliseconds
     * ({@code "1500 ms"}).
     */
    public static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
