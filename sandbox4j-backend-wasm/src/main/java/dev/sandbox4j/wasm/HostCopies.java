package dev.sandbox4j.wasm;

import dev.sandbox4j.CopyResult;
import dev.sandbox4j.core.support.HostFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/** Copies between the host and a {@link WasmSession}'s in-memory files: regular files only, links refused. */
final class HostCopies {
    private HostCopies() {}

    /** A regular file, or every regular file of a directory tree (all checked before any is copied). */
    static void copyIn(Path hostPath, String base, BiConsumer<String, byte[]> put) {
        try {
            if (Files.isSymbolicLink(hostPath)) {
                throw new IOException("'" + hostPath + "' is a symbolic link; copy its target instead");
            }
            if (Files.isRegularFile(hostPath, LinkOption.NOFOLLOW_LINKS)) {
                put.accept(base, Files.readAllBytes(hostPath));
                return;
            }
            if (!Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(hostPath.toString());
            }
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(hostPath)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isSymbolicLink(p)) {
                        throw new IOException("'" + p + "' is a symbolic link; the wasm backend copies regular "
                                + "files only");
                    }
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        files.add(p);
                    }
                }
            }
            for (Path p : files) {
                String rel = hostPath.relativize(p).toString().replace('\\', '/');
                put.accept(base + "/" + rel, Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a file read from the box to the host (into {@code hostPath} if it is a directory). */
    static CopyResult copyOut(String boxPath, byte[] content, Path hostPath) {
        return HostFiles.writeFromBox(boxPath, content, hostPath);
    }
}
