package dev.sandbox4j.spi;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The framing of every channel between the engine (or a backend) and a long-lived program in a box: a frame is an
 * optional type byte, a 4-byte big-endian length and that many bytes of payload. Channels with several kinds of frames
 * send the type first ({@code [type][length][payload]}: the engine's resident runner, the WebAssembly backend's
 * driver); a language kernel sends only JSON messages, whose type is inside the JSON, and leaves the type byte out
 * ({@code [length][UTF-8 JSON]}). One decoder reads both.
 *
 * <p>The peer runs untrusted code, which can write to the channel: a length is checked against the decoder's maximum
 * before anything is allocated, and a malformed frame stops the decoder for good ({@link FrameException}).
 *
 * @since 0.2
 */
public final class Frames {
    /** Bytes before the payload of a typed frame. */
    public static final int TYPED_HEADER = 5;
    /** Bytes before the payload of an untyped frame. */
    public static final int UNTYPED_HEADER = 4;

    private Frames() {}

    /**
     * One frame.
     *
     * @param type its type byte as a character, or {@code 0} for an untyped frame
     * @param payload its payload
     */
    public record Frame(char type, byte[] payload) {}

    /** The peer sent something that is not a well-formed frame; the decoder that threw it accepts nothing more. */
    public static final class FrameException extends IOException {
        private static final long serialVersionUID = 1L;

        /** @param message what was malformed */
        public FrameException(String message) {
            super(message);
        }
    }

    /**
     * Encodes a typed frame.
     *
     * @throws IllegalArgumentException if {@code type} is not ASCII (or is NUL)
     */
    public static byte[] typed(char type, byte[] payload) {
        if (type == 0 || type > 0x7f) {
            throw new IllegalArgumentException("frame type must be ASCII but was " + (int) type);
        }
        byte[] frame = new byte[TYPED_HEADER + payload.length];
        frame[0] = (byte) type;
        putLength(frame, 1, payload.length);
        System.arraycopy(payload, 0, frame, TYPED_HEADER, payload.length);
        return frame;
    }

    /** Encodes an untyped frame (a kernel message). */
    public static byte[] untyped(byte[] payload) {
        byte[] frame = new byte[UNTYPED_HEADER + payload.length];
        putLength(frame, 0, payload.length);
        System.arraycopy(payload, 0, frame, UNTYPED_HEADER, payload.length);
        return frame;
    }

    private static void putLength(byte[] frame, int at, int length) {
        frame[at] = (byte) (length >>> 24);
        frame[at + 1] = (byte) (length >>> 16);
        frame[at + 2] = (byte) (length >>> 8);
        frame[at + 3] = (byte) length;
    }

    /**
     * A decoder of typed frames.
     *
     * @param allowedTypes the types the peer may send; any other type is malformed
     * @param maxPayload the largest payload accepted
     * @throws IllegalArgumentException if {@code allowedTypes} is empty or {@code maxPayload} negative
     */
    public static Decoder typedDecoder(String allowedTypes, int maxPayload) {
        if (allowedTypes.isEmpty()) {
            throw new IllegalArgumentException("allowedTypes must not be empty");
        }
        return new Decoder(allowedTypes, maxPayload);
    }

    /**
     * A decoder of untyped frames; each {@link Frame#type()} is {@code 0}.
     *
     * @throws IllegalArgumentException if {@code maxPayload} is negative
     */
    public static Decoder untypedDecoder(int maxPayload) {
        return new Decoder(null, maxPayload);
    }

    /** Cuts a byte stream into frames as it arrives, in chunks of any size. Not thread-safe: one reader feeds it. */
    public static final class Decoder {
        private static final int INITIAL = 8192;
        private final @Nullable String allowedTypes;
        private final int header;
        private final int maxPayload;
        private byte[] buf = new byte[INITIAL];
        private int len;
        private @Nullable String broken;

        private Decoder(@Nullable String allowedTypes, int maxPayload) {
            if (maxPayload < 0) {
                throw new IllegalArgumentException("maxPayload (" + maxPayload + ") must not be negative");
            }
            this.allowedTypes = allowedTypes;
            this.header = allowedTypes == null ? UNTYPED_HEADER : TYPED_HEADER;
            this.maxPayload = maxPayload;
        }

        /** {@link #feed(byte[], int, int, Consumer)} of a whole chunk. */
        public void feed(byte[] chunk, Consumer<Frame> frames) throws FrameException {
            feed(chunk, 0, chunk.length, frames);
        }

        /**
         * Adds bytes and passes every frame they complete to {@code frames}, in order.
         *
         * @throws FrameException if a frame is malformed (a type not allowed, a length over the maximum); the frames
         *     before it have been passed on, and every later call throws too
         */
        public void feed(byte[] chunk, int off, int count, Consumer<Frame> frames) throws FrameException {
            if (broken != null) {
                throw new FrameException(broken);
            }
            if (len + count > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + count));
            }
            System.arraycopy(chunk, off, buf, len, count);
            len += count;
            int pos = 0;
            try {
                while (len - pos >= header) {
                    char type = 0;
                    if (allowedTypes != null) {
                        type = (char) (buf[pos] & 0xff);
                        if (allowedTypes.indexOf(type) < 0) {
                            throw fail("unexpected frame type 0x" + Integer.toHexString(type));
                        }
                    }
                    int at = pos + header - 4;
                    long size = ((buf[at] & 0xffL) << 24) | ((buf[at + 1] & 0xff) << 16)
                            | ((buf[at + 2] & 0xff) << 8) | (buf[at + 3] & 0xff);
                    if (size > maxPayload) {
                        throw fail("frame of " + size + " bytes is over the maximum of " + maxPayload);
                    }
                    if (len - pos - header < size) {
                        break;
                    }
                    byte[] payload = Arrays.copyOfRange(buf, pos + header, pos + header + (int) size);
                    pos += header + (int) size;
                    frames.accept(new Frame(type, payload));
                }
            } finally {
                if (broken == null) {
                    System.arraycopy(buf, pos, buf, 0, len - pos);
                    len -= pos;
                    if (buf.length > (1 << 20) && len < INITIAL) {
                        buf = Arrays.copyOf(buf, INITIAL); // a large frame went by: give its buffer back
                    }
                }
            }
        }

        /** Whether part of a frame is waiting for more bytes (a stream that ends now ends inside a frame). */
        public boolean hasPartialFrame() {
            return len > 0;
        }

        private FrameException fail(String why) {
            broken = why;
            len = 0;
            buf = new byte[0];
            return new FrameException(why);
        }
    }
}
