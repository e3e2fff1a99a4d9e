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
                Duration.ofSeconds(20), Runner.Mode.HOST, 0);
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
            int at = s.indexOf("            reap();\n            if (exists $reaped{$pid})");
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
        assertThatThrownBy(() -> Runner.start(backend, box, "0:0", tmp.toString(), Map.of(), Duration.ofSeconds(20),
                Runner.Mode.HOST, 0))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("the runner did not start");
    }

    @Test
    void encodesARequestAsLengthPrefixedFields() {
        byte[] frame = RunnerWire.run(new ExecRequest(List.of("a", "bc"), Map.of("K", "v"), "0:0", "/w",
                new byte[] {9}), Duration.ofMillis(1500), null, 42, "", List.of());
        // 8 fields: "run", options, workdir, stdin, argc, 2 argv, 1 env
        assertThat(frame).startsWith(0, 0, 0, 8, 0, 0, 0, 3, 'r', 'u', 'n', 0, 0, 0, 25);
        assertThat(new String(frame, StandardCharsets.ISO_8859_1))
                .contains("timeout_ms=1500\nspare=42\n\u0000\u0000\u0000\u0002/w\u0000\u0000\u0000\u0001\t");
        assertThat(new String(frame, StandardCharsets.ISO_8859_1)).endsWith("\u0000\u0000\u0000\u0003K=v");
    }

    // ---------------------------------------------------------------- in a box of its own

    /** Lists the processes of the uid other than this shell and its parent (the runner): "pid comm" per line. */
    private static final String OTHERS = "for p in /proc/[0-9]*; do q=${p#/proc/}; [ \"$q\" = $$ ] || [ \"$q\" = $PPID ] "
            + "|| [ \"$q\" = 1 ] || { read -r s < $p/stat && echo \"$s\" | cut -d' ' -f1-3; }; done 2>/dev/null";

    /**
     * A runner in a box of its own: a new PID namespace as uid 65534 (unshare + setpriv, as root; a shell is its PID 1,
     * as tini is in a container), the only setting where it may kill every process of its uid.
     */
    private Runner startBoxed(int spare) {
        org.junit.jupiter.api.Assumptions.assumeTrue(BOXABLE || Boolean.getBoolean("sandbox.it.strict"),
                "needs root to run the runner in a PID namespace of its own (unshare, setpriv)");
        backend.boxed = true;
        Runner r = Runner.start(backend, box, "65534:65534", "/", Map.of("PATH", "/usr/bin:/bin"),
                Duration.ofSeconds(20), Runner.Mode.BOX_CLEAN, spare);
        started.add(r);
        assertThat(r.killsLeftovers()).isTrue();
        return r;
    }

    private static final List<String> BOX_PREFIX = List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
            "exec 3<&0; if [ \"$1\" = kernel ]; then (sleep 1000 & sleep 1000 & wait) </dev/null >/dev/null 2>&1 & fi; shift; "
                    + "\"$@\" 0<&3 3<&- & wait $!", "sh", "-", "true");

    private static final boolean BOXABLE = boxable();

    private static boolean boxable() {
        try {
            Process p = new ProcessBuilder(BOX_PREFIX).redirectErrorStream(true).start();
            p.getOutputStream().close();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }


    @Test
    void killsWhatARunLeavesBehindWhenItEnds() throws Exception {
        Runner r = startBoxed(0);
        Out first = run(r, List.of("/bin/sh", "-c", "setsid sh -c 'sleep 1000' >/dev/null 2>&1 & "
                + "(trap '' TERM HUP; sleep 999 &) ; nohup sleep 998 >/dev/null 2>&1 & echo started"), Map.of(), "/",
                new byte[0]);
        assertThat(first).isEqualTo(new Out("started\n", "", 0));
        Out left = run(r, List.of("/bin/sh", "-c", OTHERS), Map.of(), "/", new byte[0]);
        assertThat(left).as("processes of the uid after the run").isEqualTo(new Out("", "", 0));
        assertThat(r.isAlive()).isTrue();
    }

    @Test
    void endsAForkBombAtItsDeadlineWithEveryProcessGone() throws Exception {
        Runner r = startBoxed(0);
        for (int i = 0; i < 3; i++) {
            ExecHandle h = r.run(new ExecRequest(List.of("/bin/sh", "-c",
                    "ulimit -u 200; trap '' TERM; perl -e 'while (1) { fork; }'"), Map.of(), "65534:65534", "/",
                    new byte[0]), discard(), Duration.ofMillis(500), 0);
            // a generous bound: the runner kills at 0.5 s; only a runner that cannot kill would take 30 s
            assertThat(h.exitCode().get(30, TimeUnit.SECONDS)).isEqualTo(137);
            assertThat(((Runner.RunHandle) h).killedBy()).isEqualTo(Runner.Killed.TIMEOUT);
            assertThat(((Runner.RunHandle) h).leftBehind()).isZero();
            assertThat(run(r, List.of("/bin/sh", "-c", OTHERS), Map.of(), "/", new byte[0]))
                    .isEqualTo(new Out("", "", 0));
        }
    }

    @Test
    void stopsARunWhenTheHostAsksAndAnswersTheKill() throws Exception {
        Runner r = startBoxed(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Runner.RunHandle h = r.run(new ExecRequest(List.of("/bin/sh", "-c", "echo up; trap '' TERM INT; "
                + "sleep 1000 & sleep 1000"), Map.of(), "65534:65534", "/", new byte[0]), new OutputSink() {
                    @Override
                    public synchronized void stdout(byte[] chunk) {
                        out.writeBytes(chunk);
                        started.complete(null);
                    }

                    @Override
                    public void stderr(byte[] chunk) {}
                }, null, 0);
        started.get(20, TimeUnit.SECONDS);
        h.kill();
        assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isEqualTo(137);
        assertThat(h.killedBy()).isEqualTo(Runner.Killed.HOST);
        assertThat(r.killAll(0, Duration.ofSeconds(20))).as("a kill between runs").isZero();
        assertThat(run(r, List.of("/bin/sh", "-c", OTHERS), Map.of(), "/", new byte[0])).isEqualTo(new Out("", "", 0));
    }

    @Test
    void aProgramCannotOpenOrTraceTheRunnersChannel() throws Exception {
        Runner r = startBoxed(0);
        Out open = run(r, List.of("/bin/sh", "-c", "ls -l /proc/$PPID/fd/ 2>&1; printf 'X\\0\\0\\0\\6code=0' "
                + "> /proc/$PPID/fd/1 && echo WROTE"), Map.of(), "/", new byte[0]);
        assertThat(open.stdout()).contains("Permission denied").doesNotContain("WROTE");
        // PTRACE_ATTACH (16) through perl's syscall: the runner is not dumpable
        Out trace = run(r, List.of("perl", "-e", "my $n = {x86_64 => 101, aarch64 => 117}->{(POSIX::uname())[4]};"
                + " use POSIX; print syscall($n, 16, getppid(), 0, 0) == -1 ? \"refused: $!\" : 'attached'"),
                Map.of(), "/", new byte[0]);
        assertThat(trace.stdout()).startsWith("refused");
        assertThat(r.isAlive()).isTrue();
        assertThat(run(r, List.of("/bin/echo", "genuine"), Map.of(), "/", new byte[0]))
                .isEqualTo(new Out("genuine\n", "", 0));
    }

    @Test
    void sparesTheTreeItIsToldToSpare() throws Exception {
        // a "kernel" started before the runner: PID 2 of the namespace (its PID 1's first child) and two children
        backend.kernel = true;
        Runner r = startBoxed(2);
        Out first = runSparing(r, "setsid sleep 997 >/dev/null 2>&1 & echo started", 2).out();
        assertThat(first.stdout()).isEqualTo("started\n");
        RunHandleOut left = runSparing(r, OTHERS, 2);
        assertThat(left.out().stdout().lines().toList()).as("only the kernel's tree is left")
                .hasSize(3).allMatch(l -> l.contains("(sh)") || l.contains("(sleep)")).anyMatch(l -> l.startsWith("2 "));
        assertThat(r.killAll(2, Duration.ofSeconds(20))).isZero();
        assertThat(runSparing(r, OTHERS, 2).out().stdout().lines()).as("a kill between runs spares it too").hasSize(3);
        assertThat(r.killAll(0, Duration.ofSeconds(20))).isZero();
        assertThat(runSparing(r, OTHERS, 0).out().stdout()).as("until the host kills everything").isEmpty();
    }

    @Test
    void aFailedRunComesWithTheOomKillCounterSoTheHostNeedNotAskTheEngine() throws Exception {
        Runner r = startBoxed(0);
        RunHandleOut failed = runSparing(r, "exit 3", 0);
        assertThat(failed.out().code()).isEqualTo(3);
        boolean readable = java.nio.file.Files.isReadable(Path.of("/sys/fs/cgroup/memory.events"))
                || java.nio.file.Files.isReadable(Path.of("/sys/fs/cgroup/memory/memory.oom_control"));
        org.junit.jupiter.api.Assumptions.assumeTrue(readable, "no cgroup memory counter on this host");
        assertThat(failed.handle().oomKills()).as("the counter read after a failed run").isGreaterThanOrEqualTo(0);
        assertThat(runSparing(r, "exit 0", 0).handle().oomKills()).as("not read after a successful run")
                .isEqualTo(-1);
    }

    private record RunHandleOut(Out out, Runner.RunHandle handle) {}

    private RunHandleOut runSparing(Runner r, String script, int spare) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Runner.RunHandle h = r.run(new ExecRequest(List.of("/bin/sh", "-c", script), Map.of(), "65534:65534", "/",
                new byte[0]), new OutputSink() {
                    @Override
                    public synchronized void stdout(byte[] chunk) {
                        out.writeBytes(chunk);
                    }

                    @Override
                    public void stderr(byte[] chunk) {}
                }, null, spare);
        int code = h.exitCode().get(20, TimeUnit.SECONDS);
        synchronized (this) {
            return new RunHandleOut(new Out(out.toString(StandardCharsets.UTF_8), "", code), h);
        }
    }

    // ---------------------------------------------------------------- artifacts in the run's round trip

    /** Runs a shell script that captures {@code dir}; returns its stdout and the runner's report. */
    private ArtifactCapture.Result captured(Runner r, String script, Path dir, StringBuilder stdout) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Runner.RunHandle h = r.run(new ExecRequest(List.of("/bin/sh", "-c", script, "sh", dir.toString()), Map.of(),
                "0:0", "/", new byte[0]), new OutputSink() {
                    @Override
                    public synchronized void stdout(byte[] chunk) {
                        out.writeBytes(chunk);
                    }

                    @Override
                    public void stderr(byte[] chunk) {}
                }, Duration.ofSeconds(20), null, 0, dir.toString());
        assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isZero();
        assertThat(h.artifacts()).isNotNull();
        ArtifactCapture.Result result = h.artifacts().get(20, TimeUnit.SECONDS);
        h.close();
        synchronized (this) {
            stdout.append(out.toString(StandardCharsets.UTF_8));
        }
        return result;
    }

    private static Map<String, String> contents(ArtifactCapture.Result result) {
        Map<String, String> m = new java.util.TreeMap<>();
        result.artifacts().forEach(a -> m.put(a.name(), new String(a.content(), StandardCharsets.UTF_8)));
        return m;
    }

    @Test
    void emptiesTheOutputDirectoryBeforeTheProgramAndReportsItsFilesButNotLinksAfter() throws Exception {
        Runner r = start();
        Path dir = tmp.resolve("output");
        java.nio.file.Files.createDirectories(dir.resolve("stale/deeper"));
        java.nio.file.Files.writeString(dir.resolve("stale/deeper/old.txt"), "old");
        java.nio.file.Files.writeString(dir.resolve("old.txt"), "old");
        StringBuilder seen = new StringBuilder();
        ArtifactCapture.Result first = captured(r, "ls -A \"$1\"; echo hi > \"$1/a.txt\"; mkdir \"$1/sub\"; "
                + "printf xyz > \"$1/sub/b.bin\"; ln -s /etc/passwd \"$1/link\"; mkfifo \"$1/fifo\"", dir, seen);
        assertThat(seen.toString()).as("the program found the directory empty").isEmpty();
        assertThat(contents(first)).containsExactly(Map.entry("a.txt", "hi\n"), Map.entry("sub/b.bin", "xyz"));
        assertThat(first.dropped()).as("the link is named, never followed; the FIFO is no artifact")
                .containsExactly("link (symbolic link)");
        ArtifactCapture.Result second = captured(r, "true", dir, seen);
        assertThat(second.artifacts()).as("the first run's files were emptied").isEmpty();
        assertThat(second.dropped()).isEmpty();
        assertThat(java.nio.file.Files.list(dir).count()).isZero();
    }

    @Test
    void aLinkInPlaceOfTheOutputDirectoryIsNeitherFollowedNorKept() throws Exception {
        Runner r = start();
        Path dir = tmp.resolve("output");
        Path elsewhere = java.nio.file.Files.createDirectories(tmp.resolve("elsewhere"));
        java.nio.file.Files.writeString(elsewhere.resolve("secret.txt"), "secret");
        StringBuilder seen = new StringBuilder();
        ArtifactCapture.Result swapped = captured(r, "rmdir \"$1\" && ln -s " + elsewhere + " \"$1\"", dir, seen);
        assertThat(swapped.artifacts()).isEmpty();
        assertThat(java.nio.file.Files.readString(elsewhere.resolve("secret.txt"))).isEqualTo("secret");
        ArtifactCapture.Result next = captured(r, "test -d \"$1\" && test ! -L \"$1\" && echo real", dir, seen);
        assertThat(seen.toString()).as("the next run gets a real, empty directory").isEqualTo("real\n");
        assertThat(next.artifacts()).isEmpty();
        assertThat(java.nio.file.Files.readString(elsewhere.resolve("secret.txt"))).as("nothing behind the link "
                + "was removed").isEqualTo("secret");
    }

    @Test
    void reportsADirectoryOnRequestWithoutEmptyingIt() throws Exception {
        Runner r = start();
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve("cells/output"));
        java.nio.file.Files.writeString(dir.resolve("plot.svg"), "<svg/>");
        ArtifactCapture.Result result = r.capture(dir.toString()).get(20, TimeUnit.SECONDS);
        assertThat(contents(result)).containsExactly(Map.entry("plot.svg", "<svg/>"));
        assertThat(r.capture(tmp.resolve("missing").toString()).get(20, TimeUnit.SECONDS).artifacts()).isEmpty();
        assertThat(java.nio.file.Files.exists(dir.resolve("plot.svg"))).isTrue();
        assertThat(run(r, List.of("/bin/echo", "next"), Map.of(), "/", new byte[0]).stdout()).isEqualTo("next\n");
    }

    /** Prints what capturing an output directory the program leaves empty adds to a run (host perl, no engine). */
    @org.junit.jupiter.api.Tag("benchmark")
    @Test
    void printsWhatCapturingAnEmptyOutputDirectoryAddsToARun() throws Exception {
        Runner r = start();
        Path dir = tmp.resolve("output");
        List<Long> plain = new ArrayList<>();
        List<Long> capturing = new ArrayList<>();
        ExecRequest exit0 = new ExecRequest(List.of("/bin/sh", "-c", "exit 0"), Map.of(), "0:0", "/", new byte[0]);
        for (int i = 0; i < 230; i++) {
            long t0 = System.nanoTime();
            Runner.RunHandle a = r.run(exit0, discard(), Duration.ofSeconds(20), null, 0, null);
            a.exitCode().get(20, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            Runner.RunHandle b = r.run(exit0, discard(), Duration.ofSeconds(20), null, 0, dir.toString());
            b.exitCode().get(20, TimeUnit.SECONDS);
            assertThat(b.artifacts().get(20, TimeUnit.SECONDS).artifacts()).isEmpty();
            long t2 = System.nanoTime();
            if (i >= 30) {
                plain.add(t1 - t0);
                capturing.add(t2 - t1);
            }
        }
        java.util.Collections.sort(plain);
        java.util.Collections.sort(capturing);
        System.out.printf("runner on the host, sh -c 'exit 0', median of 200: %.2f ms; capturing an empty output "
                + "directory: %.2f ms%n", plain.get(100) / 1e6, capturing.get(100) / 1e6);
    }

    // ---------------------------------------------------------------- the fork server

    /** The Python plug-in's fork server, as the engine ships it. */
    private static String zygoteSource() {
        try (var in = RunnerTest.class.getResourceAsStream("/dev/sandbox4j/core/lang/sandbox4j_zygote.py")) {
            if (in == null) {
                throw new IllegalStateException("lang/sandbox4j_zygote.py is missing from the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A boxed runner with the fork server started (the host's /usr/bin/python3, preloading {@code json}). */
    private Runner startBoxedWithForkServer() {
        Runner r = startBoxed(0);
        r.startForkServer(List.of("/usr/bin/python3", "-c", zygoteSource(), "json", "no_such_module"),
                Map.of("PYTHONDONTWRITEBYTECODE", "1"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(r::forkServerReady);
        return r;
    }

    private Out forked(Runner r, String code, List<String> args, Map<String, String> env, byte[] stdin,
            Duration timeout) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of("python3", "-u", "/tmp/.sandbox4j/r1/main.py"));
        argv.addAll(args);
        Runner.RunHandle h = r.runForked(new ExecRequest(argv, env, "65534:65534", "/tmp", stdin),
                Map.of("main.py", code.getBytes(StandardCharsets.UTF_8)), "/tmp/.sandbox4j/r1", null,
                new OutputSink() {
                    @Override
                    public synchronized void stdout(byte[] chunk) {
                        out.writeBytes(chunk);
                    }

                    @Override
                    public synchronized void stderr(byte[] chunk) {
                        err.writeBytes(chunk);
                    }
                }, timeout, null, 0);
        int code2 = h.exitCode().get(60, TimeUnit.SECONDS);
        assertThat(h.notStarted()).isFalse();
        assertThat(h.usage()).as("resource usage reported").isNotNull();
        synchronized (this) {
            return new Out(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), code2);
        }
    }

    @Test
    void theForkServerRunsProgramsWithTheirArgvStdinEnvironmentAndExitCodes() throws Exception {
        Runner r = startBoxedWithForkServer();
        Out ok = forked(r, "import sys, os, json\nprint(sys.argv[1:], sys.stdin.read(), os.environ['MINE'], "
                + "__name__, os.getcwd())\nsys.exit(3)", List.of("a", "b c"), Map.of("MINE", "x=y"),
                "in".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertThat(ok).isEqualTo(new Out("['a', 'b c'] in x=y __main__ /tmp\n", "", 3));
        Out raised = forked(r, "def f():\n    raise ValueError('boom')\nf()", List.of(), Map.of(), new byte[0],
                Duration.ofSeconds(30));
        assertThat(raised.code()).isEqualTo(1);
        assertThat(raised.stderr()).startsWith("Traceback (most recent call last):\n  File \"/tmp/.sandbox4j/r1/main.py\"")
                .endsWith("ValueError: boom\n").doesNotContain("runpy", "zygote");
        Out syntax = forked(r, "x = (", List.of(), Map.of(), new byte[0], Duration.ofSeconds(30));
        assertThat(syntax.code()).isEqualTo(1);
        assertThat(syntax.stderr()).contains("SyntaxError").doesNotContain("Traceback");
        assertThat(forked(r, "raise SystemExit('bye')", List.of(), Map.of(), new byte[0], Duration.ofSeconds(30)))
                .isEqualTo(new Out("", "bye\n", 1));
    }

    @Test
    void nothingOneForkedRunDoesReachesTheNext() throws Exception {
        Runner r = startBoxedWithForkServer();
        Out first = forked(r, """
                import json, os, sys, subprocess
                json.dumps = lambda *a, **k: 'patched'
                sys.modules['injected'] = object()
                os.environ['LEAK'] = 'yes'
                os.chdir('/')
                open('/tmp/sandbox4j-zygote-probe', 'w').close()
                subprocess.Popen(['sleep', '1000'])
                print('first')
                """, List.of(), Map.of(), new byte[0], Duration.ofSeconds(30));
        assertThat(first.stdout()).as(first.stderr()).isEqualTo("first\n");
        Out second = forked(r, """
                import json, os, sys
                print(json.dumps([1]), 'injected' in sys.modules, os.environ.get('LEAK'), os.getcwd())
                """, List.of(), Map.of(), new byte[0], Duration.ofSeconds(30));
        assertThat(second).isEqualTo(new Out("[1] False None /tmp\n", "", 0));
        assertThat(run(r, List.of("/bin/sh", "-c", OTHERS), Map.of(), "/", new byte[0]).stdout())
                .as("only the fork server is left").contains("(sandbox4j-fork)").doesNotContain("sleep");
    }

    @Test
    void aForkedRunIsKilledAtItsDeadlineAndTheForkServerLivesOn() throws Exception {
        Runner r = startBoxedWithForkServer();
        Out loop = forked(r, "import os\nos.fork()\nwhile True: pass", List.of(), Map.of(), new byte[0],
                Duration.ofMillis(500));
        assertThat(loop.code()).isEqualTo(137);
        assertThat(r.forkServerReady()).isTrue();
        assertThat(forked(r, "print('next')", List.of(), Map.of(), new byte[0], Duration.ofSeconds(30)).stdout())
                .isEqualTo("next\n");
    }

    @Test
    void aForkedRunAskedForAfterTheForkServerDiedIsNotStartedSoTheHostCanRunItAnotherWay() throws Exception {
        Runner r = startBoxedWithForkServer();
        Runner.RunHandle kill = r.runForked(new ExecRequest(List.of("python3", "/tmp/.sandbox4j/r1/main.py"),
                Map.of(), "65534:65534", "/tmp", new byte[0]), Map.of("main.py", ("import os, signal\n"
                        + "os.kill(os.getppid(), signal.SIGKILL)").getBytes(StandardCharsets.UTF_8)),
                "/tmp/.sandbox4j/r1", null, discard(), Duration.ofSeconds(30), null, 0);
        kill.exitCode().get(60, TimeUnit.SECONDS);
        // the host may ask before it has seen the runner say the fork server failed
        Runner.RunHandle h = r.runForked(new ExecRequest(List.of("python3", "/tmp/.sandbox4j/r1/main.py"), Map.of(),
                "65534:65534", "/tmp", new byte[0]), Map.of("main.py", "print(1)".getBytes(StandardCharsets.UTF_8)),
                "/tmp/.sandbox4j/r1", null, discard(), Duration.ofSeconds(30), null, 0);
        h.exitCode().get(60, TimeUnit.SECONDS);
        assertThat(h.notStarted()).as("not a python3 without its files (exit 2)").isTrue();
        assertThat(r.isAlive()).isTrue();
    }

    // ---------------------------------------------------------------- CPU time limit, the runner's timings

    private Runner.RunHandle limited(Runner r, String script, Duration timeout, Duration cpu) {
        return r.run(new ExecRequest(List.of("/bin/sh", "-c", script), Map.of(), "0:0", "/", new byte[0]), discard(),
                timeout, cpu, 0);
    }

    @Test
    void killsARunWhoseProcessesTogetherUsedUpTheirCpuTime() throws Exception {
        Runner r = start();
        // two busy children: each alone stays under the limit for a while, together they reach it
        Runner.RunHandle h = limited(r, "(while :; do :; done) & (while :; do :; done) & wait",
                Duration.ofSeconds(60), Duration.ofMillis(400));
        // a generous bound: the runner kills at 0.4 s of CPU; only a runner that ignores the limit waits for the 60 s
        assertThat(h.exitCode().get(45, TimeUnit.SECONDS)).isEqualTo(137);
        assertThat(h.killedBy()).isEqualTo(Runner.Killed.CPU);
        assertThat(h.times().runCpu()).isGreaterThanOrEqualTo(400);
        assertThat(h.times().wallMicros()).isNotNegative();
        assertThat(h.times().teardownMicros()).isNotNegative();
    }

    @Test
    void aSleepingProgramIsNotKilledForCpuButAtItsDeadline() throws Exception {
        Runner r = start();
        Runner.RunHandle h = limited(r, "sleep 60", Duration.ofMillis(700), Duration.ofMillis(300));
        // a generous bound: the deadline is 0.7 s
        assertThat(h.exitCode().get(45, TimeUnit.SECONDS)).isEqualTo(137);
        assertThat(h.killedBy()).isEqualTo(Runner.Killed.TIMEOUT);
        assertThat(h.times().runCpu()).isBetween(0L, 299L);
    }

    @Test
    void setsRlimitCpuASecondPastTheLimitAsABackstop() throws Exception {
        Runner r = start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Runner.RunHandle h = r.run(new ExecRequest(List.of("/bin/sh", "-c", "ulimit -t; ulimit -H -t"), Map.of(),
                "0:0", "/", new byte[0]), new OutputSink() {
                    @Override
                    public synchronized void stdout(byte[] chunk) {
                        out.writeBytes(chunk);
                    }

                    @Override
                    public void stderr(byte[] chunk) {}
                }, Duration.ofSeconds(20), Duration.ofMillis(1500), 0);
        assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("3\n4\n");
        assertThat(h.killedBy()).isEqualTo(Runner.Killed.NO);
    }

    @Test
    void reportsTheProgramsWallTimeAndTheTeardownApart() throws Exception {
        Runner r = start();
        Runner.RunHandle h = r.run(new ExecRequest(List.of("/bin/true"), Map.of(), "0:0", "/", new byte[0]),
                discard());
        assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isZero();
        assertThat(h.times().wallMicros()).isNotNegative();
        assertThat(h.times().teardownMicros()).isNotNegative();
        assertThat(h.times().runCpu()).as("polled only with a CPU limit").isEqualTo(-1);
    }

    private static OutputSink discard() {
        return new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {}

            @Override
            public void stderr(byte[] chunk) {}
        };
    }

    /** A backend whose one "box" is the host: execs are local processes (as the current user). */
    private static final class HostBackend implements SandboxBackend {
        final List<Process> processes = new CopyOnWriteArrayList<>();
        volatile String perl = "perl";
        /** Runs the runner in a PID namespace of its own as uid 65534 ({@link #BOX_PREFIX}). */
        volatile boolean boxed;
        /** ... with a process tree started before it, as PID 2 (a stateful session's kernel). */
        volatile boolean kernel;
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
                if (boxed) {
                    List<String> wrapped = new ArrayList<>(BOX_PREFIX.subList(0, BOX_PREFIX.size() - 2));
                    wrapped.add(kernel ? "kernel" : "-");
                    wrapped.addAll(argv);
                    argv = wrapped;
                }
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
