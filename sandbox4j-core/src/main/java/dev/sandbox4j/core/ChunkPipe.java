package dev.sandbox4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A bounded pipe of byte chunks between two threads (any threads: unlike {@link java.io.PipedInputStream} it does not
 * care which thread reads or writes, or whether they are still alive). The writer blocks while the pipe is full; the
 * reader blocks while it is empty and sees end-of-stream once the writer closed it, or an {@link IOException} if the
 * writer failed it. Closing the reading side makes further writes fail at once, so a writer never blocks forever on a
 * reader that gave up.
 */
final class ChunkPipe {
    private static final byte[] EOF = new byte[0];

    private final BlockingQueue<byte[]> queue;
    private volatile boolean readerClosed;
    private volatile @Nullable IOException failure;

    /** @param capacity how many chunks may wait (each write is one chunk, at most 64 KiB) */
    ChunkPipe(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** The writing side. {@code close()} ends the stream. */
    OutputStream sink() {
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (closed) {
                    throw new IOException("pipe closed by its writer");
                }
                int pos = off;
                int end = off + len;
                while (pos < end) {
                    int n = Math.min(end - pos, 64 * 1024);
                    byte[] chunk = new byte[n];
                    System.arraycopy(b, pos, chunk, 0, n);
                    put(chunk);
                    pos += n;
                }
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    put(EOF);
                }
            }
        };
    }

    private void put(byte[] chunk) throws IOException {
        try {
            while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                if (readerClosed) {
                    throw new IOException("pipe closed by its reader");
                }
            }
            if (readerClosed && chunk != EOF) {
                queue.clear();
                throw new IOException("pipe closed by its reader");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to a pipe");
        }
    }

    /** Makes the reader fail with {@code e} once it has read what is queued. */
    void fail(IOException e) {
        failure = e;
        queue.offer(EOF); // if the pipe is full, the reader notices the failure once it has drained it
    }

    /** The reading side. {@code close()} discards what is queued and makes the writer fail. */
    InputStream source() {
        return new InputStream() {
            private byte @Nullable [] current;
            private int pos;
            private boolean eof;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (current == null || pos == current.length) {
                    if (eof) {
                        return -1;
                    }
                    byte[] next;
                    try {
                        next = queue.poll(50, TimeUnit.MILLISECONDS);
                        if (next == null) {
                            if (failure != null && queue.isEmpty()) {
                                next = EOF;
                            } else {
                                continue;
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading from a pipe");
                    }
                    if (next == EOF) {
                        eof = true;
                        IOException f = failure;
                        if (f != null) {
                            throw f;
                        }
                        return -1;
                    }
                    current = next;
                    pos = 0;
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public void close() {
                readerClosed = true;
                queue.clear();
            }
        };
    }
}
