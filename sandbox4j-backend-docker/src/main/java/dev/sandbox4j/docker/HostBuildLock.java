package dev.sandbox4j.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host-wide image build lock: a {@link java.nio.channels.FileLock} on
 * {@code $java.io.tmpdir/sandbox4j-images.lock}, so that two processes on one host never build the runtime images at
 * once. When the file cannot be opened, builds go ahead without it (a warning says so).
 */
final class HostBuildLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostBuildLock.class);

    private final @Nullable FileChannel channel;

    private HostBuildLock(@Nullable FileChannel channel) {
        this.channel = channel;
    }

    /**
     * Takes the lock, waiting for another build to finish if need be (saying so through {@code progress}).
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws UncheckedIOException if the file cannot be locked
     */
    static HostBuildLock acquire(Consumer<String> progress) throws InterruptedException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "sandbox4j-images.lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | SecurityException e) {
            LOG.warn("Cannot open the image build lock {}; building without it: {}", file, e.toString());
            return new HostBuildLock(null);
        }
        try {
            // other users build too (as root for the base, as themselves for the rest): let them lock it
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.debug("Cannot open up the permissions of {}", file, e);
        }
        try {
            if (channel.tryLock() == null) {
                progress.accept("waiting for another sandbox4j image build to finish (lock " + file + ")");
                channel.lock();
            }
            return new HostBuildLock(channel);
        } catch (IOException e) {
            closeQuietly(channel);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for " + file);
            }
            throw new UncheckedIOException("Cannot lock " + file, e);
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing the lock file failed", e);
        }
    }
}
