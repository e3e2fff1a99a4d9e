package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real in-box runner ({@code sandbox4j_runner.pl}) with the host's perl through a backend whose "box" is the
 * host itself: the protocol, program start, streams, exit codes and the runner's death, without an engine.
 */
class RunnerTest {
    @TempDir
    Path tmp;

    private final HostBackend backend = new HostBackend();
    private final List<Runner> started = new ArrayList<>();
    private final Box box = new Box("host", "host", new BoxSpec("host", "host", "0:0", ResourceLimits.defaults(),
            RuntimeConfig.defaults(), Map.of()));

    @AfterEach
    void stop() {
        started.forEach(Runner::close);
        backend.processes.forEach(Process::destroyForcibly);
    }

    private Runner start() {
        Runner r = Runner.start(backend, box, "0:0", tmp.toString(), Map.of("FROM_RUNNER", "yes"),
                Duration.ofSeconds(20));
        started.add(r);
        return r;
    }

    /** Output of one run: stdout, stderr and exit code. */
    private record Out(String stdout, String stderr, int code) {}

    private Out run(Runner r, List<String> argv, Map<String, String> env, String workdir, byte[] stdin)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExecHandle h = r.run(new ExecRequest(argv, env, "0:0", workdir, stdin), new OutputSink() {
            @Override
            public synchronized void stdout(byte[] chunk) {
                out.writeBytes(chunk);
            }

            @Override
            public synchronized void stderr(byte[] chunk) {
                err.writeBytes(chunk);
            }
        });
        int code = h.exitCode().get(20, TimeUnit.SECONDS);
        h.close();
        return new Out(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), code);
    }

    @Test
    void runsProgramsOneAfterAnotherWithTheirStdinEnvironmentWorkdirAndExitCode() throws Exception {
        Runner r = start();
        assertThat(r.isAlive()).isTrue();
        Out first = run(r, List.of("/bin/sh", "-c", "cat; echo; echo to-err >&2; pwd; echo $FROM_RUNNER $MINE; exit 3"),
                Map.of("MINE", "a=b c"), "/", "from stdin".getBytes(StandardCharsets.UTF_8));
        assertThat(first).isEqualTo(new Out("from stdin\n/\nyes a=b c\n", "to-err\n", 3));
        Out second = run(r, List.of("sh", "-c", "cat; echo ok"), Map.of(), tmp.toString(), new byte[0]);
        assertThat(second).as("PATH comes from the runner's environment").isEqualTo(new Out("ok\n", "", 0));
        Out signal = run(r, List.of("/bin/sh", "-c", "kill -TERM $$"), Map.of(), "/", new byte[0]);
        assertThat(signal.code()).isEqualTo(128 + 15);
    }

    @Test
    void reportsAMissingCommandOrDirectory() throws Exception {
        Runner r = start();
        Out missing = run(r, List.of("/no/such/program"), Map.of(), "/", new byte[0]);
        assertThat(missing.code()).isEqualTo(127);
        assertThat(missing.stderr()).isEqualTo("sandbox4j: cannot run /no/such/program: No such file or directory\n");
        Out noDir = run(r, List.of("/bin/true"), Map.of(), tmp.resolve("nope").toString(), new byte[0]);
        assertThat(noDir.code()).isEqualTo(126);
        assertThat(noDir.stderr()).contains("cannot enter");
        assertThat(run(r, List.of("/bin/echo", "still", "there"), Map.of(), "/", new byte[0]).stdout())
                .isEqualTo("still there\n");
    }

    @Test
    void movesAMegabyteInAndOutExactly() throws Exception {
        Runner r = start();
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecHandle h = r.run(new ExecRequest(List.of("/bin/cat"), Map.of(), "0:0", "/", data), new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                out.writeBytes(chunk);
            }

            @Override
            public void stderr(byte[] chunk) {}
        });
        assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isZero();
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void aBackgroundProcessHoldingTheOutputDoesNotHoldTheRun() throws Exception {
        Runner r = start();
        Out out = run(r, List.of("/bin/sh", "-c", "sleep 30 & echo started"), Map.of(), "/", new byte[0]);
        assertThat(out).isEqualTo(new Out("started\n", "", 0));
        assertThat(run(r, List.of("/bin/echo", "next"), Map.of(), "/", new byte[0]).stdout()).isEqualTo("next\n");
    }

    @Test
    void outputWrittenJustBeforeTheExitIsNeverLost() throws Exception {
        // CI once saw a run with exit code 0 and no output: the runner polls (select, 50 ms), then reaps (waitpid);
        // a program that wrote and exited between the two had its output dropped when a quiet poll ended the run.
        // A 20 ms pause before the reap turns that microsecond window into one most runs fall into.
        String pause = "select(undef, undef, undef, 0.02);\n";
        backend.script = s -> {
            int at = s.indexOf("        if (!$exited && waitpid(");
            assertThat(at).as("the runner's reap").isPositive();
            return s.substring(0, at) + pause + s.substring(at);
        };
        Runner r = start();
        Random random = new Random(5);
        for (int i = 0; i < 60; i++) {
            double sleep = random.nextDouble() * 0.06;
            Out out = run(r, List.of("perl", "-e", "select(undef, undef, undef, " + sleep + "); print 'x' x 3"),
                    Map.of(), "/", new byte[0]);
            assertThat(out).as("run %d (sleeping %.3f s)", i, sleep).isEqualTo(new Out("xxx", "", 0));
        }
    }

    @Test
    void theRunEndsWithTheRunnersExitCodeWhenTheRunnerIsKilled() throws Exception {
        Runner r = start();
        Out out = run(r, List.of("/bin/sh", "-c", "kill -9 $PPID; sleep 5"), Map.of(), "/", new byte[0]);
        assertThat(out.code()).isEqualTo(137);
        assertThat(r.isAlive()).isFalse();
        assertThatThrownBy(() -> r.run(new ExecRequest(List.of("/bin/true"), Map.of(), "0:0", "/", new byte[0]),
                new OutputSink() {
                    @Override
                    public void stdout(byte[] chunk) {}

                    @Override
                    public void stderr(byte[] chunk) {}
                })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stopsTrustingAStreamThatIsNotTheRunnersProtocol() throws Exception {
        Runner r = start();
        // a program writing straight into the runner's stdout (same user): not a frame the runner would send
        Out out = run(r, List.of("/bin/sh", "-c", "printf 'Zgarbage' > /proc/$PPID/fd/1; sleep 2"), Map.of(), "/",
                new byte[0]);
        assertThat(out.code()).isEqualTo(-1);
        assertThat(r.isAlive()).isFalse();
    }

    @Test
    void failsClearlyWhenTheRunnerCannotStart() {
        backend.perl = "/no/such/perl";
        assertThatThrownBy(() -> Runner.start(backend, box, "0:0", tmp.toString(), Map.of(), Duration.ofSeconds(20)))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("the runner did not start");
    }

    @Test
    void encodesARequestAsLengthPrefixedFields() {
        byte[] frame = Runner.encode(new ExecRequest(List.of("a", "bc"), Map.of("K", "v"), "0:0", "/w",
                new byte[] {9}));
        // 6 fields: workdir, stdin, argc, 2 argv, 1 env
        assertThat(frame).startsWith(0, 0, 0, 6, 0, 0, 0, 2, '/', 'w', 0, 0, 0, 1, 9, 0, 0, 0, 1, '2');
        assertThat(new String(frame, StandardCharsets.ISO_8859_1)).endsWith("\u0000\u0000\u0000\u0003K=v");
    }

    /** A backend whose one "box" is the host: execs are local processes (as the current user). */
    private static final class HostBackend implements SandboxBackend {
        final List<Process> processes = new CopyOnWriteArrayList<>();
        volatile String perl = "perl";
        /** Rewrites the runner's script before it starts (to widen a race window). */
        volatile java.util.function.UnaryOperator<String> script = s -> s;

        @Override
        public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
            throw new UnsupportedOperationException("only streaming execs");
        }

        @Override
        public ExecHandle exec(Box box, ExecRequest request, InputStream stdin, OutputSink sink) {
            List<String> argv = new ArrayList<>(request.argv());
            if (argv.get(0).equals("perl")) {
                argv.set(0, perl);
                argv.set(2, script.apply(argv.get(2)));
            }
            Process p;
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).directory(Path.of(request.workdir()).toFile());
                pb.environment().putAll(request.env());
                p = pb.start();
            } catch (IOException e) {
                CompletableFuture<Integer> failed = CompletableFuture.completedFuture(127);
                sink.stderr(e.getMessage().getBytes(StandardCharsets.UTF_8));
                return handle(failed);
            }
            processes.add(p);
            Thread.ofVirtual().start(() -> {
                try (OutputStream to = p.getOutputStream()) {
                    byte[] buf = new byte[65536];
                    int n;
                    while ((n = stdin.read(buf)) > 0) {
                        to.write(buf, 0, n);
                        to.flush();
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
            Thread err = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), sink::stderr));
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                pump(p.getInputStream(), sink::stdout);
                try {
                    err.join();
                    exit.complete(p.waitFor());
                } catch (InterruptedException e) {
                    exit.completeExceptionally(e);
                }
            });
            return handle(exit);
        }

        private static void pump(InputStream in, java.util.function.Consumer<byte[]> to) {
            byte[] buf = new byte[65536];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    to.accept(java.util.Arrays.copyOf(buf, n));
                }
            } catch (IOException ignored) {
                // closed
            }
        }

        private static ExecHandle handle(CompletableFuture<Integer> exit) {
            return new ExecHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return exit;
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public String name() {
            return "host";
        }

        @Override
        public String describe() {
            return "the host itself (test)";
        }

        @Override
        public boolean imageExists(String image) {
            return true;
        }

        @Override
        public Box create(BoxSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean killAll(Box box, String user) {
            return false;
        }

        @Override
        public long oomKillCount(Box box) {
            return -1;
        }

        @Override
        public void remove(String boxId) {}

        @Override
        public List<BoxInfo> list(Map<String, String> labels) {
            return List.of();
        }

        @Override
        public void close() {}
    }
}
