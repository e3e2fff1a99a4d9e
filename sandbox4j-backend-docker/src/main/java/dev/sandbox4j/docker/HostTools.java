package dev.sandbox4j.docker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the image builder needs from the host: its tools, its user, scratch space, and cleaning up after processes. */
final class HostTools {
    private static final Logger LOG = LoggerFactory.getLogger(HostTools.class);

    private HostTools() {
    }

    /** Kills a process and all its descendants, and waits up to 10 s for it to end. */
    static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes a directory tree with {@code rm -rf --one-file-system} (a root filesystem holds device nodes and may
     * still have a killed debootstrap's mounts under it: those are unmounted first and never descended into).
     */
    static void deleteTree(Path dir) {
        unmountBelow(dir);
        try {
            Process rm = new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString())
                    .redirectErrorStream(true).start();
            String output = new String(rm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (rm.waitFor() != 0) {
                LOG.warn("Could not delete {}: {}", dir, output.strip());
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}", dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while deleting {}", dir);
        }
    }

    private static void unmountBelow(Path dir) {
        Path mounts = Path.of("/proc/self/mounts");
        if (!Files.isReadable(mounts)) {
            return;
        }
        try {
            String prefix = dir.toAbsolutePath() + "/";
            List<String> points = new ArrayList<>();
            for (String line : Files.readAllLines(mounts, StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 1) {
                    String point = fields[1].replace("\\040", " ");
                    if (point.startsWith(prefix)) {
                        points.add(0, point);
                    }
                }
            }
            for (String point : points) {
                new ProcessBuilder("umount", "-l", point).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            LOG.debug("Could not check mounts below {}", dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where the root filesystem is assembled: /var/tmp (on disk; dev, exec allowed) if usable, else java.io.tmpdir. */
    static Path workDir() {
        Path varTmp = Path.of("/var/tmp");
        if (Files.isDirectory(varTmp) && Files.isWritable(varTmp)) {
            return varTmp;
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The executable {@code name} on the PATH or in the usual sbin and bin directories, or {@code null}. */
    static @Nullable Path findExecutable(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The effective uid of this process, or -1 if it cannot be told. */
    static long currentUid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (uid instanceof Integer i) {
                return i;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.debug("Cannot read the uid from /proc/self", e);
        }
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return id.waitFor() == 0 ? Long.parseLong(out) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
