package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.spi.BoxRuntime;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link BoxFiles} of a box of a {@link DirectBackend}: the same operations and checks, through the box's {@link
 * BoxRuntime} instead of scripts and tar streams. Paths are resolved here as in every box; the runtime refuses those
 * that lead through a link outside the work directory and /tmp.
 */
final class DirectFiles {
    private final SessionContext ctx;
    private final SessionBox box;
    private final DirectBackend backend;
    private final String home;

    DirectFiles(SessionContext ctx, SessionBox box, DirectBackend backend) {
        this.ctx = ctx;
        this.box = box;
        this.backend = backend;
        this.home = ctx.home();
    }

    private BoxRuntime runtime() {
        return backend.runtime(box.current());
    }

    void putFile(String path, byte[] content) {
        requireNonNull(path, "path");
        requireNonNull(content, "content");
        String target = BoxPaths.resolve(home, path);
        box.lock().lock();
        try {
            runtime().writeFile(target, content);
        } catch (IOException e) {
            throw translate(path, target, "write", e);
        } finally {
            box.lock().unlock();
        }
    }

    byte[] getFile(String path, DataSize max) {
        requireNonNull(path, "path");
        requireNonNull(max, "max");
        String target = BoxPaths.resolve(home, path);
        long limit = Math.min(max.bytes(), EngineLimits.MAX_FILE_READ);
        box.lock().lock();
        try {
            return runtime().readFile(target, limit);
        } catch (IOException e) {
            throw translate(path, target, "read", e);
        } finally {
            box.lock().unlock();
        }
    }

    List<FileEntry> listFiles(String path) {
        requireNonNull(path, "path");
        String dir = BoxPaths.resolveAllowingRoot(home, path);
        box.lock().lock();
        try {
            List<FileEntry> entries = new ArrayList<>(runtime().listFiles(dir));
            entries.sort(Comparator.comparing(FileEntry::name));
            return List.copyOf(entries);
        } catch (NotDirectoryException e) {
            throw new IllegalArgumentException("'" + Texts.sanitize(path, 120) + "' is not a directory");
        } catch (IOException e) {
            throw translate(path, dir, "list", e);
        } finally {
            box.lock().unlock();
        }
    }

    /** A regular file, or every regular file of a directory tree (links refused, all checked before any is copied). */
    void copyToRuntime(Path hostPath, String boxPath) {
        requireNonNull(hostPath, "hostPath");
        requireNonNull(boxPath, "boxPath");
        try {
            if (Files.isSymbolicLink(hostPath)) {
                throw new IOException("'" + hostPath + "' is a symbolic link; copy its target instead");
            }
            if (Files.isRegularFile(hostPath, LinkOption.NOFOLLOW_LINKS)) {
                putFile(boxPath, Files.readAllBytes(hostPath));
                return;
            }
            if (!Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(hostPath.toString(), null, "no such file on the host");
            }
            String base = BoxPaths.resolveAllowingRoot(home, boxPath);
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(hostPath)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isSymbolicLink(p)) {
                        throw new IOException("'" + p + "' is a symbolic link; the " + backend.name()
                                + " backend copies regular files only");
                    }
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        files.add(p);
                    }
                }
            }
            for (Path p : files) {
                putFile(base + "/" + hostPath.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One regular file; a directory is refused unless the backend copies trees. */
    CopyResult copyFromRuntime(String boxPath, Path hostPath) {
        requireNonNull(boxPath, "boxPath");
        requireNonNull(hostPath, "hostPath");
        String source = BoxPaths.resolveAllowingRoot(home, boxPath);
        byte[] content;
        try {
            content = getFile(boxPath, DataSize.ofBytes(EngineLimits.MAX_FILE_READ));
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException && isDirectory(source)) {
                throw Direct.refused(backend, DirectBackend.Feature.COPY_TREES,
                        "copying a directory out of the box");
            }
            throw e;
        }
        return dev.sandbox4j.core.support.HostFiles.writeFromBox(source, content, hostPath);
    }

    private boolean isDirectory(String path) {
        try {
            runtime().listFiles(path);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The regular files under the output directory (not links, not what lies beyond {@link EngineLimits#MAX_ARTIFACTS}
     * files or {@link EngineLimits#MAX_ARTIFACT_BYTES} bytes) as artifacts named by their relative path.
     */
    ExecutionResult collectArtifacts(ExecutionResult r, String outputDir) {
        List<Artifact> artifacts = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        box.lock().lock();
        try {
            BoxRuntime runtime = runtime();
            long[] total = {0};
            collect(runtime, outputDir, "", artifacts, dropped, total, 0);
        } catch (IOException | RuntimeException e) {
            dropped.add("all (" + e.getMessage() + ")");
        } finally {
            box.lock().unlock();
        }
        artifacts.sort(Comparator.comparing(Artifact::name));
        ExecutionResult out = r.withArtifacts(artifacts);
        if (!dropped.isEmpty()) {
            String note = "sandbox4j: artifacts not returned (limit " + EngineLimits.MAX_ARTIFACTS + " files, "
                    + DataSize.ofBytes(EngineLimits.MAX_ARTIFACT_BYTES) + "): " + String.join(", ", dropped) + "\n";
            out = new ExecutionResult(out.stdout(), out.stderr() + note, out.exitCode(), out.duration(), out.status(),
                    out.killReason(), out.stdoutTruncated(), out.stderrTruncated(), out.violations(),
                    out.redactions(), out.artifacts(), out.cell(), out.resourceUsage());
        }
        return out;
    }

    private void collect(BoxRuntime runtime, String dir, String prefix, List<Artifact> artifacts, List<String> dropped,
            long[] total, int depth) throws IOException {
        List<FileEntry> entries;
        try {
            entries = runtime.listFiles(dir);
        } catch (NoSuchFileException e) {
            return; // the program removed its output directory: nothing to collect
        }
        for (FileEntry e : entries.stream().sorted(Comparator.comparing(FileEntry::name)).toList()) {
            String name = prefix + e.name();
            switch (e.type()) {
                case DIRECTORY -> {
                    if (depth < 16) {
                        collect(runtime, dir + "/" + e.name(), name + "/", artifacts, dropped, total, depth + 1);
                    }
                }
                case FILE -> {
                    if (artifacts.size() >= EngineLimits.MAX_ARTIFACTS
                            || total[0] + e.size() > EngineLimits.MAX_ARTIFACT_BYTES) {
                        dropped.add(name + " (" + DataSize.ofBytes(Math.max(0, e.size())) + ")");
                        continue;
                    }
                    byte[] content = runtime.readFile(dir + "/" + e.name(), EngineLimits.MAX_ARTIFACT_BYTES - total[0]);
                    total[0] += content.length;
                    artifacts.add(Artifact.of(name, content));
                }
                case SYMLINK -> dropped.add(name + " (symbolic link)");
                default -> { }
            }
        }
    }

    private RuntimeException translate(String path, String target, String what, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new UncheckedIOException(new NoSuchFileException(target, null, "no such "
                    + (what.equals("list") ? "directory" : "regular file") + " in the box"));
        }
        if (e instanceof AccessDeniedException a) {
            return new IllegalArgumentException("file path '" + Texts.sanitize(path, 120) + "' resolves (through a "
                    + "symbolic link in the box) to '" + Texts.sanitize(String.valueOf(a.getOtherFile()), 120)
                    + "', outside the box's writable directories (" + home + ", /tmp)");
        }
        return new BackendException(ctx.backend().name(), "could not " + what + " '" + target + "' in the box: "
                + e.getMessage(), e);
    }
}
