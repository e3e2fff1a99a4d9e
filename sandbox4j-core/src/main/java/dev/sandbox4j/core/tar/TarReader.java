package dev.sandbox4j.core.tar;

import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jspecify.annotations.Nullable;

/**
 * Pull-style streaming reader for tar archives from untrusted sources (ustar, pax, GNU), over Commons Compress's
 * {@link TarArchiveInputStream}.
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
 * <p>What this layer adds: entries are classified by their type flag (Commons Compress's {@code isFile()} is also true
 * for links and devices), header checksums are verified, the metadata read ahead of one entry (pax records, GNU long
 * names) is limited to 1 MiB per header and 32 headers, and a stream that ends inside a header or after a metadata
 * header is reported as truncated instead of as a clean end. Entry names are reported as stored, not validated.
 *
 * <p>The reader stops at the first block of the end-of-archive marker, so whatever follows the archive stays
 * unread. It does not buffer and never closes the stream; wrap it in a {@link java.io.BufferedInputStream} when
 * reading from an unbuffered source. Not thread-safe.
 */
public final class TarReader {
    private static final int BLOCK_SIZE = TarConstants.DEFAULT_RCDSIZE;
    /** Upper bound for one metadata header (pax records, GNU long name or link) ahead of an entry. */
    static final int MAX_METADATA_SIZE = 1 << 20;
    /** Upper bound for the metadata headers ahead of one entry (Commons Compress reads them recursively). */
    static final int MAX_METADATA_HEADERS = 32;
    /** GNU tar's "dumpdir" (a directory with a listing of its contents), a type Commons Compress has no name for. */
    private static final byte GNU_DUMPDIR = 'D';

    /**
     * One archive entry.
     *
     * @param name the entry name as stored (directories without the trailing {@code '/'}); not validated, may be
     *     absolute or contain {@code ".."}
     * @param type the kind of entry
     * @param size the number of content bytes {@link #content()} delivers
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

    private final CheckedTarStream tar;
    private int generation;
    private boolean done;
    private @Nullable Entry current;

    /** Creates a reader over {@code in}, which is not closed by the reader. */
    public TarReader(InputStream in) {
        this.tar = new CheckedTarStream(Objects.requireNonNull(in, "in"));
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
        Entry previous = current;
        current = null;
        generation++;
        TarArchiveEntry e;
        try {
            e = tar.getNextEntry();
        } catch (TarFormatException x) {
            done = true;
            throw x;
        } catch (IOException | RuntimeException x) {
            done = true;
            throw corrupt(x, previous);
        }
        if (e == null) {
            done = true;
            return null;
        }
        Entry entry = toEntry(e);
        current = entry;
        return entry;
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

    private static Entry toEntry(TarArchiveEntry e) {
        // By type flag: TarArchiveEntry.isFile() is also true for links, FIFOs and devices.
        byte flag = e.getLinkFlag();
        String name = e.getName();
        Entry.Type type = switch (flag) {
            case TarConstants.LF_NORMAL, TarConstants.LF_OLDNORM, TarConstants.LF_CONTIG -> Entry.Type.FILE;
            case TarConstants.LF_LINK -> Entry.Type.HARDLINK;
            case TarConstants.LF_SYMLINK -> Entry.Type.SYMLINK;
            case TarConstants.LF_DIR, GNU_DUMPDIR -> Entry.Type.DIRECTORY;
            default -> Entry.Type.OTHER;
        };
        if (type == Entry.Type.FILE && flag != TarConstants.LF_CONTIG && name.endsWith("/")) {
            type = Entry.Type.DIRECTORY; // pre-POSIX convention
        }
        if (type == Entry.Type.DIRECTORY) {
            while (name.length() > 1 && name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
        }
        String linkTarget = type == Entry.Type.SYMLINK || type == Entry.Type.HARDLINK ? e.getLinkName() : null;
        // getRealSize: what the content stream delivers (a sparse file's holes included), so limits see it all
        return new Entry(name, type, e.getRealSize(), e.getMode() & 07777, linkTarget,
                e.getLastModifiedTime().toMillis());
    }

    private IOException corrupt(Exception x, @Nullable Entry after) {
        String reason = x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage();
        if (x.getCause() != null && x.getCause().getMessage() != null) {
            reason += " (" + x.getCause().getMessage() + ")";
        }
        return new IOException("Corrupt or truncated tar archive at byte " + tar.getBytesRead()
                + (after == null ? "" : ", after the entry " + display(after.name())) + ": "
                + Texts.sanitize(reason, 300), x); // the reason may quote the archive's bytes
    }

    private static String display(String text) {
        return "'" + Texts.sanitize(text, 300) + "'";
    }

    /** An error our checks found (already worded for the caller). */
    private static final class TarFormatException extends IOException {
        TarFormatException(String message) {
            super(message);
        }
    }

    /**
     * Commons Compress's stream with our checks in its extension points. It reads 512-byte blocks (no
     * blocking-factor padding is consumed after the end marker) and decodes names as UTF-8.
     */
    private static final class CheckedTarStream extends TarArchiveInputStream {
        private int depth;
        private boolean endMarker;

        CheckedTarStream(InputStream in) {
            super(in, BLOCK_SIZE, BLOCK_SIZE, StandardCharsets.UTF_8.name(), false);
        }

        /** Called for each header; Commons Compress calls it again, recursively, for the entry after a metadata one. */
        @Override
        public @Nullable TarArchiveEntry getNextEntry() throws IOException {
            TarArchiveEntry before = getCurrentEntry();
            boolean afterMetadata = depth > 0 && before != null && isMetadata(before);
            if (afterMetadata && !before.isCheckSumOK()) {
                throw badChecksum();
            }
            if (++depth > MAX_METADATA_HEADERS) {
                throw new TarFormatException("Corrupt tar archive: more than " + MAX_METADATA_HEADERS
                        + " extended headers in a row at byte " + getBytesRead());
            }
            try {
                TarArchiveEntry entry = super.getNextEntry();
                if (entry == null && afterMetadata) {
                    throw new TarFormatException("Truncated tar archive: extended header without an entry at byte "
                            + getBytesRead());
                }
                if (entry != null && !entry.isCheckSumOK()) {
                    throw badChecksum();
                }
                return entry;
            } finally {
                depth--;
            }
        }

        /** Metadata is read through here: its size is checked before anything is buffered. */
        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            TarArchiveEntry entry = getCurrentEntry();
            if (entry != null && isMetadata(entry) && entry.getSize() > MAX_METADATA_SIZE) {
                throw new TarFormatException("Tar extended header before byte " + getBytesRead() + " is too large ("
                        + entry.getSize() + " bytes, the limit is " + MAX_METADATA_SIZE + ")");
            }
            return super.read(buffer, offset, length);
        }

        /**
         * Reads one header block. A block cut short by the end of the stream is an error (Commons Compress would take
         * it for the end of the archive); after the first zero block nothing more is read (Commons Compress would
         * read on, looking for the second zero block and, with marks, beyond).
         */
        @Override
        protected byte @Nullable [] readRecord() throws IOException {
            if (endMarker) {
                return new byte[BLOCK_SIZE];
            }
            long before = getBytesRead();
            byte[] record = super.readRecord();
            if (record == null && getBytesRead() != before) {
                throw new TarFormatException("Truncated tar archive: unexpected end of stream in a header at byte "
                        + getBytesRead());
            }
            return record;
        }

        @Override
        protected boolean isEOFRecord(byte @Nullable [] record) {
            boolean eof = super.isEOFRecord(record);
            if (eof && record != null) {
                endMarker = true;
            }
            return eof;
        }

        private TarFormatException badChecksum() {
            return new TarFormatException("Bad tar header checksum before byte " + getBytesRead()
                    + " (corrupt archive, or not a tar archive)");
        }

        private static boolean isMetadata(TarArchiveEntry e) {
            return e.isPaxHeader() || e.isGlobalPaxHeader() || e.isGNULongNameEntry() || e.isGNULongLinkEntry();
        }
    }

    /** Content of one entry, valid while it is the reader's current entry. */
    private final class ContentStream extends InputStream {
        private final Entry entry;
        private final int entryGeneration;
        private final byte[] one = new byte[1];

        ContentStream(Entry entry, int entryGeneration) {
            this.entry = entry;
            this.entryGeneration = entryGeneration;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int start, int length) throws IOException {
            Objects.checkFromIndexSize(start, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            if (entryGeneration != generation) {
                return -1;
            }
            try {
                return tar.read(buffer, start, length);
            } catch (IOException e) {
                throw new IOException("Cannot read the content of " + display(entry.name()) + " at byte "
                        + tar.getBytesRead() + ": " + Texts.sanitize(String.valueOf(e.getMessage()), 300), e);
            }
        }

        @Override
        public int available() throws IOException {
            return entryGeneration != generation ? 0 : tar.available();
        }

        @Override
        public void close() {
            // The underlying stream belongs to the caller; unread content is skipped by next().
        }
    }
}
