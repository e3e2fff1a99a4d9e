package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChunkPipeTest {
    /**
     * Bound on every wait here: generous, since these are in-memory hand-offs of milliseconds; only a pipe that blocks
     * for good reaches it (it turns that hang into a failure).
     */
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void largePayloadPassesInOrderAcrossThreads() throws Exception {
        byte[] payload = new byte[5_000_000];
        new Random(42).nextBytes(payload);
        ChunkPipe pipe = new ChunkPipe(4);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random sizes = new Random(7);
            try (OutputStream out = pipe.sink()) {
                int pos = 0;
                while (pos < payload.length) {
                    int kind = sizes.nextInt(10);
                    if (kind == 0) {
                        out.write(payload[pos] & 0xff); // single bytes go through write(int)
                        pos++;
                    } else {
                        // sometimes more than one 64 KiB chunk in a single write
                        int n = Math.min(payload.length - pos, kind == 1 ? 200_000 : 1 + sizes.nextInt(9000));
                        out.write(payload, pos, n);
                        pos += n;
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] read = assertTimeoutPreemptively(LIMIT, () -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            Random sizes = new Random(9);
            try (InputStream in = pipe.source()) {
                byte[] buf = new byte[100_000];
                while (true) {
                    int n = sizes.nextInt(20) == 0 ? singleByte(in, buf) : in.read(buf, 3, 1 + sizes.nextInt(70_000));
                    if (n < 0) {
                        break;
                    }
                    got.write(buf, 3, n);
                }
            }
            return got.toByteArray();
        });
        writer.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(read.length).isEqualTo(payload.length);
        assertThat(java.security.MessageDigest.getInstance("SHA-256").digest(read))
                .isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(payload));
    }

    private static int singleByte(InputStream in, byte[] buf) throws IOException {
        int b = in.read();
        if (b < 0) {
            return -1;
        }
        buf[3] = (byte) b;
        return 1;
    }

    @Test
    void readerSeesEndOfStreamAfterTheWriterClosesAndKeepsSeeingIt() throws Exception {
        ChunkPipe pipe = new ChunkPipe(4);
        OutputStream out = pipe.sink();
        out.write(new byte[] {(byte) 0xff, 0});
        out.write(new byte[0]); // an empty write is no chunk (and in particular no end-of-stream)
        out.close();
        out.close(); // idempotent: one end-of-stream only
        InputStream in = pipe.source();
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThat(in.read()).isEqualTo(255); // unsigned
            assertThat(in.read()).isEqualTo(0);
            assertThat(in.read()).isEqualTo(-1);
            assertThat(in.read(new byte[4], 0, 4)).isEqualTo(-1);
            assertThat(in.read(new byte[4], 0, 0)).isZero();
        });
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("writer");
    }

    @Test
    void failMakesTheReaderThrowAfterWhatIsQueued() throws Exception {
        ChunkPipe pipe = new ChunkPipe(4);
        OutputStream out = pipe.sink();
        out.write("abc".getBytes());
        IOException boom = new IOException("engine went away");
        pipe.fail(boom);
        InputStream in = pipe.source();
        assertTimeoutPreemptively(LIMIT, () -> {
            byte[] buf = new byte[10];
            assertThat(in.read(buf, 0, 10)).isEqualTo(3);
            assertThat(new String(buf, 0, 3)).isEqualTo("abc");
            assertThatThrownBy(() -> in.read(buf, 0, 10)).isSameAs(boom);
            // and then it is over
            assertThat(in.read(buf, 0, 10)).isEqualTo(-1);
        });
    }

    @Test
    void failOnAFullPipeStillReachesTheReader() throws Exception {
        ChunkPipe pipe = new ChunkPipe(1);
        OutputStream out = pipe.sink();
        out.write("x".getBytes()); // the queue is now full
        IOException boom = new IOException("boom");
        pipe.fail(boom);
        InputStream in = pipe.source();
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThat(in.read()).isEqualTo('x');
            assertThatThrownBy(in::read).isSameAs(boom);
        });
    }

    @Test
    void writerBlocksWhileThePipeIsFull() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2);
        OutputStream out = pipe.sink();
        AtomicInteger written = new AtomicInteger();
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; i < 3; i++) {
                    out.write(i);
                    written.incrementAndGet();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // two chunks fit; the third write waits for the reader
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (written.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(300);
        assertThat(written.get()).isEqualTo(2);
        assertThat(writer.isAlive()).isTrue();

        InputStream in = pipe.source();
        assertThat(in.read()).isZero();
        writer.join(LIMIT.toMillis());
        assertThat(writer.isAlive()).isFalse();
        assertThat(written.get()).isEqualTo(3);
        assertThat(in.read()).isEqualTo(1);
        assertThat(in.read()).isEqualTo(2);
    }

    @Test
    void closingTheReaderMakesABlockedWriterFailPromptly() throws Exception {
        ChunkPipe pipe = new ChunkPipe(1);
        OutputStream out = pipe.sink();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Throwable> writer = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            started.countDown();
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write(new byte[1000]);
                }
                writer.complete(null);
            } catch (Throwable e) {
                writer.complete(e);
            }
        });
        started.await();
        Thread.sleep(200); // the writer is now blocked on the full pipe
        assertThat(writer).isNotDone();
        pipe.source().close();
        Throwable failure = assertTimeoutPreemptively(LIMIT, () -> writer.get());
        assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("reader");
    }

    @Test
    void writesAfterTheReaderClosedFailEvenWithRoomInThePipe() throws Exception {
        ChunkPipe pipe = new ChunkPipe(8);
        pipe.source().close();
        OutputStream out = pipe.sink();
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThatThrownBy(() -> out.write(new byte[10])).isInstanceOf(IOException.class)
                    .hasMessageContaining("reader");
        });
    }

    @Test
    void closingTheReaderDiscardsWhatIsQueued() throws Exception {
        ChunkPipe pipe = new ChunkPipe(1);
        OutputStream out = pipe.sink();
        out.write(1);
        pipe.source().close();
        // the queue was emptied, so this write is not stuck behind the discarded chunk: it fails at once
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThatThrownBy(() -> out.write(2)).isInstanceOf(IOException.class);
        });
    }

    @Test
    void anInterruptedReaderGetsInterruptedIoExceptionAndKeepsItsInterruptFlag() throws Exception {
        ChunkPipe pipe = new ChunkPipe(1);
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(pipe.source().read());
            } catch (IOException e) {
                result.complete(e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()
                        ? "interrupted" : e);
            }
        });
        Thread.sleep(100);
        reader.interrupt();
        assertThat(result.get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("interrupted");
    }
}
