package dev.sandbox4j;

import dev.sandbox4j.internal.Texts;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory or storage, in bytes.
 *
 * <p>Parse human-written sizes with {@link #parse(String)}: {@code "512m"}, {@code "1GiB"}, {@code "64k"},
 * {@code "100"} (bytes). Binary multiples are used throughout: {@code k} = 1024.
 *
 * @param bytes the size in bytes, never negative
 * @since 0.1
 */
public record DataSize(long bytes) implements Comparable<DataSize> {
    private static final Pattern SYNTAX =
            Pattern.compile("\\s*(\\d+)\\s*([kmgt]?)(i?b)?\\s*", Pattern.CASE_INSENSITIVE);

    /**
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("size (" + bytes + " B) must not be negative");
        }
    }

    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    public static DataSize ofKilobytes(long kib) {
        return new DataSize(Math.multiplyExact(kib, 1024L));
    }

    public static DataSize ofMegabytes(long mib) {
        return new DataSize(Math.multiplyExact(mib, 1024L * 1024));
    }

    public static DataSize ofGigabytes(long gib) {
        return new DataSize(Math.multiplyExact(gib, 1024L * 1024 * 1024));
    }

    /**
     * Parses a size such as {@code 512m}, {@code 1g}, {@code 64KiB} or {@code 100} (bytes).
     *
     * @throws IllegalArgumentException if the text is not such a size (the message quotes it)
     */
    public static DataSize parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("Expected a size like '512m', '1g' or '65536' but was '"
                    + Texts.sanitize(text, 40) + "'");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + Texts.sanitize(text, 40) + "' is too large", e);
        }
        try {
            return switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> ofKilobytes(n);
                case "m" -> ofMegabytes(n);
                case "g" -> ofGigabytes(n);
                case "t" -> new DataSize(Math.multiplyExact(n, 1024L * 1024 * 1024 * 1024));
                default -> ofBytes(n);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size '" + Texts.sanitize(text, 40) + "' is too large", e);
        }
    }

    public long toKilobytes() {
        return bytes / 1024;
    }

    public long toMegabytes() {
        return bytes / (1024 * 1024);
    }

    @Override
    public int compareTo(DataSize o) {
        return Long.compare(bytes, o.bytes);
    }

    /** A short human form: {@code 512 MiB}, {@code 1 GiB}, {@code 1500 B}. */
    @Override
    public String toString() {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        long v = bytes;
        int u = 0;
        while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + " " + units[u];
    }
}
