package dev.sandbox4j.core.support;

import dev.sandbox4j.text.Texts;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves caller-supplied file paths against a box's writable directories (the work directory and {@code /tmp}) and
 * refuses escapes. Used by every session implementation (the core's, the WebAssembly backend's). Not API.
 */
public final class BoxPaths {
    private BoxPaths() {}

    /**
     * Resolves {@code path} against {@code workdir}.
     *
     * @throws IllegalArgumentException if the path is empty, has {@code ..} segments, control characters, or lies
     *     outside {@code workdir} and {@code /tmp}
     */
    public static String resolve(String workdir, String path) {
        if (path.isEmpty() || path.isBlank()) {
            throw new IllegalArgumentException("file path must not be empty");
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80)
                        + "' must not contain control characters");
            }
        }
        if (path.length() > 1024) {
            throw new IllegalArgumentException("file path is longer than 1024 characters");
        }
        String full = path.startsWith("/") ? path : workdir + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : full.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80)
                        + "' must not contain '..' (path traversal)");
            }
            parts.addLast(seg);
        }
        String normalized = "/" + String.join("/", parts);
        if (!isUnder(normalized, workdir) && !isUnder(normalized, "/tmp")) {
            throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80) + "' is outside the box's "
                    + "writable directories (" + workdir + ", /tmp)");
        }
        if (normalized.equals(workdir) || normalized.equals("/tmp")) {
            throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80) + "' names a directory");
        }
        return normalized;
    }

    /** Like {@link #resolve}, but the work directory itself is allowed (whole-directory copies). */
    public static String resolveAllowingRoot(String workdir, String path) {
        if (path.isBlank()) {
            throw new IllegalArgumentException("file path must not be empty");
        }
        String full = path.startsWith("/") ? path : workdir + "/" + path;
        String trimmed = full.replaceAll("/+$", "");
        if (trimmed.equals(workdir) || trimmed.equals(workdir + "/.")) {
            return workdir;
        }
        return resolve(workdir, path);
    }

    /**
     * A working directory for a run: relative paths resolve against the work directory; any absolute path is allowed
     * (the program may read the image), but no {@code ..} segments or control characters.
     */
    public static String workdir(String workdir, String path) {
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new IllegalArgumentException("workdir '" + Texts.sanitize(path, 80)
                        + "' must not contain control characters");
            }
        }
        String full = path.startsWith("/") ? path : workdir + "/" + path;
        StringBuilder out = new StringBuilder();
        for (String seg : full.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                throw new IllegalArgumentException("workdir '" + Texts.sanitize(path, 80) + "' must not contain '..'");
            }
            out.append('/').append(seg);
        }
        return out.isEmpty() ? "/" : out.toString();
    }

    private static boolean isUnder(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }
}
