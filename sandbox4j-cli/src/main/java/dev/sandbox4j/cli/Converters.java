package dev.sandbox4j.cli;

import dev.sandbox4j.DataSize;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Option converters with user-facing error messages. */
final class Converters {
    private Converters() {}

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    /** {@code 500ms}, {@code 5s}, {@code 5} (seconds), {@code 2m}, {@code 1h}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "Expected a duration such as 500ms, 10s, 2m or 1h but was '" + value + "'");
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> n;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 1000;
            };
            if (millis < 1) {
                throw new CommandLine.TypeConversionException("duration '" + value + "' must be at least 1ms");
            }
            return Duration.ofMillis(Math.round(millis));
        }
    }

    /** {@code 512m}, {@code 1g}, {@code 64k}, {@code 1048576}. */
    static final class DataSizeConverter implements CommandLine.ITypeConverter<DataSize> {
        @Override
        public DataSize convert(String value) {
            try {
                return DataSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
