package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TextsTest {
    @Test
    void humanWritesWholeSecondsInSecondsAndTheRestInMilliseconds() {
        assertThat(Texts.human(Duration.ofSeconds(30))).isEqualTo("30 s");
        assertThat(Texts.human(Duration.ofMinutes(5))).isEqualTo("300 s");
        assertThat(Texts.human(Duration.ZERO)).isEqualTo("0 s");
        assertThat(Texts.human(Duration.ofMillis(1500))).isEqualTo("1500 ms");
        assertThat(Texts.human(Duration.ofMillis(200))).isEqualTo("200 ms");
        assertThat(Texts.human(Duration.ofNanos(1_500_000))).isEqualTo("1 ms");
    }
}
