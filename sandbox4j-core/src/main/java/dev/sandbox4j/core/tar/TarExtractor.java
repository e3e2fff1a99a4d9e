package dev.sandbox4j.core.tar;

import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Extracts an untrusted tar archive (typically produced inside a box) into a host directory, without letting it
 * write anywhere else.
 *
 * <ul>
 *   <li>Entry names that are empty, absolute, contain NUL or a {@code ".."} segment are refused; {@code "."} and
 *       empty segments are ignored, so {@code ./a//b} is {@code a/b}. Every resolved path must stay under the
 *       destination. (Names from pax headers and GNU long names arrive without their leading {@code '/'}: Commons
 *       Compress strips it, so they land under the destination.)
 *   <li>No entry is written through a symbolic link: an existing link among the parents of an entry fails the
 *       extraction, and an existing link (or file) at an entry's own path is replaced, never followed.
 *   <li>Symbolic links, hard links and special files (devices, FIFOs) are never created: they are skipped and
 *       reported in {@link Result#skipped()}.
 *   <li>The total content size and the number of entries are limited.
 * </ul>
 *
 * <p>Files get their modification time and, if the archived mode has it, the owner-executable bit; other
 * permissions follow the host's defaults. On failure, what was extracted so far stays in place.
 */
public final class TarExtractor {
    private static final int COPY_BUFFER_SIZE = 64 * 1024;
    private static final int DISPLAY_LENGTH = 300;

    private TarExtractor() {}

    /**
     * What an extraction produced.
     *
     * @param files the number of regular files written
     * @param directories the number of directory entries extracted (the destination itself not counted)
     * @param bytes the number of file content bytes written
     * @param skipped one line per entry that was not extracted (links, special files), e.g.
     *     {@code "data/link -> /etc/passwd (symlink not copied)"}; names are sanitized for display
     */
    public record Result(int files, int directories, long bytes, List<String> skipped) {
        /** Copies {@code skipped}. */
        public Result {
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * Extracts the archive read from {@code in} into {@code dest}. Reading stops at the end-of-archive marker;
     * {@code in} is not closed.
     *
     * @param in the archive
     * @param dest the destination directory, created if missing; must not be a symbolic link
     * @param maxBytes the limit for the sum of all entries' content sizes
     * @param maxEntries the limit for the number of entries
     * @return what was extracted and skipped
     * @throws IOException if an entry is unsafe (its message names it), a limit is exceeded, the archive is corrupt,
     *     or on an I/O error
     */
    public static Result extract(InputStream in, Path dest, long maxBytes, int maxEntries) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(dest, "dest");
        if (maxBytes < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("Limits must not be negative: " + maxBytes + " bytes, " + maxEntries
                    + " entries");
        }
        if (Files.isSymbolicLink(dest)) {
            throw new IOException("Destination " + dest + " is a symbolic link; extract into a real directory");
        }
        Files.createDirectories(dest);
        if (!Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("Destination " + dest + " is not a directory");
        }
        Extraction extraction = new Extraction(dest.toAbsolutePath().normalize(), maxBytes, maxEntries);
        TarReader reader = new TarReader(in);
        for (TarReader.Entry entry; (entry = reader.next()) != null; ) {
            extraction.accept(entry, reader);
        }
        extraction.applyDirectoryTimes();
        return extraction.result();
    }

    /** The state of one extraction. */
    private static final class Extraction {
        private final Path root;
        private final long maxBytes;
        private final int maxEntries;
        private final List<String> skipped = new ArrayList<>();
        private final List<DirectoryTime> directoryTimes = new ArrayList<>();
        private final byte[] buffer = new byte[COPY_BUFFER_SIZE];
        private int entries;
        private long declaredBytes;
        private int files;
        private int directories;
        private long bytes;

        Extraction(Path root, long maxBytes, int maxEntries) {
            this.root = root;
            this.maxBytes = maxBytes;
            this.maxEntries = maxEntries;
        }

        void accept(TarReader.Entry entry, TarReader reader) throws IOException {
            entries++;
            if (entries > maxEntries) {
                throw new IOException("The archive has more than " + maxEntries + " entries: it exceeds the limit of "
                        + maxEntries + " entries");
            }
            if (entry.size() > maxBytes - declaredBytes) {
                throw new IOException("The archive content (at entry " + display(entry.name())
                        + ") exceeds the limit of " + maxBytes + " bytes");
            }
            declaredBytes += entry.size();
            Path path = resolve(entry.name());
            switch (entry.type()) {
                case FILE -> writeFile(entry, path, reader);
                case DIRECTORY -> makeDirectory(entry, path);
                case SYMLINK -> skipped.add(plain(entry.name()) + " -> " + plain(entry.linkTarget())
                        + " (symlink not copied)");
                case HARDLINK -> skipped.add(plain(entry.name()) + " -> " + plain(entry.linkTarget())
                        + " (hard link not copied)");
                case OTHER -> skipped.add(plain(entry.name()) + " (special file not copied)");
            }
        }

        private void writeFile(TarReader.Entry entry, Path path, TarReader reader) throws IOException {
            if (path.equals(root)) {
                throw refuse(entry.name(), "it names the destination directory itself");
            }
            ensureParents(entry.name(), path);
            BasicFileAttributes existing = attributesOrNull(path);
            if (existing != null) {
                if (existing.isDirectory()) {
                    throw refuse(entry.name(), "a directory with that name exists");
                }
                Files.delete(path); // a file, or a symbolic link (the link itself is deleted, never its target)
            }
            long written = 0;
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                    InputStream content = reader.content()) {
                for (int n; (n = content.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    written += n;
                }
            }
            bytes += written;
            files++;
            if ((entry.mode() & 0100) != 0) {
                setOwnerExecutable(path);
            }
            setModifiedTime(path, entry.mtimeMillis());
        }

        private void makeDirectory(TarReader.Entry entry, Path path) throws IOException {
            if (path.equals(root)) {
                return; // "." or "./": the destination itself
            }
            ensureParents(entry.name(), path);
            BasicFileAttributes existing = attributesOrNull(path);
            if (existing == null || !existing.isDirectory()) {
                if (existing != null) {
                    Files.delete(path); // a file, or a symbolic link (never followed)
                }
                Files.createDirectory(path);
            }
            directories++;
            directoryTimes.add(new DirectoryTime(path, entry.mtimeMillis()));
        }

        /**
         * Resolves an entry name under the destination.
         *
         * @throws IOException if the name is empty, absolute, contains NUL or {@code ".."}, or resolves elsewhere
         */
        private Path resolve(String name) throws IOException {
            if (name.isEmpty()) {
                throw refuse(name, "the name is empty");
            }
            if (name.indexOf('\0') >= 0) {
                throw refuse(name, "the name contains a NUL character");
            }
            if (name.startsWith("/")) {
                throw refuse(name, "the name is absolute");
            }
            Path path = root;
            for (String segment : name.split("/")) {
                if (segment.equals("..")) {
                    throw refuse(name, "the name contains '..'");
                }
                if (segment.isEmpty() || segment.equals(".")) {
                    continue;
                }
                try {
                    path = path.resolve(segment);
                } catch (InvalidPathException e) {
                    throw refuse(name, "the name is not valid here (" + e.getReason() + ")");
                }
            }
            Path normalized = path.normalize();
            if (!normalized.startsWith(root)) {
                throw refuse(name, "it resolves outside the destination");
            }
            return normalized;
        }

        /** Creates the missing parents of {@code path}, refusing to go through symbolic links or files. */
        private void ensureParents(String name, Path path) throws IOException {
            Path parent = Objects.requireNonNull(path.getParent());
            Path current = root;
            for (Path part : root.relativize(parent)) {
                if (part.toString().isEmpty()) {
                    continue; // relativize(root) yields one empty name
                }
                current = current.resolve(part.toString());
                BasicFileAttributes attrs = attributesOrNull(current);
                if (attrs == null) {
                    Files.createDirectory(current);
                } else if (attrs.isSymbolicLink()) {
                    throw refuse(name, "it goes through the symbolic link " + display(relative(current))
                            + " in the destination");
                } else if (!attrs.isDirectory()) {
                    throw refuse(name, display(relative(current)) + " is not a directory");
                }
            }
        }

        void applyDirectoryTimes() {
            // Only now: creating entries in a directory changes its time. Children (later entries) first.
            for (int i = directoryTimes.size() - 1; i >= 0; i--) {
                DirectoryTime d = directoryTimes.get(i);
                setModifiedTime(d.path(), d.mtimeMillis());
            }
        }

        Result result() {
            return new Result(files, directories, bytes, skipped);
        }

        private String relative(Path path) {
            return root.relativize(path).toString();
        }

        private static IOException refuse(String name, String reason) {
            return new IOException("Refusing archive entry " + display(name) + ": " + reason);
        }
    }

    private record DirectoryTime(Path path, long mtimeMillis) {}

    private static @Nullable BasicFileAttributes attributesOrNull(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private static void setOwnerExecutable(Path path) {
        PosixFileAttributeView view =
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return; // not a POSIX file system
        }
        try {
            Set<PosixFilePermission> permissions = view.readAttributes().permissions();
            if (permissions.add(PosixFilePermission.OWNER_EXECUTE)) {
                view.setPermissions(permissions);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the content matters more than the mode
        }
    }

    private static void setModifiedTime(Path path, long mtimeMillis) {
        try {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.fromMillis(mtimeMillis), null, null);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    /** Quotes and sanitizes untrusted text for an exception message. */
    private static String display(String text) {
        return "'" + plain(text) + "'";
    }

    /** Sanitizes untrusted text (control characters replaced, length limited). */
    private static String plain(@Nullable String text) {
        return text == null ? "" : Texts.sanitize(text, DISPLAY_LENGTH);
    }
}
