package dev.sandbox4j.core.support;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Collects at most {@code limit} bytes of one output stream; what comes after is counted and dropped. Thread-safe.
 * Not API: may change without notice.
 */
public final class BoundedBuffer {
    private final int limit;
    private byte[] data = new byte[256];
    private int size;
    private long dropped;

    public BoundedBuffer(long limit) {
        this.limit = (int) Math.min(limit, Integer.MAX_VALUE - 8);
    }

    /**
     * Appends what fits.
     *
     * @return the part of {@code chunk} that was kept (possibly empty), for forwarding to listeners
     */
    public synchronized byte[] append(byte[] chunk) {
        int keep = Math.min(chunk.length, limit - size);
        if (keep < chunk.length) {
            dropped += chunk.length - keep;
        }
        if (keep <= 0) {
            return new byte[0];
        }
        if (size + keep > data.length) {
            data = Arrays.copyOf(data, (int) Math.min((long) limit, Math.max((long) data.length * 2, size + keep)));
        }
        System.arraycopy(chunk, 0, data, size, keep);
        size += keep;
        return keep == chunk.length ? chunk : Arrays.copyOf(chunk, keep);
    }

    public synchronized boolean overflowed() {
        return dropped > 0;
    }

    public synchronized int size() {
        return size;
    }

    /** UTF-8 text; malformed sequences (binary output, a character cut by truncation) become U+FFFD. */
    public synchronized String text() {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return dec.decode(ByteBuffer.wrap(data, 0, size)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e); // cannot happen with REPLACE
        }
    }

    public synchronized byte[] bytes() {
        return Arrays.copyOf(data, size);
    }
}
