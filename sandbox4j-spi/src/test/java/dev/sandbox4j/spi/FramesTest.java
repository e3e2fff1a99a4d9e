package dev.sandbox4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.spi.Frames.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
    @Test
    void encodesTypeLengthBigEndianAndPayload() {
        byte[] frame = Frames.typed('C', new byte[300]);
        assertThat(Arrays.copyOf(frame, 5)).containsExactly('C', 0, 0, 1, 44);
        assertThat(frame).hasSize(305);
        assertThat(Arrays.copyOf(Frames.untyped(new byte[300]), 4)).containsExactly(0, 0, 1, 44);
    }

    @Test
    void decodesWhatWasEncodedWhateverTheChunks() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Frames.typed('O', "hello".getBytes(StandardCharsets.UTF_8)));
        out.write(Frames.typed('R', new byte[0]));
        byte[] stream = out.toByteArray();
        for (int chunk = 1; chunk <= stream.length; chunk++) {
            Frames.Decoder d = Frames.typedDecoder("OR", 100);
            List<Frame> got = new ArrayList<>();
            for (int at = 0; at < stream.length; at += chunk) {
                d.feed(stream, at, Math.min(chunk, stream.length - at), got::add);
            }
            assertThat(got).extracting(Frame::type).containsExactly('O', 'R');
            assertThat(new String(got.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(got.get(1).payload()).isEmpty();
            assertThat(d.hasPartialFrame()).isFalse();
        }
    }

    @Test
    void decodesUntypedFrames() throws Exception {
        Frames.Decoder d = Frames.untypedDecoder(100);
        List<Frame> got = new ArrayList<>();
        byte[] frame = Frames.untyped("{\"type\":\"ready\"}".getBytes(StandardCharsets.UTF_8));
        d.feed(Arrays.copyOf(frame, 6), got::add);
        assertThat(got).isEmpty();
        assertThat(d.hasPartialFrame()).isTrue();
        d.feed(Arrays.copyOfRange(frame, 6, frame.length), got::add);
        assertThat(got).singleElement().satisfies(f -> {
            assertThat(f.type()).isEqualTo((char) 0);
            assertThat(new String(f.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"ready\"}");
        });
    }

    @Test
    void refusesAFrameOverTheMaximumBeforeAllocatingItAndStaysBroken() {
        Frames.Decoder d = Frames.typedDecoder("O", 1 << 20);
        byte[] header = {'O', (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> d.feed(header, f -> { }))
                .isInstanceOf(Frames.FrameException.class).hasMessageContaining("over the maximum");
        assertThatThrownBy(() -> d.feed(Frames.typed('O', new byte[1]), f -> { }))
                .isInstanceOf(Frames.FrameException.class);
    }

    @Test
    void refusesUnknownTypesAfterPassingOnTheFramesBefore() {
        Frames.Decoder d = Frames.typedDecoder("OER", 100);
        List<Frame> got = new ArrayList<>();
        byte[] two = new byte[12];
        System.arraycopy(Frames.typed('O', new byte[1]), 0, two, 0, 6);
        System.arraycopy(Frames.typed('Z', new byte[1]), 0, two, 6, 6);
        assertThatThrownBy(() -> d.feed(two, got::add))
                .isInstanceOf(Frames.FrameException.class).hasMessageContaining("0x5a");
        assertThat(got).extracting(Frame::type).containsExactly('O');
    }

    @Test
    void refusesNonAsciiTypes() {
        assertThatThrownBy(() -> Frames.typed('é', new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
