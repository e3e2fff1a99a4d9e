package dev.sandbox4j.core.support;

import dev.sandbox4j.CopyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a file read from a box to the host, for the sessions whose boxes have no copy-out of their own (direct
 * backends, the WebAssembly session). Not API.
 */
public final class HostFiles {
    private HostFiles() {}

    /**
     * Writes {@code content}, read from {@code boxPath}, to {@code hostPath} (into it, under the file's name, if it is
     * a directory); never through a symbolic link.
     *
     * @throws UncheckedIOException if the host refuses, or the target is a symbolic link
     */
    public static CopyResult writeFromBox(String boxPath, byte[] content, Path hostPath) {
        String name = boxPath.substring(boxPath.lastIndexOf('/') + 1);
        try {
            Path target = Files.isDirectory(hostPath) ? hostPath.resolve(name) : hostPath;
            if (Files.isSymbolicLink(target)) {
                throw new IOException("refusing to write through the symbolic link '" + target + "'");
            }
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            Files.write(target, content);
            return new CopyResult(1, 0, content.length, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
