package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataSizeTest {
    private static final long KIB = 1024L;
    private static final long MIB = 1024L * KIB;
    private static final long GIB = 1024L * MIB;
    private static final long TIB = 1024L * GIB;

    @Test
    void factoriesUseBinaryMultiples() {
        assertThat(DataSize.ofBytes(100).bytes()).isEqualTo(100);
        assertThat(DataSize.ofKilobytes(64).bytes()).isEqualTo(64 * KIB);
        assertThat(DataSize.ofMegabytes(512).bytes()).isEqualTo(512 * MIB);
        assertThat(DataSize.ofGigabytes(2).bytes()).isEqualTo(2 * GIB);
    }

    @Test
    void acceptsZero() {
        assertThat(DataSize.ofBytes(0).bytes()).isZero();
    }

    @Test
    void rejectsNegativeSizeNamingTheValue() {
        assertThatThrownBy(() -> new DataSize(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(-1 B)")
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> DataSize.ofMegabytes(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void factoryOverflowFailsInsteadOfWrappingAround() {
        assertThatThrownBy(() -> DataSize.ofGigabytes(Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasCauseInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> DataSize.ofKilobytes(Long.MAX_VALUE / 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(Long.MAX_VALUE / 1000))
                .hasCauseInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> DataSize.ofMegabytes(Long.MIN_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void factoryOverflowIsAnIllegalArgumentNamingTheValue() {
        assertThatThrownBy(() -> DataSize.ofGigabytes(Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(Long.MAX_VALUE));
    }

    @ParameterizedTest
    @CsvSource({
        "512m, 536870912",
        "512M, 536870912",
        "1g, 1073741824",
        "1G, 1073741824",
        "64k, 65536",
        "1t, 1099511627776",
        "1048576, 1048576",
        "0, 0",
        "100b, 100",
        "100B, 100",
        "64KiB, 65536",
        "1GiB, 1073741824",
        "512mb, 536870912",
        "512MB, 536870912",
        "1gib, 1073741824",
    })
    void parsesSizesWithOptionalBinaryUnit(String text, long bytes) {
        assertThat(DataSize.parse(text)).isEqualTo(DataSize.ofBytes(bytes));
    }

    @Test
    void parseToleratesSurroundingAndInnerWhitespace() {
        assertThat(DataSize.parse(" 512m ")).isEqualTo(DataSize.ofMegabytes(512));
        assertThat(DataSize.parse("512 MiB")).isEqualTo(DataSize.ofMegabytes(512));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-5m", "abc", "5x", "m", "1.5g", "1,5g", "5mm", "5 m b", "0x10", "+5m", "5e3", "½"})
    void parseRejectsGarbageQuotingIt(String text) {
        assertThatThrownBy(() -> DataSize.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Expected a size like '512m'")
                .hasMessageContaining("but was '" + text + "'");
    }

    @Test
    void parseRejectsNull() {
        assertThatThrownBy(() -> DataSize.parse(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void parseRejectsNumbersTooLargeForALong() {
        assertThatThrownBy(() -> DataSize.parse("99999999999999999999"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'99999999999999999999'")
                .hasMessageContaining("too large")
                .hasCauseInstanceOf(NumberFormatException.class);
    }

    @Test
    void parseRejectsSizesThatOverflowAfterTheUnit() {
        assertThatThrownBy(() -> DataSize.parse("9999999999t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'9999999999t'")
                .hasMessageContaining("too large")
                .hasCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void parseMessageStripsControlCharactersAndTruncates() {
        String hostile = "\u001b[31m" + "x".repeat(100);
        assertThatThrownBy(() -> DataSize.parse(hostile))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("\u001b")
                        .doesNotContain("x".repeat(41))
                        .contains("…"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ib", "100iB", "5 ib"})
    void parseRejectsBinarySuffixWithoutAUnit(String text) {
        assertThatThrownBy(() -> DataSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0 B",
        "1, 1 B",
        "1500, 1500 B",
        "1023, 1023 B",
        "1024, 1 KiB",
        "1536, 1536 B",
        "65536, 64 KiB",
        "536870912, 512 MiB",
        "1073741824, 1 GiB",
        "3221225472, 3 GiB",
        "1099511627776, 1 TiB",
        "1125899906842624, 1024 TiB",
        "9223372036854775807, 9223372036854775807 B",
    })
    void toStringUsesTheLargestExactBinaryUnit(long bytes, String expected) {
        assertThat(DataSize.ofBytes(bytes)).hasToString(expected);
    }

    @Test
    void toStringRoundTripsThroughParse() {
        for (long bytes : new long[] {0, 1, 1500, KIB, 64 * KIB, 512 * MIB, 3 * GIB, 2 * TIB}) {
            DataSize size = DataSize.ofBytes(bytes);
            assertThat(DataSize.parse(size.toString())).isEqualTo(size);
        }
    }

    @Test
    void conversionsTruncateTowardZero() {
        assertThat(DataSize.ofBytes(1023).toKilobytes()).isZero();
        assertThat(DataSize.ofBytes(1536).toKilobytes()).isEqualTo(1);
        assertThat(DataSize.ofBytes(MIB + 1).toMegabytes()).isEqualTo(1);
        assertThat(DataSize.ofGigabytes(2).toMegabytes()).isEqualTo(2048);
    }

    @Test
    void comparesBySize() {
        assertThat(DataSize.ofKilobytes(1024)).isEqualByComparingTo(DataSize.ofMegabytes(1));
        assertThat(DataSize.ofKilobytes(1024)).isEqualTo(DataSize.ofMegabytes(1));
        assertThat(DataSize.ofMegabytes(1)).isLessThan(DataSize.ofMegabytes(2));
        assertThat(DataSize.ofGigabytes(1)).isGreaterThan(DataSize.ofMegabytes(1023));
    }

    @ParameterizedTest
    @ValueSource(strings = {"b", "kb", "1bb", "1kbib", "1 k b", "1kib b"})
    void parseRejectsMalformedSuffixes(String text) {
        assertThatThrownBy(() -> DataSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
