package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
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
            Pattern.compile("\\s*(\\d+)\\s*(?:([kmgt])(?:i?b)?|b)?\\s*", Pattern.CASE_INSENSITIVE);

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

    /**
     * A size of {@code kib} kibibytes (1024 bytes each).
     *
     * @throws IllegalArgumentException if {@code kib} is negative or the size in bytes overflows a {@code long}
     */
    public static DataSize ofKilobytes(long kib) {
        return ofMultiple(kib, 1024L, "KiB");
    }

    /**
     * A size of {@code mib} mebibytes (1024 KiB each).
     *
     * @throws IllegalArgumentException if {@code mib} is negative or the size in bytes overflows a {@code long}
     */
    public static DataSize ofMegabytes(long mib) {
        return ofMultiple(mib, 1024L * 1024, "MiB");
    }

    /**
     * A size of {@code gib} gibibytes (1024 MiB each).
     *
     * @throws IllegalArgumentException if {@code gib} is negative or the size in bytes overflows a {@code long}
     */
    public static DataSize ofGigabytes(long gib) {
        return ofMultiple(gib, 1024L * 1024 * 1024, "GiB");
    }

    private static DataSize ofMultiple(long n, long unitBytes, String unit) {
        try {
            return new DataSize(Math.multiplyExact(n, unitBytes));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size (" + n + " " + unit + ") is too large for a long number of bytes",
                    e);
        }
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
            String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
            return switch (unit) {
                case "k" -> new DataSize(Math.multiplyExact(n, 1024L));
                case "m" -> new DataSize(Math.multiplyExact(n, 1024L * 1024));
                case "g" -> new DataSize(Math.multiplyExact(n, 1024L * 1024 * 1024));
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
