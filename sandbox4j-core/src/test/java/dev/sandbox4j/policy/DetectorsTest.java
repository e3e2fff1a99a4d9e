package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Structural checks that detectors read each part of a hostile output once (no wall-clock time: the number of spans a
 * detector reports shows whether it went over the same text again).
 */
class DetectorsTest {
    @Test
    void readsACookieHeaderValueOnceEvenWhenItRepeatsTheHeaderName() {
        String text = "Cookie: a=1; ".repeat(2000);
        Spans spans = new Spans(text, new int[0]);

        new HeaderDetectors.CookieDetector(0).scan(text, spans);

        assertThat(spans.size()).isEqualTo(2000); // one per pair; re-reading the value from each name gave ~2 million
    }

    @Test
    void readsAnAuthorizationValueOnceEvenWhenItRepeatsTheHeaderName() {
        String text = "Authorization: Bearer x1234567 ".repeat(1000);
        Spans spans = new Spans(text, new int[0]);

        new HeaderDetectors.BearerDetector(0).scan(text, spans);

        assertThat(spans.size()).isEqualTo(1 + 1000); // the header's value once, and each "Bearer <token>"
    }

    @Test
    void consumesAValueSoKeysInsideItAreNotMeasuredAgain() {
        String text = "{\"password\": [" + "\"password\": [1], ".repeat(1000) + "]}";
        Spans spans = new Spans(text, new int[0]);

        new KeyValueDetector(0).scan(text, spans);

        assertThat(spans.size()).isEqualTo(1);
    }
}
