package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The stdin stream handed to docker-java: quiet on the thread that copies it, and ended with its exec. */
class AttachedStdinTest {

    @Test
    void theCopyingThreadsFailureIsNotUncaughtOnceItHasRead() throws Exception {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            AttachedStdin in = new AttachedStdin(
                    new ByteArrayInputStream("hi".getBytes(StandardCharsets.UTF_8)), "exec-1");
            // what docker-java's copying thread does when the connection is gone: read, write, fail, rethrow
            Thread copier = new Thread(() -> {
                try {
                    in.read(new byte[16], 0, 16);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                throw new RuntimeException(new java.nio.channels.ClosedChannelException());
            });
            copier.start();
            in.awaitReader();
            copier.join();
            assertThat(uncaught).isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void endsAtTheNextReadOnceTheExecIsOver() throws IOException {
        AttachedStdin in = new AttachedStdin(
                new ByteArrayInputStream("abcdef".getBytes(StandardCharsets.UTF_8)), "exec-2");
        byte[] b = new byte[3];
        assertThat(in.read(b, 0, 3)).isEqualTo(3);
        in.end();
        assertThat(in.read(b, 0, 3)).isEqualTo(-1);
        assertThat(in.read()).isEqualTo(-1);
    }
}
