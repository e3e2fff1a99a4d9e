package dev.sandbox4j.core;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.DataSize;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The output directory of one run as the resident runner reports it, in the same round trip as the run: its entries
 * ({@code A} frames: type, size, name), the content of the regular files among them ({@code C} frames) and an end
 * ({@code L}). The runner is protected, but the directory is the program's, so the report is checked like anything
 * else from the box: names must be relative and stay inside the directory, a file's content must be exactly the size
 * announced, and the limits ({@link EngineLimits#MAX_ARTIFACTS} files, {@link EngineLimits#MAX_ARTIFACT_BYTES}
 * bytes) are enforced here again. Links are never returned, as with the copy through an exec.
 *
 * <p>Fed on the runner's stream thread only; read through {@link #result()}.
 */
final class ArtifactCapture {
    /** What came back: the artifacts (sorted by name) and what was left out, with why. */
    record Result(List<Artifact> artifacts, List<String> dropped) {}

    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final List<Artifact> artifacts = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private long total;
    /** The file whose content arrives now, or null (content is then ignored). */
    private @Nullable String name;
    private long size;
    private @Nullable ByteArrayOutputStream content;

    /** The run options that ask the runner to empty {@code outputDir} before the run and report it after. */
    static String options(String outputDir) {
        return "capture=1\noutdir=" + outputDir + "\ncap_files=" + EngineLimits.MAX_ARTIFACTS + "\ncap_bytes="
                + EngineLimits.MAX_ARTIFACT_BYTES + "\n";
    }

    CompletableFuture<Result> result() {
        return result;
    }

    /** One frame of the report: true if it was one ({@code A}, {@code C} or {@code L}). */
    boolean frame(char type, byte[] payload) {
        switch (type) {
            case 'A' -> entry(payload);
            case 'C' -> chunk(payload);
            case 'L' -> {
                finishFile();
                artifacts.sort(java.util.Comparator.comparing(Artifact::name));
                result.complete(new Result(List.copyOf(artifacts), List.copyOf(dropped)));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The runner is gone before the end of the report. */
    void fail(String why) {
        result.completeExceptionally(new IllegalStateException(why));
    }

    private void entry(byte[] payload) {
        finishFile();
        String p = new String(payload, StandardCharsets.UTF_8);
        int a = p.indexOf(' ');
        int b = a < 0 ? -1 : p.indexOf(' ', a + 1);
        if (a != 1 || b < 0) {
            return; // not the runner's format
        }
        long n;
        try {
            n = Long.parseLong(p.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return;
        }
        String path = p.substring(b + 1);
        char kind = p.charAt(0);
        if (kind == 'm') {
            dropped.add("more entries than listed");
            return;
        }
        if (!validName(path) || !names.add(path)) {
            dropped.add("'" + dev.sandbox4j.text.Texts.sanitize(path, 80) + "' (not a valid name)");
            return;
        }
        switch (kind) {
            case 'f' -> {
                if (n < 0 || artifacts.size() >= EngineLimits.MAX_ARTIFACTS
                        || total + n > EngineLimits.MAX_ARTIFACT_BYTES) {
                    dropped.add(path + " (" + DataSize.ofBytes(Math.max(0, n)) + ")"); // its content is ignored
                } else {
                    name = path;
                    size = n;
                    content = new ByteArrayOutputStream((int) Math.min(n, 1 << 20));
                }
            }
            case 's' -> dropped.add(path + " (" + DataSize.ofBytes(Math.max(0, n)) + ")");
            case 'l' -> dropped.add(path + " (symbolic link)");
            case 'u' -> dropped.add(path + " (unreadable)");
            default -> { } // not a regular file, directory or link: never an artifact
        }
    }

    private void chunk(byte[] payload) {
        ByteArrayOutputStream c = content;
        if (c == null) {
            return;
        }
        if (c.size() + (long) payload.length > size) {
            dropped.add(name + " (larger than announced)");
            name = null;
            content = null;
            return;
        }
        c.write(payload, 0, payload.length);
    }

    private void finishFile() {
        ByteArrayOutputStream c = content;
        String n = name;
        name = null;
        content = null;
        if (c == null || n == null) {
            return;
        }
        if (c.size() != size) {
            dropped.add(n + " (changed while it was read)");
            return;
        }
        total += size;
        artifacts.add(Artifact.of(n, c.toByteArray()));
    }

    /** A relative {@code /}-separated path with no empty, {@code .} or {@code ..} segment and no NUL. */
    static boolean validName(String path) {
        if (path.isEmpty() || path.length() > 4096 || path.indexOf('\0') >= 0 || path.startsWith("/")) {
            return false;
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** The reports a runner owes, in the order it sends them (it handles one request at a time). */
    static final class Queue {
        private final ArrayDeque<ArtifactCapture> pending = new ArrayDeque<>();

        synchronized void add(ArtifactCapture c) {
            pending.addLast(c);
        }

        /** Routes a report frame to the oldest pending report; false if the frame is not part of a report. */
        boolean frame(char type, byte[] payload) {
            if (type != 'A' && type != 'C' && type != 'L') {
                return false;
            }
            ArtifactCapture c;
            synchronized (this) {
                c = type == 'L' ? pending.pollFirst() : pending.peekFirst();
            }
            if (c != null) {
                c.frame(type, payload);
            }
            return true;
        }

        /** Removes a report whose request could not be sent. */
        synchronized void remove(ArtifactCapture c) {
            pending.remove(c);
        }

        void failAll(String why) {
            List<ArtifactCapture> all;
            synchronized (this) {
                all = new ArrayList<>(pending);
                pending.clear();
            }
            all.forEach(c -> c.fail(why));
        }
    }
}
