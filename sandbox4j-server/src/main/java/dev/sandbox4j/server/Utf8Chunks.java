package dev.sandbox4j.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a byte stream that arrives in chunks into text without breaking multi-byte UTF-8 characters at chunk
 * boundaries: an incomplete sequence at the end of a chunk is held back until the next one. Not thread-safe.
 */
final class Utf8Chunks {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(4);

    /** The text of everything complete so far (malformed bytes become U+FFFD). */
    String feed(byte[] chunk) {
        byte[] all;
        if (pending.size() == 0) {
            all = chunk;
        } else {
            pending.writeBytes(chunk);
            all = pending.toByteArray();
            pending.reset();
        }
        int end = completeLength(all);
        if (end < all.length) {
            pending.write(all, end, all.length - end);
        }
        return new String(all, 0, end, StandardCharsets.UTF_8);
    }

    /** What is held back (an incomplete character at the very end becomes U+FFFD). */
    String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /** Length of the prefix of {@code b} that does not end inside a multi-byte sequence. */
    static int completeLength(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the lead byte of the last sequence
        for (int i = n - 1; i >= 0 && i >= n - 4; i--) {
            int x = b[i] & 0xff;
            if (x < 0x80) {
                return n; // ASCII: everything before is complete or malformed anyway
            }
            if (x >= 0xC0) { // a lead byte
                int need = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : 2;
                return n - i >= need ? n : i;
            }
            // a continuation byte: keep looking
        }
        return n;
    }
}
