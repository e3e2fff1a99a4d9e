package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Nothing the backend starts prints an uncaught exception: closing a session, a timed-out run and closing a stateful
 * session end attached stdin streams (docker-java's hijacking threads), which is normal and must stay off the user's
 * terminal. Each scenario repeats, because the failure was a race between the stdin writer and the connection close.
 */
@Tag("docker")
class QuietStreamsIT {
    static SandboxClient client;

    private final List<String> uncaught = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private java.util.Set<Thread> streamThreadsBefore;
    private Thread.UncaughtExceptionHandler previousHandler;
    private PrintStream previousErr;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    @BeforeEach
    void capture() {
        streamThreadsBefore = streamThreads();
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        // a thread without its own handler reports here (through its group), instead of printing to System.err
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(t.getName() + ": " + e));
        previousErr = System.err;
        System.setErr(new PrintStream(new TeeStream(previousErr, err), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(previousErr);
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }

    private void assertQuiet() {
        assertThat(uncaught).as("uncaught exceptions").isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).as("System.err")
                .doesNotContain("Exception in thread").doesNotContain("ConnectionClosedException");
    }

    @Test
    void closingSessionsPrintsNothing() {
        for (int i = 0; i < 8; i++) {
            try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
                ExecutionResult r = s.run("print(" + i + ")");
                assertThat(r.stdout()).isEqualTo(i + "\n");
            }
            // closed at once, while its resident runner is still starting (what `sandbox4j bench` does)
            client.openSession("python", DockerTestSupport.options().build()).close();
        }
        for (int i = 0; i < 3; i++) {
            ExecutionResult r = client.run("python", "print('one-shot')", DockerTestSupport.options().build(),
                    RunOptions.defaults());
            assertThat(r.stdout()).isEqualTo("one-shot\n");
        }
        awaitStreamThreadsGone();
        assertQuiet();
    }

    @Test
    void aTimedOutRunPrintsNothing() {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            for (int i = 0; i < 3; i++) {
                ExecutionResult r = s.run("while True: pass", RunOptions.timeout(Duration.ofSeconds(1)));
                assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
                assertThat(s.run("print('still here')").stdout()).isEqualTo("still here\n");
            }
        }
        awaitStreamThreadsGone();
        assertQuiet();
    }

    @Test
    void closingStatefulSessionsPrintsNothing() {
        for (int i = 0; i < 4; i++) {
            try (SandboxSession s = client.openSession("python", DockerTestSupport.options().stateful(true).build())) {
                assertThat(s.run("x = " + i + "\nx").cell().value()).containsEntry("text/plain", "" + i);
                if (i % 2 == 1) {
                    ExecutionResult r = s.run("while True: pass", RunOptions.timeout(Duration.ofSeconds(1)));
                    assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
                }
            }
        }
        awaitStreamThreadsGone();
        assertQuiet();
    }

    /**
     * The stream handed to the engine outlives its exec: it delivers data, or ends, only after the exec finished and
     * its handle was closed (the connection is gone by then). Both used to kill docker-java's stdin thread with an
     * uncaught exception printed to the terminal.
     */
    @Test
    void stdinThatOutlivesItsExecPrintsNothing() throws Exception {
        try (SandboxBackend backend = new DockerBackendFactory().create(BackendConfig.empty())) {
            Box box = backend.create(new BoxSpec("sandbox4j-quiet-" + DockerTestSupport.RUN_ID.substring(0, 8),
                    "sandbox4j/python:bookworm", "65533:65533", ResourceLimits.defaults(),
                    RuntimeConfig.builder().label(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID).build(),
                    Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)));
            try {
                for (boolean withData : new boolean[] {true, false}) {
                    CountDownLatch release = new CountDownLatch(1);
                    CountDownLatch reading = new CountDownLatch(1);
                    InputStream stdin = new InputStream() {
                        private boolean sent;

                        @Override
                        public int read() throws IOException {
                            byte[] one = new byte[1];
                            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                        }

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            reading.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                throw new java.io.InterruptedIOException();
                            }
                            if (withData && !sent) {
                                sent = true;
                                b[off] = 'x';
                                return 1;
                            }
                            return -1;
                        }
                    };
                    ExecHandle h = backend.exec(box, new ExecRequest(List.of("true"), Map.of(), "65532:65532", "/tmp",
                            new byte[0]), stdin, new OutputSink() {
                                @Override
                                public void stdout(byte[] chunk) {}

                                @Override
                                public void stderr(byte[] chunk) {}
                            });
                    assertThat(h.exitCode().get(30, TimeUnit.SECONDS)).isZero();
                    assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
                    h.close();
                    release.countDown();
                }
            } finally {
                backend.remove(box.id());
            }
        }
        awaitStreamThreadsGone();
        assertQuiet();
    }

    /**
     * Waits until docker-java's stdin threads of the closed sessions have ended, so that an exception they throw
     * while ending is seen by this test. Generous bound: they end within milliseconds of the close unless a bug
     * keeps them blocked, which then fails here.
     */
    private void awaitStreamThreadsGone() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> streamThreadsBefore.containsAll(streamThreads()));
    }

    private static java.util.Set<Thread> streamThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("docker-java-httpclient5-hijacking-stream-"))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** Copies what is written to the real stream too, so that the build log still shows it. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
