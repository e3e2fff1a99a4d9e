package dev.sandbox4j.wasm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The framing between the JVM and the driver: {@code [type: 1 byte][length: 4 bytes, big-endian][payload]}, the same in
 * both directions. Lengths are checked against a maximum before anything is allocated: the driver runs untrusted
 * code, which can write to the channel.
 */
final class Frames {
    static final int HEADER_LENGTH = 5;

    private Frames() {}

    /** One frame. */
    record Frame(char type, byte[] payload) {}

    /** The peer sent something that is not a well-formed frame. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }

        ProtocolException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Encodes one frame. */
    static byte[] encode(char type, byte[] payload) {
        if (type > 0x7f) {
            throw new IllegalArgumentException("frame type must be ASCII but was " + (int) type);
        }
        byte[] frame = new byte[HEADER_LENGTH + payload.length];
        frame[0] = (byte) type;
        frame[1] = (byte) (payload.length >>> 24);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) (payload.length >>> 8);
        frame[4] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, HEADER_LENGTH, payload.length);
        return frame;
    }

    /** Writes one frame (not flushed). */
    static void write(OutputStream out, char type, byte[] payload) throws IOException {
        out.write(encode(type, payload));
    }

    /**
     * Reads one frame.
     *
     * @param allowedTypes the frame types the peer may send
     * @param maxLength the largest payload accepted
     * @return the frame, or {@code null} if the stream ended cleanly before a frame began
     * @throws ProtocolException if the type is not allowed, the length is over {@code maxLength}, or the stream ends
     *     inside a frame
     */
    static @Nullable Frame read(InputStream in, String allowedTypes, int maxLength) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        char type = (char) first;
        if (allowedTypes.indexOf(type) < 0) {
            throw new ProtocolException("unexpected frame type 0x" + Integer.toHexString(first));
        }
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new ProtocolException("stream ended inside a frame header");
        }
        long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
                | (header[3] & 0xff);
        if (length > maxLength) {
            throw new ProtocolException("frame of " + length + " bytes is over the maximum of " + maxLength);
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new ProtocolException("stream ended inside a frame",
                    new EOFException(payload.length + " of " + length + " bytes"));
        }
        return new Frame(type, payload);
    }
}
