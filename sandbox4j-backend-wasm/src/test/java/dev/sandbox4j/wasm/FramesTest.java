package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.wasm.Frames.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FramesTest {
    @Test
    void encodesTypeLengthBigEndianAndPayload() {
        byte[] frame = Frames.encode('C', new byte[300]);
        assertThat(Arrays.copyOf(frame, 5)).containsExactly('C', 0, 0, 1, 44);
        assertThat(frame).hasSize(305);
    }

    @Test
    void readsBackWhatWasWritten() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, 'O', "hello".getBytes(StandardCharsets.UTF_8));
        Frames.write(out, 'R', new byte[0]);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        Frame first = Frames.read(in, "OR", 100);
        assertThat(first.type()).isEqualTo('O');
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        Frame second = Frames.read(in, "OR", 100);
        assertThat(second.type()).isEqualTo('R');
        assertThat(second.payload()).isEmpty();
        assertThat(Frames.read(in, "OR", 100)).isNull();
    }

    @Test
    void refusesAFrameOverTheMaximumBeforeAllocatingIt() {
        byte[] header = {'O', (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(header), "O", 1 << 20))
                .isInstanceOf(Frames.ProtocolException.class).hasMessageContaining("over the maximum");
    }

    @Test
    void refusesUnknownTypes() {
        byte[] frame = Frames.encode('Z', new byte[1]);
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(frame), "OER", 100))
                .isInstanceOf(Frames.ProtocolException.class).hasMessageContaining("0x5a");
    }

    @Test
    void refusesAStreamThatEndsInsideAFrame() {
        byte[] whole = Frames.encode('O', new byte[10]);
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(Arrays.copyOf(whole, 8)), "O", 100))
                .isInstanceOf(Frames.ProtocolException.class).hasMessageContaining("ended inside a frame");
        assertThatThrownBy(() -> Frames.read(new ByteArrayInputStream(Arrays.copyOf(whole, 3)), "O", 100))
                .isInstanceOf(Frames.ProtocolException.class).hasMessageContaining("header");
    }

    @Test
    void refusesNonAsciiTypes() {
        assertThatThrownBy(() -> Frames.encode('é', new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
