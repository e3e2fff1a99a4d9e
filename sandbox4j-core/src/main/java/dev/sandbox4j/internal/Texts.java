package dev.sandbox4j.internal;

import java.time.Duration;

/**
 * Helpers for messages: untrusted or user-supplied text put into them, durations written in them. Not API: may change
 * without notice.
 */
public final class Texts {
    private Texts() {}

    /** Strips control and ANSI characters and truncates to {@code max} characters (with an ellipsis). */
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
