package dev.sandbox4j.core.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedBufferTest {
    @Test
    void keepsUpToTheLimitAndCountsTheRest() {
        BoundedBuffer b = new BoundedBuffer(5);
        assertThat(b.append("abc".getBytes())).hasSize(3);
        assertThat(b.append("defg".getBytes())).containsExactly('d', 'e');
        assertThat(b.append("h".getBytes())).isEmpty();
        assertThat(b.text()).isEqualTo("abcde");
        assertThat(b.overflowed()).isTrue();
    }

    @Test
    void exactlyAtLimitIsNotOverflow() {
        BoundedBuffer b = new BoundedBuffer(3);
        b.append("abc".getBytes());
        assertThat(b.overflowed()).isFalse();
    }

    @Test
    void brokenUtf8BecomesReplacementCharacter() {
        BoundedBuffer b = new BoundedBuffer(4);
        b.append("aé€".getBytes(StandardCharsets.UTF_8)); // 1 + 2 + 3 bytes; cut inside the euro sign
        assertThat(b.text()).isEqualTo("aé\uFFFD");
    }
}
