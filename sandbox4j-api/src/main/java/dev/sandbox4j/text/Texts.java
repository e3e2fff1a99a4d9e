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
     * A duration as messages write it: whole seconds as {@code "30 s"}, anything else in milliseconds
     * ({@code "1500 ms"}).
     */
    public static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
