package dev.sandbox4j.core.tar;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.sandbox4j.internal.Texts;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Streaming writer for POSIX tar archives (ustar headers, with pax extended headers where ustar is not enough), as
 * read by GNU tar's {@code tar -x}.
 *
 * <p>A pax extended header ({@code x}) carries the {@code path} of names that are not ASCII or do not fit the
 * ustar name and prefix fields, the {@code linkpath} of link targets that are not ASCII or longer than 100 bytes,
 * the {@code size} of files of 8 GiB and more and the {@code mtime} of times the ustar field cannot hold. Every
 * entry is owned by uid/gid 0 with empty user and group names.
 *
 * <p>Entry names must be relative, use {@code '/'} as separator and contain no empty, {@code "."} or {@code ".."}
 * segments and no NUL character. File contents are copied through a fixed buffer, never held in memory as a whole.
 * The writer never closes the underlying stream; {@link #finish()} (or {@link #close()}) writes the end-of-archive
 * marker and pads the archive to a whole 10240-byte record. Not thread-safe.
 */
public final class TarWriter implements Closeable {
    static final int BLOCK_SIZE = 512;
    static final int RECORD_SIZE = 20 * BLOCK_SIZE;

    /** The largest value of an 11-digit octal field (size, mtime): 8 GiB - 1. */
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final int NAME_LENGTH = 100;
    private static final int PREFIX_LENGTH = 155;
    private static final int COPY_BUFFER_SIZE = 64 * 1024;

    private static final byte TYPE_FILE = '0';
    private static final byte TYPE_SYMLINK = '2';
    private static final byte TYPE_DIRECTORY = '5';
    private static final byte TYPE_PAX = 'x';

    private final OutputStream out;
    private byte @Nullable [] copyBuffer;
    private long position;
    private boolean finished;
    private boolean broken;

    /** Creates a writer that appends entries to {@code out}. The stream is not closed by this writer. */
    public TarWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Archives {@code source} (a regular file, or a directory walked recursively) under the entry name {@code name}
     * and finishes the archive; {@code out} is not closed.
     *
     * <p>For a directory, the entries are {@code name/} followed by its contents, each directory's children sorted
     * by name. For a file, the single entry is {@code name}. Symbolic links are never followed: a relative link
     * whose target stays inside {@code source} is archived as a link, any other link (absolute, or escaping
     * {@code source}) fails the call, as do special files (FIFOs, sockets, devices) and {@code source} being a link
     * itself. The tree is scanned and checked before anything is written, so those failures leave {@code out}
     * untouched.
     *
     * @param source the file or directory to archive
     * @param name the entry name for {@code source}: relative, {@code '/'}-separated, without {@code "."} or
     *     {@code ".."} segments
     * @param out where the archive is written
     * @return the number of file content bytes written
     * @throws java.nio.file.NoSuchFileException if {@code source} does not exist
     * @throws IOException if {@code source} or something below it cannot be archived, or on an I/O error
     * @throws IllegalArgumentException if {@code name} is not a valid entry name
     */
    public static long writeTree(Path source, String name, OutputStream out) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(out, "out");
        String rootName = checkName(name, false);
        List<Item> items = new TreeScanner(source).scan(rootName);
        TarWriter writer = new TarWriter(out);
        long bytes = 0;
        for (Item item : items) {
            switch (item.kind()) {
                case DIRECTORY -> writer.directory(item.name(), item.mtimeMillis());
                case SYMLINK -> writer.symlink(item.name(), Objects.requireNonNull(item.linkTarget()),
                        item.mtimeMillis());
                case FILE -> {
                    try (InputStream in = Files.newInputStream(item.path(), LinkOption.NOFOLLOW_LINKS)) {
                        writer.file(item.name(), item.size(), in, item.mode(), item.mtimeMillis());
                    }
                    bytes += item.size();
                }
            }
        }
        writer.finish();
        return bytes;
    }

    /**
     * Writes a directory entry (mode 0755).
     *
     * @param name the directory name, with or without a trailing {@code '/'}
     * @param mtimeMillis the modification time, in milliseconds since the epoch
     * @throws IOException on an I/O error
     * @throws IllegalArgumentException if {@code name} is not a valid entry name
     */
    public void directory(String name, long mtimeMillis) throws IOException {
        String checked = checkName(name, true);
        writeEntryHeader(checked + "/", TYPE_DIRECTORY, 0755, 0, mtimeMillis, "");
    }

    /**
     * Writes a regular file entry, copying exactly {@code size} bytes from {@code content} (which is not closed).
     *
     * @param name the file name
     * @param size the number of content bytes
     * @param content the content; must provide at least {@code size} bytes
     * @param mode the permission bits (only {@code 07777} is kept), e.g. {@code 0644}
     * @param mtimeMillis the modification time, in milliseconds since the epoch
     * @throws IOException if {@code content} ends before {@code size} bytes, or on an I/O error; the archive is
     *     unusable afterwards
     * @throws IllegalArgumentException if {@code name} is not a valid entry name or {@code size} is negative
     */
    public void file(String name, long size, InputStream content, int mode, long mtimeMillis) throws IOException {
        String checked = checkName(name, false);
        if (size < 0) {
            throw new IllegalArgumentException("Negative size for " + display(name) + ": " + size);
        }
        Objects.requireNonNull(content, "content");
        writeEntryHeader(checked, TYPE_FILE, mode, size, mtimeMillis, "");
        copy(checked, size, content);
        writePadding(size);
    }

    /**
     * Writes a symbolic link entry. The target is stored as given; callers decide whether it is acceptable.
     *
     * @param name the link name
     * @param target the link target, not empty and without NUL
     * @param mtimeMillis the modification time, in milliseconds since the epoch
     * @throws IOException on an I/O error
     * @throws IllegalArgumentException if {@code name} or {@code target} is not valid
     */
    public void symlink(String name, String target, long mtimeMillis) throws IOException {
        String checked = checkName(name, false);
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Invalid link target for " + display(name) + ": "
                    + display(target));
        }
        writeEntryHeader(checked, TYPE_SYMLINK, 0777, 0, mtimeMillis, target);
    }

    /**
     * Writes the end-of-archive marker (two zero blocks) and pads the archive to a whole record, then flushes the
     * underlying stream. Does nothing if already finished.
     *
     * @throws IOException on an I/O error
     * @throws IllegalStateException if an earlier write failed and left a partial entry
     */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        if (broken) {
            throw new IllegalStateException("The archive is incomplete: an earlier write failed");
        }
        finished = true;
        long end = position + 2L * BLOCK_SIZE;
        long padded = (end + RECORD_SIZE - 1) / RECORD_SIZE * RECORD_SIZE;
        writeZeros(padded - position);
        out.flush();
    }

    /**
     * Same as {@link #finish()}; does not close the underlying stream. After a failed write this does nothing, so
     * that the receiver sees a truncated archive rather than a seemingly complete one.
     */
    @Override
    public void close() throws IOException {
        if (!broken) {
            finish();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Headers

    private void writeEntryHeader(String name, byte type, int mode, long size, long mtimeMillis, String linkTarget)
            throws IOException {
        if (finished) {
            throw new IllegalStateException("The archive is already finished");
        }
        if (broken) {
            throw new IllegalStateException("The archive is incomplete: an earlier write failed");
        }
        long mtime = Math.floorDiv(mtimeMillis, 1000L);
        Map<String, String> pax = new LinkedHashMap<>();
        String @Nullable [] split = isAscii(name) ? splitUstarName(name) : null;
        if (split == null) {
            pax.put("path", name);
        }
        if (!isAscii(linkTarget) || linkTarget.length() > NAME_LENGTH) {
            pax.put("linkpath", linkTarget);
        }
        if (size > MAX_OCTAL_11) {
            pax.put("size", Long.toString(size));
        }
        if (mtime < 0 || mtime > MAX_OCTAL_11) {
            pax.put("mtime", Long.toString(mtime));
        }
        long headerMtime = Math.max(0, Math.min(mtime, MAX_OCTAL_11));
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String paxName = truncate("PaxHeaders/" + asciiFallback(lastSegment(name)), NAME_LENGTH);
            writeHeader("", paxName, TYPE_PAX, 0644, records.length, headerMtime, "");
            write(records, 0, records.length);
            writePadding(records.length);
        }
        if (split == null) {
            String fallback = asciiFallback(name);
            split = splitUstarName(fallback);
            if (split == null) {
                split = new String[] {"", truncate(fallback, NAME_LENGTH)};
            }
        }
        String link = truncate(asciiFallback(linkTarget), NAME_LENGTH);
        writeHeader(split[0], split[1], type, mode & 07777, size, headerMtime, link);
    }

    /** Writes one ustar header block; all strings must be ASCII and fit their fields. */
    private void writeHeader(String prefix, String name, byte type, int mode, long size, long mtime, String link)
            throws IOException {
        byte[] h = new byte[BLOCK_SIZE];
        putString(h, 0, NAME_LENGTH, name);
        putOctal(h, 100, 8, mode);
        putOctal(h, 108, 8, 0); // uid
        putOctal(h, 116, 8, 0); // gid
        if (size <= MAX_OCTAL_11) {
            putOctal(h, 124, 12, size);
        } else {
            putBase256(h, 124, 12, size); // GNU extension; the pax "size" record is authoritative
        }
        putOctal(h, 136, 12, mtime);
        h[156] = type;
        putString(h, 157, NAME_LENGTH, link);
        putString(h, 257, 6, "ustar"); // magic "ustar\0"
        putString(h, 263, 2, "00"); // version
        // uname (265, 32) and gname (297, 32) stay empty
        putOctal(h, 329, 8, 0); // devmajor
        putOctal(h, 337, 8, 0); // devminor
        putString(h, 345, PREFIX_LENGTH, prefix);
        long sum = 0;
        for (int i = 0; i < BLOCK_SIZE; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        putOctal(h, 148, 7, sum); // six digits and a NUL ...
        h[155] = ' '; // ... then a space, as GNU tar does
        write(h, 0, BLOCK_SIZE);
    }

    /** Encodes pax records, each {@code "<length> <key>=<value>\n"} where the length counts itself. */
    static byte[] paxRecords(Map<String, String> records) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : records.entrySet()) {
            String body = " " + e.getKey() + "=" + e.getValue() + "\n";
            int bodyLength = body.getBytes(UTF_8).length;
            int length = bodyLength + Integer.toString(bodyLength).length();
            while (bodyLength + Integer.toString(length).length() != length) {
                length = bodyLength + Integer.toString(length).length();
            }
            sb.append(length).append(body);
        }
        return sb.toString().getBytes(UTF_8);
    }

    /**
     * Splits an ASCII name into ustar {@code {prefix, name}} fields, or returns null if it does not fit (name at
     * most 100 bytes, prefix at most 155 bytes, split at a {@code '/'} that is not the last character).
     */
    private static String @Nullable [] splitUstarName(String name) {
        int length = name.length();
        if (length <= NAME_LENGTH) {
            return new String[] {"", name};
        }
        for (int i = Math.min(PREFIX_LENGTH, length - 2); i >= length - NAME_LENGTH - 1; i--) {
            if (name.charAt(i) == '/') {
                return new String[] {name.substring(0, i), name.substring(i + 1)};
            }
        }
        return null;
    }

    private static void putString(byte[] h, int offset, int length, String value) {
        byte[] bytes = value.getBytes(UTF_8);
        System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
    }

    /** Writes {@code value} as zero-padded octal digits filling {@code length - 1} bytes, then a NUL. */
    private static void putOctal(byte[] h, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        int width = length - 1;
        if (digits.length() > width) {
            throw new IllegalArgumentException("Value " + value + " does not fit a " + length + "-byte tar field");
        }
        for (int i = 0; i < width; i++) {
            int d = i - (width - digits.length());
            h[offset + i] = (byte) (d < 0 ? '0' : digits.charAt(d));
        }
        h[offset + width] = 0;
    }

    /** Writes a non-negative {@code value} in GNU base-256 form: a 0x80 marker, then big-endian bytes. */
    private static void putBase256(byte[] h, int offset, int length, long value) {
        h[offset] = (byte) 0x80;
        long v = value;
        for (int i = offset + length - 1; i > offset; i--) {
            h[i] = (byte) v;
            v >>>= 8;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Output

    private void copy(String name, long size, InputStream content) throws IOException {
        byte[] buffer = copyBuffer;
        if (buffer == null) {
            buffer = new byte[COPY_BUFFER_SIZE];
            copyBuffer = buffer;
        }
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                broken = true;
                throw new IOException("Content of " + display(name) + " ended after " + (size - left) + " of "
                        + size + " bytes (did the file change while it was archived?)");
            }
            write(buffer, 0, n);
            left -= n;
        }
    }

    private void writePadding(long contentSize) throws IOException {
        int rest = (int) (contentSize % BLOCK_SIZE);
        if (rest != 0) {
            writeZeros(BLOCK_SIZE - rest);
        }
    }

    private void writeZeros(long count) throws IOException {
        byte[] zeros = new byte[(int) Math.min(count, RECORD_SIZE)];
        long left = count;
        while (left > 0) {
            int n = (int) Math.min(zeros.length, left);
            write(zeros, 0, n);
            left -= n;
        }
    }

    private void write(byte[] bytes, int offset, int length) throws IOException {
        try {
            out.write(bytes, offset, length);
        } catch (IOException e) {
            broken = true;
            throw e;
        }
        position += length;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Names

    /**
     * Checks an entry name and returns it without a trailing {@code '/'} (allowed for directories only).
     *
     * @throws IllegalArgumentException if the name is empty, absolute, contains NUL or an empty, {@code "."} or
     *     {@code ".."} segment
     */
    static String checkName(String name, boolean directory) {
        Objects.requireNonNull(name, "name");
        String n = directory && name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            throw new IllegalArgumentException("Empty tar entry name");
        }
        if (n.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Tar entry name contains NUL: " + display(name));
        }
        if (n.startsWith("/")) {
            throw new IllegalArgumentException("Tar entry name must be relative: " + display(name));
        }
        for (String segment : n.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(
                        "Tar entry name must not contain empty, '.' or '..' segments: " + display(name));
            }
        }
        return n;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Replaces non-ASCII characters with {@code '_'}, for the ustar fields of entries that carry a pax header. */
    private static String asciiFallback(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.append(c < 0x80 ? (char) c : '_'));
        return sb.toString();
    }

    private static String lastSegment(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return n.substring(n.lastIndexOf('/') + 1);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static String display(String text) {
        return "'" + Texts.sanitize(text, 300) + "'";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tree scanning

    private enum Kind { FILE, DIRECTORY, SYMLINK }

    /** One entry to write, found by {@link TreeScanner}. */
    private record Item(Path path, String name, Kind kind, long size, int mode, long mtimeMillis,
            @Nullable String linkTarget) {}

    /** Walks a source tree without following links, checking everything before anything is written. */
    private static final class TreeScanner {
        private final Path source;
        private final Path root;
        private final boolean posix;
        private @Nullable Path realRoot;

        TreeScanner(Path source) {
            this.source = source;
            this.root = source.toAbsolutePath().normalize();
            this.posix = root.getFileSystem().supportedFileAttributeViews().contains("posix");
        }

        List<Item> scan(String rootName) throws IOException {
            BasicFileAttributes attrs = attributes(root);
            if (attrs.isSymbolicLink()) {
                throw new IOException("Cannot copy " + source + ": it is a symbolic link, and links are not"
                        + " followed; copy the file or directory it points to instead");
            }
            List<Item> items = new ArrayList<>();
            if (attrs.isDirectory()) {
                items.add(item(root, rootName, Kind.DIRECTORY, attrs, null));
                scanDirectory(root, rootName, items);
            } else if (attrs.isRegularFile()) {
                items.add(item(root, rootName, Kind.FILE, attrs, null));
            } else {
                throw special(root);
            }
            return items;
        }

        private void scanDirectory(Path dir, String dirName, List<Item> items) throws IOException {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                stream.forEach(children::add);
            }
            children.sort(Comparator.comparing(p -> String.valueOf(p.getFileName())));
            for (Path child : children) {
                String name = dirName + "/" + child.getFileName();
                BasicFileAttributes attrs = attributes(child);
                if (attrs.isSymbolicLink()) {
                    items.add(item(child, name, Kind.SYMLINK, attrs, checkedLinkTarget(child)));
                } else if (attrs.isDirectory()) {
                    items.add(item(child, name, Kind.DIRECTORY, attrs, null));
                    scanDirectory(child, name, items);
                } else if (attrs.isRegularFile()) {
                    items.add(item(child, name, Kind.FILE, attrs, null));
                } else {
                    throw special(child);
                }
            }
        }

        /** Returns the target of a link inside the tree, or fails if it is absolute or leads outside the tree. */
        private String checkedLinkTarget(Path link) throws IOException {
            Path target = Files.readSymbolicLink(link);
            Path parent = Objects.requireNonNull(link.getParent());
            boolean inside = !target.isAbsolute() && parent.resolve(target).normalize().startsWith(root);
            if (inside && Files.exists(link)) {
                // The lexical check misses links combined with "..", e.g. "a -> ." and "b -> a/..": check for real.
                inside = link.toRealPath().startsWith(realRoot());
            }
            if (!inside) {
                throw new IOException("Symbolic link " + relative(link) + " points outside the copied directory ("
                        + target + "); only relative links that stay inside " + source + " can be copied");
            }
            String text = target.toString();
            return File.separatorChar == '/' ? text : text.replace(File.separatorChar, '/');
        }

        private Path realRoot() throws IOException {
            Path real = realRoot;
            if (real == null) {
                real = root.toRealPath();
                realRoot = real;
            }
            return real;
        }

        private IOException special(Path path) {
            return new IOException("Cannot copy " + (path.equals(root) ? source.toString() : relative(path))
                    + ": it is a special file (FIFO, socket or device), not a regular file, directory or link");
        }

        private String relative(Path path) {
            String text = root.relativize(path).toString();
            return File.separatorChar == '/' ? text : text.replace(File.separatorChar, '/');
        }

        private BasicFileAttributes attributes(Path path) throws IOException {
            if (posix) {
                return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }

        private static Item item(Path path, String name, Kind kind, BasicFileAttributes attrs,
                @Nullable String linkTarget) {
            int mode = switch (kind) {
                case DIRECTORY -> 0755;
                case SYMLINK -> 0777;
                case FILE -> attrs instanceof PosixFileAttributes p
                        && p.permissions().contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644;
            };
            long size = kind == Kind.FILE ? attrs.size() : 0;
            return new Item(path, name, kind, size, mode, attrs.lastModifiedTime().toMillis(), linkTarget);
        }
    }
}
