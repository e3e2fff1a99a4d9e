package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.core.support.BoxPaths;
import dev.sandbox4j.core.tar.TarExtractor;
import dev.sandbox4j.core.tar.TarReader;
import dev.sandbox4j.core.tar.TarWriter;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.text.Texts;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's files: single files in and out ({@code putFile}/{@code getFile}), trees in and out as tar streams
 * ({@code copyToRuntime}/{@code copyFromRuntime}), directory listings, the artifacts a run left in its output
 * directory, and a committed image's saved work directory. Every path is resolved in the box and refused when it
 * leads (through a symbolic link the box made) outside the work directory and /tmp.
 */
final class BoxFiles {
    private static final Logger log = LoggerFactory.getLogger(BoxFiles.class);

    private final SessionContext ctx;
    private final SessionBox box;
    private final String home;
    /** The same operations through the runtime of a direct backend's box, or null in a container. */
    private final @org.jspecify.annotations.Nullable DirectFiles direct;

    BoxFiles(SessionContext ctx, SessionBox box) {
        this.ctx = ctx;
        this.box = box;
        this.home = ctx.home();
        this.direct = ctx.direct() == null ? null : new DirectFiles(ctx, box, ctx.direct());
    }

    void putFile(String path, byte[] content) {
        requireNonNull(path, "path");
        requireNonNull(content, "content");
        if (direct != null) {
            direct.putFile(path, content);
            return;
        }
        String target = BoxPaths.resolve(home, path);
        SessionBox.Capture r = box.capture(BoxScripts.sh(BoxScripts.WRITE, "write", target,
                Long.toString(content.length), home), content, DataSize.ofKilobytes(64));
        if (r.exitCode() == 5) {
            throw outsideTheBox(path, r.stderr());
        }
        if (r.exitCode() != 0) {
            throw new BackendException(ctx.backend().name(), "could not write '" + target + "' in the box: "
                    + (r.stderr().isBlank() ? "exit code " + r.exitCode() : r.stderr().strip()), null);
        }
    }

    private IllegalArgumentException outsideTheBox(String path, String stderr) {
        String to = stderr.strip().startsWith("resolves to ") ? stderr.strip().substring("resolves to ".length())
                : "?";
        return new IllegalArgumentException("file path '" + Texts.sanitize(path, 120) + "' resolves (through a "
                + "symbolic link in the box) to '" + Texts.sanitize(to, 120) + "', outside the box's writable "
                + "directories (" + home + ", /tmp)");
    }

    byte[] getFile(String path) {
        return getFile(path, DataSize.ofBytes(EngineLimits.MAX_FILE_READ));
    }

    byte[] getFile(String path, DataSize max) {
        requireNonNull(path, "path");
        requireNonNull(max, "max");
        if (direct != null) {
            return direct.getFile(path, max);
        }
        String target = BoxPaths.resolve(home, path);
        DataSize limit = max.bytes() > EngineLimits.MAX_FILE_READ ? DataSize.ofBytes(EngineLimits.MAX_FILE_READ) : max;
        SessionBox.Capture c = box.capture(BoxScripts.sh(BoxScripts.READ, "read", target,
                Long.toString(limit.bytes()), Long.toString(limit.bytes() + 1), home), new byte[0], limit);
        if (c.exitCode() == 5) {
            throw outsideTheBox(path, c.stderr());
        }
        if (c.exitCode() == 3 && c.stderr().contains("no such file")) {
            throw new UncheckedIOException(new NoSuchFileException(target, null, "no such regular file in the box"));
        }
        if (c.exitCode() == 4 && c.stderr().startsWith("size ")) {
            long size;
            try {
                size = Long.parseLong(c.stderr().substring(5).strip());
            } catch (NumberFormatException e) {
                size = -1;
            }
            throw new FileTooLargeException(target, size, limit);
        }
        if (c.exitCode() != 0) {
            throw new BackendException(ctx.backend().name(), "could not read '" + target + "' from the box: "
                    + c.stderr().strip(), null);
        }
        if (c.truncated()) {
            throw new FileTooLargeException(target, -1, limit);
        }
        return c.stdout();
    }

    void copyToRuntime(Path hostPath, String boxPath) {
        requireNonNull(hostPath, "hostPath");
        requireNonNull(boxPath, "boxPath");
        if (direct != null) {
            direct.copyToRuntime(hostPath, boxPath);
            return;
        }
        if (!Files.exists(hostPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new UncheckedIOException(new NoSuchFileException(hostPath.toString(), null, "no such file on the host"));
        }
        boolean dir = Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS);
        String target = dir ? BoxPaths.resolveAllowingRoot(home, boxPath) : BoxPaths.resolve(home, boxPath);
        // a directory's entries are "<name>/...": the script strips that first component into the target
        String script = dir ? BoxScripts.COPY_IN_DIR : BoxScripts.COPY_IN_FILE;
        String entryName = dir ? "d" : target.substring(target.lastIndexOf('/') + 1);
        box.lock().lock();
        try {
            Box b = box.current();
            ChunkPipe pipe = new ChunkPipe(16);
            CompletableFuture<Long> writer = new CompletableFuture<>();
            Thread.ofVirtual().name("sandbox4j-copy-in-" + ctx.id()).start(() -> {
                try (java.io.OutputStream out = pipe.sink()) {
                    writer.complete(TarWriter.writeTree(hostPath, entryName, out));
                } catch (java.io.IOException | RuntimeException e) {
                    // the stream just ends (the engine would log a failed stdin loudly); tar in the box then
                    // waits for the rest and is killed below
                    writer.completeExceptionally(e);
                }
            });
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            ExecRequest req = new ExecRequest(BoxScripts.sh(script, "copy-in", target, home), Map.of(), ctx.user(),
                    home, new byte[0]);
            java.io.InputStream source = pipe.source();
            ExecHandle started;
            try {
                started = ctx.backend().exec(b, req, source, new OutputSink() {
                @Override
                public void stdout(byte[] chunk) {
                    err.append(chunk);
                }

                @Override
                public void stderr(byte[] chunk) {
                    err.append(chunk);
                }
            });
            } catch (RuntimeException e) {
                try {
                    source.close(); // releases the writer thread (and the host file it holds)
                } catch (java.io.IOException ignored) {
                    // never thrown by a ChunkPipe
                }
                throw e;
            }
            try (ExecHandle h = started) {
                try {
                    writer.get(EngineLimits.COPY.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    box.killUntrusted(b);
                    Throwable c = e.getCause();
                    throw c instanceof java.io.IOException io ? new UncheckedIOException(io.getMessage(), io)
                            : SessionBox.unwrap(e);
                }
                int code = h.exitCode().get(EngineLimits.COPY.toMillis(), TimeUnit.MILLISECONDS);
                if (code != 0) {
                    throw new BackendException(ctx.backend().name(), "could not copy " + hostPath + " to '" + target
                            + "' in the box: " + err.text().strip(), null);
                }
            }
        } catch (TimeoutException e) {
            box.killUntrusted(box.current());
            throw new BackendException(ctx.backend().name(), "copy to the box did not finish within "
                    + Texts.human(EngineLimits.COPY), e);
        } catch (ExecutionException e) {
            throw SessionBox.unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(ctx.backend().name(), "interrupted", e);
        } finally {
            box.lock().unlock();
        }
        log.debug("Session {}: copied {} to {}", ctx.id(), hostPath, target);
    }

    CopyResult copyFromRuntime(String boxPath, Path hostPath) {
        requireNonNull(boxPath, "boxPath");
        requireNonNull(hostPath, "hostPath");
        if (direct != null) {
            return direct.copyFromRuntime(boxPath, hostPath);
        }
        String source = BoxPaths.resolveAllowingRoot(home, boxPath);
        box.lock().lock();
        try {
            Box b = box.current();
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            // the first byte says what follows: D (a directory's entries) or F (one file), then a tar stream
            SessionBox.StreamedExec out = box.streamOut(b, BoxScripts.sh(BoxScripts.COPY_OUT, "copy-out", source, home),
                    err);
            ExecHandle h = out.handle();
            try (h; java.io.InputStream in = out.stdout()) {
                int kind = in.read();
                CopyResult result;
                if (kind == 'D') {
                    TarExtractor.Result x = TarExtractor.extract(in, hostPath, Long.MAX_VALUE, 1_000_000);
                    result = new CopyResult(x.files(), x.directories(), x.bytes(), x.skipped());
                } else if (kind == 'F') {
                    result = extractSingleFile(in, hostPath);
                } else {
                    result = null;
                }
                int code = h.exitCode().get(EngineLimits.COPY.toMillis(), TimeUnit.MILLISECONDS);
                if (code == 3) {
                    throw new UncheckedIOException(new NoSuchFileException(source, null, "no such file in the box"));
                }
                if (code != 0 || result == null) {
                    throw new BackendException(ctx.backend().name(), "could not copy '" + source + "' from the box: "
                            + (err.text().isBlank() ? "exit code " + code : err.text().strip()), null);
                }
                log.debug("Session {}: copied {} to {}: {}", ctx.id(), source, hostPath, result);
                return result;
            } catch (java.io.IOException e) {
                box.killUntrusted(b);
                throw new UncheckedIOException("copy of '" + source + "' to " + hostPath + " failed: " + e.getMessage(),
                        e);
            }
        } catch (TimeoutException e) {
            box.killUntrusted(box.current());
            throw new BackendException(ctx.backend().name(), "copy from the box did not finish within "
                    + Texts.human(EngineLimits.COPY), e);
        } catch (ExecutionException e) {
            throw SessionBox.unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(ctx.backend().name(), "interrupted", e);
        } finally {
            box.lock().unlock();
        }
    }

    /** Writes the single file entry of {@code in} to {@code hostPath} (or into it, if it is a directory). */
    private static CopyResult extractSingleFile(java.io.InputStream in, Path hostPath) throws java.io.IOException {
        TarReader reader = new TarReader(in);
        TarReader.Entry e = reader.next();
        if (e == null || e.type() != TarReader.Entry.Type.FILE) {
            throw new java.io.IOException("the box did not send a regular file");
        }
        Path target = Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS)
                ? hostPath.resolve(Path.of(e.name()).getFileName().toString()) : hostPath;
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Files.deleteIfExists(target); // a symlink at the target is replaced, never written through
        long n;
        try (java.io.OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            n = reader.content().transferTo(out);
        }
        while (reader.next() != null) {
            // drain to the end marker
        }
        return new CopyResult(1, 0, n, List.of());
    }

    /**
     * The result with its artifacts: those the runner reported with the run ({@code reported}, no engine call), or,
     * without a report (no runner, or it failed), the files copied out of the output directory with an exec.
     */
    ExecutionResult artifacts(ExecutionResult r,
            @org.jspecify.annotations.Nullable CompletableFuture<ArtifactCapture.Result> reported, String outputDir) {
        if (reported != null) {
            try {
                ArtifactCapture.Result c = reported.get(EngineLimits.CAPTURE.toMillis(), TimeUnit.MILLISECONDS);
                return withArtifacts(r, c.artifacts(), c.dropped());
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Session {}: no report of the output directory from the runner ({}); copying it out",
                        ctx.id(), e.toString());
                if (e instanceof TimeoutException) {
                    box.retireRunner(); // it did not finish the report: it does not take the next run
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException(ctx.backend().name(), "interrupted", e);
            }
        }
        return collectArtifacts(r, outputDir);
    }

    /**
     * Reads the output directory's files (not links) into the result with an exec, up to
     * {@link EngineLimits#MAX_ARTIFACTS} files and {@link EngineLimits#MAX_ARTIFACT_BYTES} bytes.
     */
    ExecutionResult collectArtifacts(ExecutionResult r, String outputDir) {
        if (direct != null) {
            return direct.collectArtifacts(r, outputDir);
        }
        List<Artifact> artifacts = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        box.lock().lock();
        try {
            Box b = box.current();
            BoundedBuffer err = new BoundedBuffer(16 * 1024);
            SessionBox.StreamedExec out = box.streamOut(b, BoxScripts.sh(BoxScripts.ARTIFACTS, "artifacts", outputDir),
                    err);
            ExecHandle h = out.handle();
            long total = 0;
            try (h; java.io.InputStream in = out.stdout()) {
                TarReader reader = new TarReader(in);
                for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                    if (e.type() != TarReader.Entry.Type.FILE) {
                        if (e.type() == TarReader.Entry.Type.SYMLINK) {
                            dropped.add(e.name() + " (symbolic link)");
                        }
                        continue;
                    }
                    if (artifacts.size() >= EngineLimits.MAX_ARTIFACTS || total + e.size() > EngineLimits.MAX_ARTIFACT_BYTES) {
                        dropped.add(e.name() + " (" + DataSize.ofBytes(e.size()) + ")");
                        continue;
                    }
                    byte[] content = reader.content().readAllBytes();
                    total += content.length;
                    artifacts.add(Artifact.of(e.name(), content));
                }
                h.exitCode().get(EngineLimits.COPY.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (!err.text().isBlank()) {
                log.debug("artifact listing: {}", err.text().strip());
            }
        } catch (java.io.IOException | ExecutionException | TimeoutException e) {
            log.warn("Session {}: could not collect artifacts: {}", ctx.id(), e.toString());
            dropped.add("all (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(ctx.backend().name(), "interrupted", e);
        } finally {
            box.lock().unlock();
        }
        artifacts.sort(java.util.Comparator.comparing(Artifact::name));
        return withArtifacts(r, artifacts, dropped);
    }

    /** The result with these artifacts, and a note on stderr naming what was left out (the first 20). */
    private static ExecutionResult withArtifacts(ExecutionResult r, List<Artifact> artifacts, List<String> dropped) {
        ExecutionResult out = r.withArtifacts(artifacts);
        if (!dropped.isEmpty()) {
            String names = String.join(", ", dropped.subList(0, Math.min(20, dropped.size())))
                    + (dropped.size() > 20 ? " and " + (dropped.size() - 20) + " more" : "");
            String note = "sandbox4j: artifacts not returned (limit " + EngineLimits.MAX_ARTIFACTS + " files, "
                    + DataSize.ofBytes(EngineLimits.MAX_ARTIFACT_BYTES) + "): " + Texts.sanitize(names, 4000) + "\n";
            out = new ExecutionResult(out.stdout(), out.stderr() + note, out.exitCode(), out.duration(), out.status(),
                    out.killReason(), out.stdoutTruncated(), out.stderrTruncated(), out.violations(),
                    out.redactions(), out.artifacts(), out.cell(), out.resourceUsage(), out.phases());
        }
        return out;
    }

    /** Copies a committed image's saved work directory into the fresh box. */
    void seedWorkspace(String seedDir) {
        if (direct != null) {
            return; // a direct backend has no images to commit, hence none with a saved work directory
        }
        SessionBox.Capture r = box.capture(BoxScripts.sh(BoxScripts.SEED, "seed", seedDir, home), new byte[0],
                DataSize.ofKilobytes(64));
        if (r.exitCode() != 0) {
            log.warn("Session {}: could not restore the image's saved work directory {}: {}", ctx.id(), seedDir,
                    r.stderr().strip());
        }
    }

    /**
     * The entries of a directory in the box: links are reported with their target, never followed, and a directory
     * that resolves outside the work directory and /tmp is refused.
     */
    List<FileEntry> listFiles(String path) {
        requireNonNull(path, "path");
        if (direct != null) {
            return direct.listFiles(path);
        }
        String dir = BoxPaths.resolveAllowingRoot(home, path);
        SessionBox.Capture c = box.capture(BoxScripts.sh(BoxScripts.LIST, "list", dir, home), new byte[0],
                DataSize.ofMegabytes(16));
        switch (c.exitCode()) {
            case 0 -> { }
            case 2 -> throw new UncheckedIOException(new NoSuchFileException(dir, null, "no such directory in the box"));
            case 3 -> throw new IllegalArgumentException("'" + Texts.sanitize(path, 120) + "' is not a directory");
            case 4 -> throw outsideTheBox(path, c.stderr());
            default -> throw new BackendException(ctx.backend().name(), "could not list '" + dir + "' in the box: "
                    + (c.stderr().isBlank() ? "exit code " + c.exitCode() : c.stderr().strip()), null);
        }
        if (c.truncated()) {
            throw new BackendException(ctx.backend().name(), "the listing of '" + dir + "' is larger than "
                    + DataSize.ofMegabytes(16), null);
        }
        List<FileEntry> entries = new ArrayList<>();
        String[] f = c.out().split("\0", -1);
        for (int i = 0; i + 4 < f.length; i += 5) {
            FileEntry.Type type = switch (f[i]) {
                case "f" -> FileEntry.Type.FILE;
                case "d" -> FileEntry.Type.DIRECTORY;
                case "l" -> FileEntry.Type.SYMLINK;
                default -> FileEntry.Type.OTHER;
            };
            String name = f[i + 3];
            entries.add(new FileEntry(name, dir.equals("/") ? "/" + name : dir + "/" + name, type, parseLong(f[i + 1]),
                    epoch(f[i + 2]), type == FileEntry.Type.SYMLINK ? f[i + 4] : null));
        }
        entries.sort(java.util.Comparator.comparing(FileEntry::name));
        return List.copyOf(entries);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static @org.jspecify.annotations.Nullable Instant epoch(String s) {
        try {
            double d = Double.parseDouble(s);
            return Instant.ofEpochMilli((long) (d * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

}
