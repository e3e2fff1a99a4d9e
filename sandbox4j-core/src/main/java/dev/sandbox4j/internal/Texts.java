package dev.sandbox4j.internal;

/** Helpers for putting untrusted or user-supplied text into messages. Not API: may change without notice. */
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
}
