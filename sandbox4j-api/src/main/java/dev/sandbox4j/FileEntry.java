package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a directory in the box ({@link SandboxSession#listFiles}).
 *
 * @param name the entry's name in its directory
 * @param path its absolute path in the box
 * @param type what it is; a symbolic link is reported as one, never followed
 * @param size its size in bytes ({@code -1} if unknown)
 * @param modified when it was last modified, or {@code null} if unknown
 * @param linkTarget where a symbolic link points (as written in the link), else {@code null}
 * @since 0.2
 */
public record FileEntry(String name, String path, Type type, long size, @Nullable Instant modified,
        @Nullable String linkTarget) {
    public FileEntry {
        requireNonNull(name, "name");
        requireNonNull(path, "path");
        requireNonNull(type, "type");
    }

    /** What an entry is. */
    public enum Type {
        FILE,
        DIRECTORY,
        SYMLINK,
        /** A FIFO, socket or device. */
        OTHER;

        /** The snake_case name used on the wire: {@code file}, {@code directory}, {@code symlink}, {@code other}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
