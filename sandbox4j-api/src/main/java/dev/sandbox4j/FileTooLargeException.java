package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;

/**
 * A file in the box is larger than a read allowed ({@link SandboxSession#getFile(String, DataSize)}); nothing of it
 * was returned. An {@link IllegalArgumentException}, as {@link SandboxSession#getFile(String)} has always reported a
 * file too large to read.
 *
 * @since 0.2
 */
public final class FileTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final long size;
    private final DataSize limit;

    /**
     * @param path the file's path in the box
     * @param size its size in bytes, or {@code -1} if it is not known (only that it is over the limit)
     * @param limit the most that could be read
     */
    public FileTooLargeException(String path, long size, DataSize limit) {
        super(message(path, size, limit));
        this.path = requireNonNull(path, "path");
        this.size = size < 0 ? -1 : size;
        this.limit = limit;
    }

    private static String message(String path, long size, DataSize limit) {
        requireNonNull(limit, "limit");
        return size < 0
                ? "file '" + path + "' is larger than " + limit
                : "file '" + path + "' is " + size + " bytes, larger than " + limit;
    }

    /** The file's path in the box (resolved against the work directory). */
    public String path() {
        return path;
    }

    /** The file's size in bytes, if it is known; otherwise only that it is larger than {@link #limit()}. */
    public OptionalLong size() {
        return size < 0 ? OptionalLong.empty() : OptionalLong.of(size);
    }

    /** The most that could be read. */
    public DataSize limit() {
        return limit;
    }
}
