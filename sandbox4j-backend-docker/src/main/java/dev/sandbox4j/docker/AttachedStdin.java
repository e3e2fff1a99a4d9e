package dev.sandbox4j.docker;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdin stream handed to docker-java. Its httpclient5 transport copies it to the engine on a thread of its own
 * ({@code docker-java-httpclient5-hijacking-stream-*}) that rethrows any failure as an uncaught exception, which
 * the JVM prints to the terminal. The copy fails whenever the exec's connection closes first: the exec ended (its
 * box was removed, its process killed on a timeout) or its handle was closed, while the stream was still open or
 * still had data. That is normal, so this stream, which runs on that thread, gives it a handler that logs at
 * debug; {@link DockerExec#onStart} waits until it has, so that no close can happen before (the thread's first
 * step fails on a closed connection too). Once the exec is over the stream ends at its next read.
 */
final class AttachedStdin extends InputStream {
    private static final Logger log = LoggerFactory.getLogger(AttachedStdin.class);
    /** How long {@link #awaitReader} waits for the copying thread to start: only a stuck JVM takes this long. */
    static final Duration READER_START = Duration.ofSeconds(10);

    private final InputStream in;
    private final String execId;
    private final CountDownLatch readerStarted = new CountDownLatch(1);
    private volatile boolean ended;

    AttachedStdin(InputStream in, String execId) {
        this.in = in;
        this.execId = execId;
    }

    private void enter() {
        if (readerStarted.getCount() > 0) {
            Thread.currentThread().setUncaughtExceptionHandler(this::copyFailed);
            readerStarted.countDown();
        }
    }

    private void copyFailed(Thread t, Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof IOException) {
            log.debug("stdin of exec {} ended with its connection: {}", execId, cause.toString());
        } else {
            log.warn("stdin of exec {} failed: {}", execId, cause.toString());
            log.debug("stdin of exec {} failed", execId, e);
        }
    }

    /** Waits until the copying thread has read once (and so has its handler). */
    void awaitReader() {
        try {
            if (!readerStarted.await(READER_START.toMillis(), TimeUnit.MILLISECONDS)) {
                log.debug("stdin of exec {}: the copying thread did not start within {}", execId, READER_START);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The exec is over: what the caller still writes is dropped. */
    void end() {
        ended = true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        enter();
        if (ended) {
            return -1;
        }
        int n = in.read(b, off, len);
        return ended ? -1 : n;
    }

    @Override
    public int available() throws IOException {
        return ended ? 0 : in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

