package dev.sandbox4j.core.tar;

import dev.sandbox4j.text.Texts;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.sandbox4j.text.Texts;
import java.io.BufferedOutputStream;
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
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jspecify.annotations.Nullable;

/**
 * Streaming writer for POSIX tar archives, as read by GNU tar's {@code tar -x}, over Commons Compress's
 * {@link TarArchiveOutputStream} (pax extended headers for long and non-ASCII names and link targets, sizes of 8 GiB
 * and more and times the ustar fields cannot hold).
 *
 * <p>What this layer adds: entry names must be relative, use {@code '/'} as separator and contain no empty,
 * {@code "."} or {@code ".."} segments and no NUL character; every entry is owned by uid/gid 0 with empty user and
 * group names (the host's user name never goes into the box) and carries whole seconds; {@link #writeTree} checks a
 * host tree before writing anything (links stay inside it, no special files); a file whose content ends early fails
 * the archive, which then never gets an end marker. File contents are copied through a fixed buffer, never held in
 * memory as a whole, and reach {@code out} in writes of 64 KiB. The writer never closes the underlying stream; {@link #finish()} (or {@link #close()}) writes
 * the end-of-archive marker and pads the archive to a whole 10240-byte record. Not thread-safe.
 */
public final class TarWriter implements Closeable {
    /** GNU tar's default blocking factor: 20 blocks of 512 bytes. */
    static final int RECORD_SIZE = 20 * TarConstants.DEFAULT_RCDSIZE;
    private static final int COPY_BUFFER_SIZE = 64 * 1024;

    private final BufferedOutputStream out;
    private final TarArchiveOutputStream tar;
    private byte @Nullable [] copyBuffer;
    private boolean finished;
    private boolean broken;

    /** Creates a writer that appends entries to {@code out}. The stream is not closed by this writer. */
    public TarWriter(OutputStream out) {
        // Commons Compress writes block by block (512 bytes): gather them, for pipes that take each write as a chunk
        this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), COPY_BUFFER_SIZE);
        this.tar = new TarArchiveOutputStream(this.out, RECORD_SIZE, UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
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
        put(entry(checked + "/", TarConstants.LF_DIR, 0755, mtimeMillis));
        closeEntry();
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
        TarArchiveEntry entry = entry(checked, TarConstants.LF_NORMAL, mode, mtimeMillis);
        entry.setSize(size);
        put(entry);
        copy(checked, size, content);
        closeEntry();
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
        TarArchiveEntry entry = entry(checked, TarConstants.LF_SYMLINK, 0777, mtimeMillis);
        entry.setLinkName(target);
        put(entry);
        closeEntry();
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
        checkUsable();
        finished = true;
        try {
            tar.finish();
            out.flush();
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
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
    // Entries

    /** An entry owned by uid/gid 0 with empty user and group names, with the time in whole seconds. */
    private static TarArchiveEntry entry(String name, byte type, int mode, long mtimeMillis) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setMode(mode & 07777);
        entry.setIds(0, 0);
        entry.setNames("", "");
        // Whole seconds: a fraction would cost a pax header per entry.
        entry.setLastModifiedTime(FileTime.from(Math.floorDiv(mtimeMillis, 1000L), TimeUnit.SECONDS));
        return entry;
    }

    private void put(TarArchiveEntry entry) throws IOException {
        checkUsable();
        try {
            tar.putArchiveEntry(entry);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    private void closeEntry() throws IOException {
        try {
            tar.closeArchiveEntry();
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    private void checkUsable() {
        if (finished) {
            throw new IllegalStateException("The archive is already finished");
        }
        if (broken) {
            throw new IllegalStateException("The archive is incomplete: an earlier write failed");
        }
    }

    private void copy(String name, long size, InputStream content) throws IOException {
        byte[] buffer = copyBuffer;
        if (buffer == null) {
            buffer = new byte[COPY_BUFFER_SIZE];
            copyBuffer = buffer;
        }
        long left = size;
        try {
            while (left > 0) {
                int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("Content of " + display(name) + " ended after " + (size - left) + " of "
                            + size + " bytes (did the file change while it was archived?)");
                }
                tar.write(buffer, 0, n);
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
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
