package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Utf8ChunksTest {
    @Test
    void neverSplitsAMultiByteCharacter() {
        byte[] all = "aé€😀z".getBytes(StandardCharsets.UTF_8);
        for (int cut1 = 0; cut1 <= all.length; cut1++) {
            for (int cut2 = cut1; cut2 <= all.length; cut2++) {
                Utf8Chunks d = new Utf8Chunks();
                String s = d.feed(Arrays.copyOfRange(all, 0, cut1)) + d.feed(Arrays.copyOfRange(all, cut1, cut2))
                        + d.feed(Arrays.copyOfRange(all, cut2, all.length)) + d.flush();
                assertThat(s).as("cuts %d/%d", cut1, cut2).isEqualTo("aé€😀z");
            }
        }
    }

    @Test
    void malformedBytesBecomeReplacementCharacters() {
        Utf8Chunks d = new Utf8Chunks();
        assertThat(d.feed(new byte[] {'a', (byte) 0xff, 'b'})).isEqualTo("a\uFFFDb");
        assertThat(d.feed(new byte[] {(byte) 0xe2, (byte) 0x82})).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD");
    }
}
