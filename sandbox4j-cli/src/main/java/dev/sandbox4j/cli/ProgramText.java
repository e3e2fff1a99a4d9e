package dev.sandbox4j.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Decodes a program file strictly as UTF-8. Programs travel as text (UTF-8) to the box; a file in another encoding
 * would otherwise reach it with its invalid bytes replaced, i.e. not the program the user wrote. So invalid UTF-8 is
 * refused with the position of the first bad byte and what to do, never repaired.
 */
final class ProgramText {
    /** PEP 263 coding cookie on one of the first two lines, e.g. {@code # -*- coding: latin-1 -*-}. */
    private static final Pattern COOKIE = Pattern.compile("^[ \\t\\f]*#.*?coding[:=][ \\t]*([-\\w.]+)");

    private ProgramText() {}

    /**
     * The text of {@code bytes}.
     *
     * @param source how to name the input in a message: {@code 'hello.py'} or {@code standard input}
     * @throws IllegalArgumentException if the bytes are not valid UTF-8
     */
    static String decode(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new IllegalArgumentException(message(bytes, in.position(), source));
        }
        return out.flip().toString();
    }

    private static String message(byte[] bytes, int offset, String source) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String where = String.format("byte 0x%02X at line %d, column %d", bytes[offset] & 0xff, line,
                offset - lineStart + 1);
        String cookie = cookie(bytes);
        String fix = cookie != null
                ? "it declares '" + cookie + "' in its coding line: convert it to UTF-8 (e.g. iconv -f " + cookie
                        + " -t UTF-8) and change that line to 'coding: utf-8'"
                : "convert it to UTF-8 (e.g. iconv -f latin1 -t UTF-8 if it is Latin-1)";
        return source + " is not valid UTF-8 (" + where + "). sandbox4j sends programs to the sandbox as UTF-8 text "
                + "and does not alter them: " + fix;
    }

    /** The encoding a Python coding cookie on the first two lines names, if any. */
    private static @Nullable String cookie(byte[] bytes) {
        String head = new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\n", 3);
        for (int i = 0; i < Math.min(2, lines.length); i++) {
            Matcher m = COOKIE.matcher(lines[i]);
            if (m.find() && !m.group(1).toLowerCase(java.util.Locale.ROOT).matches("utf-?8.*")) {
                return m.group(1);
            }
        }
        return null;
    }
}
