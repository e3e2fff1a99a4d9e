package dev.sandbox4j.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes a byte stream that arrives in arbitrary chunks (a character may be split) onto a writer. */
final class Utf8Writer {
    private final PrintWriter out;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer carry = ByteBuffer.allocate(0);
    private char last = '\n';

    Utf8Writer(PrintWriter out) {
        this.out = out;
    }

    synchronized void write(byte[] chunk) {
        ByteBuffer in = ByteBuffer.allocate(carry.remaining() + chunk.length);
        in.put(carry).put(chunk).flip();
        CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, chars, false);
        chars.flip();
        remember(chars);
        out.append(chars);
        out.flush();
        carry = ByteBuffer.allocate(in.remaining()).put(in).flip();
    }

    synchronized void finish() {
        CharBuffer chars = CharBuffer.allocate(carry.remaining() + 4);
        decoder.decode(carry, chars, true);
        decoder.flush(chars);
        chars.flip();
        remember(chars);
        out.append(chars);
        out.flush();
    }

    /** Whether what was written so far ends in the middle of a line (a line of ours must then start afresh). */
    synchronized boolean endsInsideLine() {
        return last != '\n';
    }

    private void remember(CharBuffer chars) {
        if (chars.hasRemaining()) {
            last = chars.get(chars.limit() - 1);
        }
    }
}
