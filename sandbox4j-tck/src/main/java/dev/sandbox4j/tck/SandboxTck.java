package dev.sandbox4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The compatibility kit every backend passes. A backend's integration test extends this class, creates a client of
 * that backend (typically in a static {@code @BeforeAll}, closed in {@code @AfterAll}) and returns it from
 * {@link #client()}; {@link #liveBoxes()} lists what the backend still holds so that the kit can check that nothing
 * leaks. The programs are Python.
 *
 * <p>Tests of a {@link TckFeature} the backend declares in {@link #unsupported()} are skipped with the declared reason;
 * everything else must pass.
 *
 * @since 0.2
 */
public abstract class SandboxTck {
    /** The client under test. */
    protected abstract SandboxClient client();

    /**
     * Ids of the boxes (containers, Pods, processes) the backend still holds for {@link #client()}; the kit compares
     * this set before and after opening and closing sessions.
     */
    protected abstract Set<String> liveBoxes();

    /** The language the kit's (Python) programs run as: {@code python} unless the backend names it otherwise. */
    protected String language() {
        return "python";
    }

    /** The options every session of the kit starts from; limits are changed per test. */
    protected SessionOptions.Builder options() {
        return SessionOptions.builder();
    }

    /** Features this backend cannot offer on its platform, with the reason; their tests are skipped. */
    protected Map<TckFeature, String> unsupported() {
        return Map.of();
    }

    /** How long a box may take to disappear after its session closed (an API server deletes Pods asynchronously). */
    protected Duration removalGrace() {
        return Duration.ofSeconds(10);
    }

    private void require(TckFeature feature) {
        String reason = unsupported().get(feature);
        Assumptions.assumeTrue(reason == null, () -> feature + " unsupported by this backend: " + reason);
    }

    private SandboxSession open() {
        return client().openSession(language(), options().build());
    }

    private SandboxSession open(UnaryOperator<ResourceLimits.Builder> limits) {
        SessionOptions base = options().build();
        return client().openSession(language(),
                base.toBuilder().limits(limits.apply(base.limits().toBuilder()).build()).build());
    }

    @Test
    void runsHelloWorldWithExitCodeAndStderr() {
        try (SandboxSession s = open()) {
            ExecutionResult ok = s.run("print('hello, tck')");
            assertThat(ok.status()).as(ok.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(ok.exitCode()).isZero();
            assertThat(ok.stdout()).isEqualTo("hello, tck\n");
            assertThat(ok.killReason()).isNull();

            ExecutionResult failed = s.run("import sys\nprint('out')\nsys.stderr.write('err\\n')\nsys.exit(3)");
            assertThat(failed.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(failed.exitCode()).isEqualTo(3);
            assertThat(failed.stdout()).isEqualTo("out\n");
            assertThat(failed.stderr()).isEqualTo("err\n");

            ExecutionResult raised = s.run("raise ValueError('tck boom')");
            assertThat(raised.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(raised.stderr()).contains("ValueError: tck boom");

            ExecutionResult unicode = s.run("print('grüße ✓ 数据')");
            assertThat(unicode.stdout()).isEqualTo("grüße ✓ 数据\n");
        }
    }

    @Test
    void feedsStandardInput() {
        require(TckFeature.STDIN);
        try (SandboxSession s = open()) {
            ExecutionResult r = s.run("import sys\ndata = sys.stdin.read()\nprint(len(data), data.upper().strip())",
                    RunOptions.builder().stdin("line one\nline two\n").build());
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("18 LINE ONE\nLINE TWO\n");
            ExecutionResult none = s.run("import sys\nprint(repr(sys.stdin.read()))");
            assertThat(none.stdout()).as(none.stderr()).isEqualTo("''\n");
        }
    }

    @Test
    void killsARunPastItsTimeoutAndTheSessionStaysUsable() {
        require(TckFeature.TIMEOUT);
        try (SandboxSession s = open()) {
            ExecutionResult r = s.run("print('started', flush=True)\nwhile True:\n    pass",
                    RunOptions.timeout(Duration.ofSeconds(2)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).isNotBlank();
            assertThat(r.stdout()).isEqualTo("started\n");
            // a deadline, not a speed claim: the program never ends by itself; 10 times its timeout is only reached
            // when the kill does not work
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(20));
            ExecutionResult after = s.run("print('still usable')");
            assertThat(after.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(after.stdout()).isEqualTo("still usable\n");
        }
    }

    @Test
    void truncatesAnOutputFloodAndSaysSo() {
        require(TckFeature.OUTPUT_LIMIT);
        try (SandboxSession s = open(l -> l.outputLimit(DataSize.ofKilobytes(64)))) {
            ExecutionResult r = s.run("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)",
                    RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.OUTPUT_LIMIT);
            assertThat(r.stdoutTruncated()).isTrue();
            assertThat(r.stderrTruncated()).isFalse();
            assertThat(r.stdout()).hasSize(64 * 1024);
            assertThat(r.killReason()).contains("output limit");
            ExecutionResult small = s.run("print('x' * 2000)",
                    RunOptions.builder().outputLimit(DataSize.ofKilobytes(1)).build());
            assertThat(small.stdout()).hasSize(1024);
            assertThat(small.stdoutTruncated()).isTrue();
            assertThat(s.run("print('ok')").stdout()).isEqualTo("ok\n");
        }
    }

    @Test
    void endsARunPastTheMemoryLimitAsOutOfMemory() {
        require(TckFeature.MEMORY_LIMIT);
        try (SandboxSession s = open(l -> l.memory(DataSize.ofMegabytes(128)))) {
            ExecutionResult r = s.run("a = []\nwhile True:\n    a.append(bytearray(16 * 1024 * 1024))",
                    RunOptions.timeout(Duration.ofSeconds(30)));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.killReason()).contains("memory");
            ExecutionResult after = s.run("print('after oom')");
            assertThat(after.stdout()).as(after.stderr()).isEqualTo("after oom\n");
        }
    }

    @Test
    void containsAForkBomb() {
        require(TckFeature.PROCESS_LIMIT);
        try (SandboxSession s = open(l -> l.pids(64))) {
            ExecutionResult r = s.run("""
                    import os
                    while True:
                        try:
                            os.fork()
                        except OSError:
                            pass
                    """, RunOptions.timeout(Duration.ofSeconds(3)));
            assertThat(r.status()).isIn(ExecutionStatus.TIMED_OUT, ExecutionStatus.KILLED);
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(30));
            ExecutionResult after = s.run("print('alive')", RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(after.stdout()).as(after.stderr()).isEqualTo("alive\n");
        }
    }

    /**
     * A program that leaves a daemon behind to take over the sandbox's channel to the host: it waits until the run is
     * over, then tries to read the next run's request from the resident runner's descriptors and answer it with a forged
     * result (the attack a tester made work before the runner protected itself). Prints {@code run 1 done}.
     */
    /**
     * Python lines that set {@code runner} to the pid of the process that started the program: its parent, or, for a
     * run forked by a fork server (sandbox4j's Python boxes, named {@code sandbox4j-fork}), the fork server's parent.
     */
    public static final String FIND_RUNNER = """
            import os
            runner = os.getppid()
            try:
                st = open('/proc/%d/status' % runner).read()
                if 'Name:\tsandbox4j-fork' in st:
                    runner = int([l for l in st.splitlines() if l.startswith('PPid:')][0].split()[1])
            except OSError:
                pass  # a platform without /proc (WebAssembly)
            """;

    public static final String FORGER = FIND_RUNNER + """
            import os, struct, time
            try:
                child = os.fork()
            except OSError:
                child = None  # a platform without processes (WebAssembly): nothing can be left behind
            if child == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(0.5)  # until run 1 is over and the runner waits for run 2
                    end = time.time() + 15
                    while time.time() < end:
                        try:
                            fin = os.open('/proc/%d/fd/0' % runner, os.O_RDONLY)
                            fout = os.open('/proc/%d/fd/1' % runner, os.O_WRONLY)
                            os.kill(runner, 19)
                            os.read(fin, 1 << 20)
                            for t, p in ((b'O', b'FORGED: all 10 tests passed\\n'), (b'X', b'code=0 left=0')):
                                os.write(fout, t + struct.pack('>I', len(p)) + p)
                            break
                        except OSError:
                            time.sleep(0.005)
                    os._exit(0)
                os._exit(0)
            if child:
                os.waitpid(child, 0)
            print('run 1 done')
            """;

    /** Lists the processes of the program's uid other than its own chain and a fork server: "pid name" per line. */
    public static final String LIST_PROCESSES = """
            import os
            def status(p):
                return dict(l.split(':', 1) for l in open('/proc/%s/status' % p).read().splitlines() if ':' in l)
            # the program's own chain (itself, a fork server that forked it, the runner) and an idle fork server
            # (named sandbox4j-fork) are not leftovers, nor a fork server the runner is starting (still named python3)
            def starting_fork_server(p, st):
                try:
                    cmd = open('/proc/%s/cmdline' % p, 'rb').read()
                except OSError:
                    return False
                return int(st['PPid']) in mine - {1} and cmd.startswith(b'python3\\0-c\\0\"""sandbox4j fork server')
            mine, p = {1}, os.getpid()
            while p > 1 and os.path.isdir('/proc'):
                mine.add(p)
                p = int(status(p)['PPid'])
            for p in (os.listdir('/proc') if os.path.isdir('/proc') else []):
                if p.isdigit() and int(p) not in mine:
                    try:
                        st = status(p)
                    except OSError:
                        continue
                    if st['Uid'].split()[1] == str(os.getuid()) and st['Name'].strip() != 'sandbox4j-fork' \
                            and not starting_fork_server(p, st):
                        print(p, st['Name'].strip())
            """;

    @Test
    void aRunCannotChangeTheResultOfTheNextOne() {
        require(TckFeature.RUN_ISOLATION);
        try (SandboxSession s = open()) {
            ExecutionResult first = s.run(FORGER, RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(first.stdout()).as(first.stderr()).isEqualTo("run 1 done\n");
            ExecutionResult second = s.run("import sys, time\ntime.sleep(1)\nprint('REAL')\nsys.exit(3)",
                    RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(second.stdout()).isEqualTo("REAL\n");
            assertThat(second.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(second.exitCode()).isEqualTo(3);
            ExecutionResult left = s.run(LIST_PROCESSES, RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(left.stdout()).as("processes left behind by earlier runs").isEmpty();
        }
    }

    @Test
    void roundTripsFilesAndRefusesTraversal() {
        require(TckFeature.FILES);
        try (SandboxSession s = open()) {
            byte[] data = new byte[200_000];
            new Random(11).nextBytes(data);
            s.putFile("tck/in.bin", data);
            assertThat(s.getFile("tck/in.bin")).isEqualTo(data);
            ExecutionResult r = s.run("data = open('tck/in.bin', 'rb').read()\nprint(len(data))\n"
                    + "open('tck/out.txt', 'w').write('written by the program')");
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("200000\n");
            assertThat(new String(s.getFile("tck/out.txt"), StandardCharsets.UTF_8))
                    .isEqualTo("written by the program");
            for (String bad : List.of("../etc/passwd", "/etc/passwd", "tck/../../etc/shadow", "")) {
                assertThatThrownBy(() -> s.putFile(bad, new byte[] {1}))
                        .as(bad).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> s.getFile(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> s.getFile("tck/missing.txt")).isInstanceOf(RuntimeException.class);
        }
    }

    @Test
    void cannotReachTheNetwork() {
        require(TckFeature.NETWORK_ISOLATION);
        try (SandboxSession s = open()) {
            ExecutionResult r = s.run("""
                    import socket
                    for target in [('1.1.1.1', 80), ('8.8.8.8', 53)]:
                        try:
                            socket.create_connection(target, timeout=3).close()
                            print('connected', target)
                        except Exception as e:
                            print('refused', type(e).__name__)
                    """, RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(r.stdout()).as(r.stderr()).doesNotContain("connected").contains("refused");
        }
    }

    @Test
    void leavesNoBoxAfterSessionsAndOneShotRuns() {
        Set<String> before = liveBoxes();
        String id;
        try (SandboxSession s = open()) {
            assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
            Set<String> during = new HashSet<>(liveBoxes());
            during.removeAll(before);
            assertThat(during).as("the open session's box").isNotEmpty();
            id = s.id();
        }
        ExecutionResult oneShot = client().run(language(), "print('one shot')", options().build(), RunOptions.defaults());
        assertThat(oneShot.stdout()).as(oneShot.stderr()).isEqualTo("one shot\n");
        assertNothingLeftBut(before, "session " + id + " and a one-shot run");
    }

    @Test
    void runsSessionsConcurrentlyAndLeavesNoBox() throws Exception {
        require(TckFeature.CONCURRENCY);
        Set<String> before = liveBoxes();
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> outputs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                outputs.add(pool.submit(() -> {
                    try (SandboxSession s = open()) {
                        ExecutionResult r = s.run("print(" + k + " * 7)");
                        return r.stdout() + r.stderr();
                    }
                }));
            }
            for (int i = 0; i < n; i++) {
                assertThat(outputs.get(i).get()).isEqualTo(i * 7 + "\n");
            }
        } finally {
            // no interrupts: a session still opening or closing must finish and remove its box, even if another failed
            pool.shutdown();
            if (!pool.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        }
        assertNothingLeftBut(before, n + " concurrent sessions");
    }

    private void assertNothingLeftBut(Set<String> before, String what) {
        Awaitility.await("boxes of " + what + " removed").atMost(removalGrace())
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    Set<String> left = new HashSet<>(liveBoxes());
                    left.removeAll(before);
                    assertThat(left).as("boxes left behind by " + what).isEmpty();
                });
    }
}
