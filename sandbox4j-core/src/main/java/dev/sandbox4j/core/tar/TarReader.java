package dev.sandbox4j.core.tar;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.sandbox4j.internal.Texts;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Pull-style streaming reader for tar archives: ustar (with the name prefix), pax extended headers ({@code x}:
 * {@code path}, {@code linkpath}, {@code size} and {@code mtime} are used, other records ignored; {@code g} global
 * headers are ignored), GNU long name and long link records ({@code L}, {@code K}), GNU base-256 numbers and octal
 * numbers padded with spaces or NULs.
 *
 * <pre>{@code
 * TarReader reader = new TarReader(in);
 * for (TarReader.Entry e; (e = reader.next()) != null; ) {
 *     if (e.type() == TarReader.Entry.Type.FILE) {
 *         consume(reader.content());
 *     }
 * }
 * }</pre>
 *
 * <p>The reader reads the underlying stream in 512-byte blocks and never beyond the first block of the
 * end-of-archive marker, so whatever follows the archive stays unread. It does not buffer and never closes the
 * stream; wrap it in a {@link java.io.BufferedInputStream} when reading from an unbuffered source. Not thread-safe.
 */
public final class TarReader {
    private static final int BLOCK_SIZE = 512;
    /** Upper bound for the metadata (pax, GNU long name) read ahead of one entry. */
    private static final int MAX_METADATA_SIZE = 1 << 20;
    private static final int SKIP_BUFFER_SIZE = 16 * 1024;

    /**
     * One archive entry.
     *
     * @param name the entry name as stored (directories without the trailing {@code '/'}); not validated, may be
     *     absolute or contain {@code ".."}
     * @param type the kind of entry
     * @param size the number of content bytes that follow the header
     * @param mode the permission bits ({@code 07777})
     * @param linkTarget the target of a symbolic or hard link, null for other types
     * @param mtimeMillis the modification time, in milliseconds since the epoch
     */
    public record Entry(String name, Type type, long size, int mode, @Nullable String linkTarget, long mtimeMillis) {
        /** The kind of an entry. */
        public enum Type {
            /** A regular file. */
            FILE,
            /** A directory. */
            DIRECTORY,
            /** A symbolic link; see {@link Entry#linkTarget()}. */
            SYMLINK,
            /** A hard link to an earlier entry; see {@link Entry#linkTarget()}. */
            HARDLINK,
            /** Anything else: devices, FIFOs, GNU volume labels and sparse files, unknown types. */
            OTHER
        }

        /** Checks that the non-null components are set. */
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK_SIZE];
    private byte @Nullable [] skipBuffer;
    private long offset;
    private long remaining;
    private int padding;
    private int generation;
    private boolean done;
    private @Nullable Entry current;

    /** Creates a reader over {@code in}, which is not closed by the reader. */
    public TarReader(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /**
     * Advances to the next entry, skipping any unread content of the current one.
     *
     * @return the next entry, or null at the end-of-archive marker or at a clean end of the stream (between
     *     entries)
     * @throws IOException if the stream is truncated, a header is corrupt (bad checksum, bad number), or on an I/O
     *     error
     */
    public @Nullable Entry next() throws IOException {
        if (done) {
            return null;
        }
        skipFully(remaining + padding, current);
        remaining = 0;
        padding = 0;
        current = null;
        generation++;

        @Nullable String paxPath = null;
        @Nullable String paxLinkPath = null;
        long paxSize = -1;
        @Nullable Long paxMtimeMillis = null;
        @Nullable String longName = null;
        @Nullable String longLink = null;
        long metadata = 0;
        while (true) {
            long headerOffset = offset;
            boolean pending = metadata > 0;
            if (!readHeader(pending)) {
                done = true;
                return null;
            }
            if (isZeroBlock()) {
                if (pending) {
                    throw new IOException("Corrupt tar archive: extended header without an entry at byte "
                            + headerOffset);
                }
                done = true;
                return null;
            }
            verifyChecksum(headerOffset);
            byte typeFlag = header[156];
            long size = parseNumber(124, 12, "size", headerOffset);
            if (typeFlag == 'x' || typeFlag == 'g' || typeFlag == 'L' || typeFlag == 'K') {
                metadata += size + 1;
                if (size > MAX_METADATA_SIZE || metadata > MAX_METADATA_SIZE) {
                    throw new IOException("Tar extended header at byte " + headerOffset + " is too large ("
                            + size + " bytes)");
                }
                byte[] data = readMetadata((int) size);
                switch (typeFlag) {
                    case 'x' -> {
                        PaxHeader pax = PaxHeader.parse(data, headerOffset);
                        paxPath = pax.path != null ? pax.path : paxPath;
                        paxLinkPath = pax.linkPath != null ? pax.linkPath : paxLinkPath;
                        paxSize = pax.size >= 0 ? pax.size : paxSize;
                        paxMtimeMillis = pax.mtimeMillis != null ? pax.mtimeMillis : paxMtimeMillis;
                    }
                    case 'L' -> longName = cString(data, 0, data.length);
                    case 'K' -> longLink = cString(data, 0, data.length);
                    default -> { } // 'g': global pax header, ignored
                }
                continue;
            }

            Entry.Type type = switch (typeFlag) {
                case '0', '\0', '7' -> Entry.Type.FILE;
                case '1' -> Entry.Type.HARDLINK;
                case '2' -> Entry.Type.SYMLINK;
                case '5', 'D' -> Entry.Type.DIRECTORY;
                default -> Entry.Type.OTHER;
            };
            String name;
            if (paxPath != null) {
                name = paxPath;
            } else if (longName != null) {
                name = longName;
            } else {
                name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                // Only POSIX ustar ("ustar\0") has a prefix field; old GNU headers ("ustar  ") use it for other data.
                if (isPosixUstar() && !prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            if (type == Entry.Type.FILE && typeFlag != '7' && name.endsWith("/")) {
                type = Entry.Type.DIRECTORY; // pre-POSIX convention
            }
            if (type == Entry.Type.DIRECTORY) {
                while (name.length() > 1 && name.endsWith("/")) {
                    name = name.substring(0, name.length() - 1);
                }
            }
            @Nullable String linkTarget = null;
            if (type == Entry.Type.SYMLINK || type == Entry.Type.HARDLINK) {
                linkTarget = paxLinkPath != null ? paxLinkPath : longLink != null ? longLink
                        : cString(header, 157, 100);
            }
            long entrySize = paxSize >= 0 ? paxSize : size;
            int mode = (int) (parseNumber(100, 8, "mode", headerOffset) & 07777);
            long mtimeMillis = paxMtimeMillis != null ? paxMtimeMillis
                    : saturatedMillis(parseNumber(136, 12, "mtime", headerOffset));

            Entry entry = new Entry(name, type, entrySize, mode, linkTarget, mtimeMillis);
            current = entry;
            remaining = entrySize;
            padding = (int) ((BLOCK_SIZE - entrySize % BLOCK_SIZE) % BLOCK_SIZE);
            return entry;
        }
    }

    /**
     * Returns the content of the current entry: a stream that ends after {@link Entry#size()} bytes (or at once
     * when the reader has moved on). Closing it does not close the underlying stream; unread bytes are skipped by
     * the next {@link #next()}.
     *
     * @throws IllegalStateException if there is no current entry
     */
    public InputStream content() {
        Entry entry = current;
        if (entry == null) {
            throw new IllegalStateException("No current tar entry");
        }
        return new ContentStream(entry, generation);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Blocks

    /** Reads one header block; returns false at a clean end of stream. */
    private boolean readHeader(boolean pending) throws IOException {
        int n = readUpTo(header, 0, BLOCK_SIZE);
        if (n == 0 && !pending) {
            return false;
        }
        if (n < BLOCK_SIZE) {
            throw truncated("in a header");
        }
        return true;
    }

    private byte[] readMetadata(int size) throws IOException {
        byte[] data = new byte[size];
        if (readUpTo(data, 0, size) < size) {
            throw truncated("in an extended header");
        }
        skipFully((BLOCK_SIZE - size % BLOCK_SIZE) % BLOCK_SIZE, null);
        return data;
    }

    /** Reads until {@code length} bytes or the end of the stream; returns the number of bytes read. */
    private int readUpTo(byte[] buffer, int start, int length) throws IOException {
        int total = 0;
        while (total < length) {
            int n = in.read(buffer, start + total, length - total);
            if (n < 0) {
                break;
            }
            total += n;
            offset += n;
        }
        return total;
    }

    private void skipFully(long count, @Nullable Entry entry) throws IOException {
        long left = count;
        while (left > 0) {
            byte[] buffer = skipBuffer;
            if (buffer == null) {
                buffer = new byte[SKIP_BUFFER_SIZE];
                skipBuffer = buffer;
            }
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw truncated(entry == null ? "in padding" : "in the content of " + display(entry.name()));
            }
            left -= n;
            offset += n;
        }
    }

    private IOException truncated(String where) {
        return new IOException("Truncated tar archive: unexpected end of stream " + where + " at byte " + offset);
    }

    private boolean isZeroBlock() {
        for (byte b : header) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean isPosixUstar() {
        return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fields

    private void verifyChecksum(long headerOffset) throws IOException {
        long stored = parseNumber(148, 8, "checksum", headerOffset);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK_SIZE; i++) {
            boolean inField = i >= 148 && i < 156;
            unsigned += inField ? ' ' : (header[i] & 0xff);
            signed += inField ? ' ' : header[i]; // some historic tars summed signed bytes
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("Bad tar header checksum at byte " + headerOffset
                    + " (corrupt archive, or not a tar archive)");
        }
    }

    /** Parses an octal field (leading and trailing spaces or NULs allowed) or a GNU base-256 field. */
    private long parseNumber(int start, int length, String field, long headerOffset) throws IOException {
        if ((header[start] & 0x80) != 0) {
            return parseBase256(start, length, field, headerOffset);
        }
        int i = start;
        int end = start + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            int digit = header[i] - '0';
            if (digit < 0 || digit > 7 || value > (Long.MAX_VALUE >> 3)) {
                throw badNumber(field, headerOffset);
            }
            value = (value << 3) | digit;
        }
        for (; i < end; i++) {
            if (header[i] != ' ' && header[i] != 0) {
                throw badNumber(field, headerOffset);
            }
        }
        return value;
    }

    private long parseBase256(int start, int length, String field, long headerOffset) throws IOException {
        if (header[start] != (byte) 0x80) {
            throw badNumber(field, headerOffset); // negative (0xff) or malformed: never valid here
        }
        long value = 0;
        for (int i = start + 1; i < start + length; i++) {
            if (value > (Long.MAX_VALUE >> 8)) {
                throw badNumber(field, headerOffset);
            }
            value = (value << 8) | (header[i] & 0xff);
        }
        return value;
    }

    private IOException badNumber(String field, long headerOffset) {
        return new IOException("Corrupt tar header at byte " + headerOffset + ": bad " + field + " field");
    }

    /** Decodes bytes up to the first NUL (or the end of the range) as UTF-8. */
    private static String cString(byte[] bytes, int start, int length) {
        int end = start;
        while (end < start + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, start, end - start, UTF_8);
    }

    private static long saturatedMillis(long seconds) {
        return seconds > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : seconds * 1000;
    }

    private static String display(String text) {
        return "'" + Texts.sanitize(text, 300) + "'";
    }

    /** The pax records this reader uses; absent values are null or -1. */
    private static final class PaxHeader {
        @Nullable String path;
        @Nullable String linkPath;
        long size = -1;
        @Nullable Long mtimeMillis;

        /** Parses records {@code "<length> <key>=<value>\n"}, where the length counts the whole record. */
        static PaxHeader parse(byte[] data, long headerOffset) throws IOException {
            PaxHeader pax = new PaxHeader();
            int pos = 0;
            while (pos < data.length) {
                if (data[pos] == 0) {
                    break; // trailing NUL padding written by some tools
                }
                int space = pos;
                int length = 0;
                while (space < data.length && data[space] >= '0' && data[space] <= '9' && length < MAX_METADATA_SIZE) {
                    length = length * 10 + (data[space] - '0');
                    space++;
                }
                int end = pos + length;
                if (space == pos || space >= data.length || data[space] != ' ' || end > data.length
                        || end <= space + 1 || data[end - 1] != '\n') {
                    throw new IOException("Corrupt pax extended header at byte " + headerOffset);
                }
                String record = new String(data, space + 1, end - space - 2, UTF_8);
                int eq = record.indexOf('=');
                if (eq <= 0) {
                    throw new IOException("Corrupt pax extended header at byte " + headerOffset);
                }
                String key = record.substring(0, eq);
                String value = record.substring(eq + 1);
                try {
                    switch (key) {
                        case "path" -> pax.path = value;
                        case "linkpath" -> pax.linkPath = value;
                        case "size" -> {
                            pax.size = Long.parseLong(value);
                            if (pax.size < 0) {
                                throw new NumberFormatException(value);
                            }
                        }
                        case "mtime" -> pax.mtimeMillis = new BigDecimal(value).movePointRight(3).longValue();
                        default -> { } // atime, ctime, uid, SCHILY.*, GNU.* ...: not needed
                    }
                } catch (NumberFormatException e) {
                    throw new IOException("Corrupt pax extended header at byte " + headerOffset + ": bad " + key
                            + " value", e);
                }
                pos = end;
            }
            return pax;
        }
    }

    /** Content of one entry, valid while it is the reader's current entry. */
    private final class ContentStream extends InputStream {
        private final Entry entry;
        private final int entryGeneration;

        ContentStream(Entry entry, int entryGeneration) {
            this.entry = entry;
            this.entryGeneration = entryGeneration;
        }

        private boolean exhausted() {
            return entryGeneration != generation || remaining == 0;
        }

        @Override
        public int read() throws IOException {
            if (exhausted()) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw truncated("in the content of " + display(entry.name()));
            }
            remaining--;
            offset++;
            return b;
        }

        @Override
        public int read(byte[] buffer, int start, int length) throws IOException {
            Objects.checkFromIndexSize(start, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            if (exhausted()) {
                return -1;
            }
            int n = in.read(buffer, start, (int) Math.min(length, remaining));
            if (n < 0) {
                throw truncated("in the content of " + display(entry.name()));
            }
            remaining -= n;
            offset += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return exhausted() ? 0 : (int) Math.min(remaining, in.available());
        }

        @Override
        public void close() {
            // The underlying stream belongs to the caller; unread content is skipped by next().
        }
    }
}
