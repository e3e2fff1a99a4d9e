package dev.sandbox4j.wasm;

import dev.sandbox4j.internal.Texts;
import java.util.ArrayDeque;
import java.util.Deque;

/** Resolves caller-supplied paths in the interpreter's in-memory filesystem and refuses escapes. */
final class WasmPaths {
    static final String TMP = "/tmp";

    private WasmPaths() {}

    /**
     * Resolves {@code path} against {@code workdir}; the result lies under {@code workdir} or {@code /tmp}.
     *
     * @throws IllegalArgumentException if the path is empty, has {@code ..} segments or control characters, names one
     *     of those directories itself, or lies outside them
     */
    static String resolve(String workdir, String path) {
        String normalized = normalize(workdir, path, "file path");
        if (!isUnder(normalized, workdir) && !isUnder(normalized, TMP)) {
            throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80) + "' is outside the "
                    + "sandbox's writable directories (" + workdir + ", " + TMP + ")");
        }
        if (normalized.equals(workdir) || normalized.equals(TMP)) {
            throw new IllegalArgumentException("file path '" + Texts.sanitize(path, 80) + "' names a directory");
        }
        return normalized;
    }

    /** A run's working directory: relative to {@code workdir}, or absolute; no {@code ..} segments. */
    static String workdir(String workdir, String path) {
        return normalize(workdir, path, "workdir");
    }

    private static String normalize(String workdir, String path, String what) {
        if (path.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (path.length() > 1024) {
            throw new IllegalArgumentException(what + " is longer than 1024 characters");
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new IllegalArgumentException(what + " '" + Texts.sanitize(path, 80)
                        + "' must not contain control characters");
            }
        }
        String full = path.startsWith("/") ? path : workdir + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : full.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                throw new IllegalArgumentException(what + " '" + Texts.sanitize(path, 80)
                        + "' must not contain '..' (path traversal)");
            }
            parts.addLast(seg);
        }
        return "/" + String.join("/", parts);
    }

    private static boolean isUnder(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }
}
