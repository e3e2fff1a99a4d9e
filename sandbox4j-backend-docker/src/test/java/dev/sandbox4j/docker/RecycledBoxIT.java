package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.DockerTestSupport.RUN_ID;
import static dev.sandbox4j.docker.DockerTestSupport.RUN_LABEL;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.SandboxTck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Recycled pool boxes ({@code PoolConfig.maxUses} 3) against the real engine: a run leaves behind everything it can
 * (files in the work directory, /tmp and /dev/shm, a user-site hook and shell rc files, a daemon, System V shared
 * memory, a message queue with a message and a semaphore, a changed work-directory mode, modules planted for the
 * runner's perl) and tries to reach the runner; the next two users of the same container see none of it, and after
 * its third use the box is replaced. Prints one-shot throughput with and without recycling ({@code [bench]}).
 */
@Tag("docker")
@Tag("hostile")
class RecycledBoxIT {
    /** A label of this class's pools only, so that boxes of other pool tests are never counted here. */
    static final String CLASS_LABEL = "test.recycled-box-it";
    static final RuntimeConfig RUNTIME = RuntimeConfig.builder().label(RUN_LABEL, RUN_ID).label(CLASS_LABEL, "1")
            .build();
    static final SessionOptions OPTIONS = SessionOptions.builder().runtime(RUNTIME).build();
    static final RunOptions RUN = RunOptions.timeout(Duration.ofSeconds(30));

    @BeforeAll
    static void engine() {
        DockerTestSupport.requireEngine();
    }

    @AfterAll
    static void noLeftovers() {
        DockerTestSupport.assertNoLeftovers();
    }

    static SandboxClient pooled(int size, int maxUses) {
        return DockerTestSupport.clientBuilder().pool(PoolConfig.builder("python").runtime(RUNTIME).minSize(size)
                .maxSize(size).maxUses(maxUses).exhaustion(PoolConfig.Exhaustion.WAIT)
                .acquireTimeout(Duration.ofSeconds(120)).build()).build();
    }

    static PoolStats stats(SandboxClient c) {
        return c.poolStats().get(0);
    }

    static List<String> poolBoxes() {
        try (DockerClient dc = DockerTestSupport.docker()) {
            return dc.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, RUN_ID, CLASS_LABEL, "1"))
                    .exec().stream().map(Container::getId).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pool after a one-shot: its box given back (or replaced) and ready, nothing in use; returns the box id. */
    static String settled(SandboxClient c) {
        // generous bound: a scrub or a box creation takes well under a second; only a pool that never settles waits
        PoolIT.await("one ready box, none in use, one box in the engine; now " + stats(c),
                () -> stats(c).ready() == 1 && stats(c).inUse() == 0 && poolBoxes().size() == 1,
                Duration.ofSeconds(120));
        return poolBoxes().get(0);
    }

    /** Run 1: leaves everything it can behind and tries to reach the runner. Prints what each attempt did. */
    static final String LEAVE_BEHIND = SandboxTck.FIND_RUNNER + """
            import ctypes, errno, os, struct, sys, time
            libc = ctypes.CDLL(None, use_errno=True)
            home = os.environ['HOME']
            def write(path, text, mode=0o644):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w') as f:
                    f.write(text)
                os.chmod(path, mode)
            write(home + '/planted.txt', 'PLANTED')
            write(home + '/.bashrc', 'export PLANTED=1\\necho PLANTED-BASHRC\\n')
            write(home + '/.profile', 'export PLANTED=1\\n')
            user_site = '%s/.local/lib/python%d.%d/site-packages' % (home, sys.version_info[0], sys.version_info[1])
            write(user_site + '/usercustomize.py', 'print("PLANTED-USERCUSTOMIZE")\\n')
            write(user_site + '/planted.pth', 'import sys; print("PLANTED-PTH")\\n')
            write(home + '/POSIX.pm', 'print STDOUT "PLANTED-PERL"; 1;\\n')
            write('/tmp/IO/Handle.pm', 'print STDOUT "PLANTED-PERL"; 1;\\n')
            write('/tmp/planted.txt', 'PLANTED')
            write('/tmp/.hidden/deeper/planted', 'PLANTED')
            write('/dev/shm/sem.planted', 'PLANTED', 0o666)
            os.makedirs(home + '/locked/inner')
            write(home + '/locked/inner/planted', 'PLANTED')
            os.chmod(home + '/locked', 0)
            os.symlink('/etc', home + '/etc-link')
            os.chmod(home, 0o777)
            IPC_CREAT, KEY = 0o1000, 0x5eed
            shm = libc.shmget(KEY, 4096, IPC_CREAT | 0o666)
            msq = libc.msgget(KEY, IPC_CREAT | 0o666)
            msg = struct.pack('l', 1) + b'PLANTED-MESSAGE'
            sent = libc.msgsnd(msq, msg, len(msg) - struct.calcsize('l'), 0)
            sem = libc.semget(KEY, 1, IPC_CREAT | 0o666)
            print('sysv', shm >= 0, msq >= 0, sent == 0, sem >= 0)
            mq = libc.mq_open(b'/planted', os.O_CREAT | os.O_RDWR, 0o600, None)
            print('posix mq refused', mq < 0)
            def refused(f):
                try:
                    f()
                    return False
                except OSError:
                    return True
            print('runner fds refused', refused(lambda: os.open('/proc/%d/fd/1' % runner, os.O_WRONLY)))
            print('runner mem refused', refused(lambda: open('/proc/%d/mem' % runner, 'rb').read(1)))
            print('runner ptrace refused', libc.ptrace(16, runner, None, None) != 0)  # PTRACE_ATTACH
            if os.fork() == 0:  # a daemon: its own session, waits for later users of the box
                os.setsid()
                if os.fork() == 0:
                    end = time.time() + 120
                    while time.time() < end:
                        write('/tmp/daemon-alive', str(time.time()))
                        time.sleep(0.05)
                os._exit(0)
            os.wait()
            print('planted')
            """;

    /** Runs 2 and 3: report everything of run 1 they can see, then the box's identity (init's start time). */
    static final String LOOK = SandboxTck.LIST_PROCESSES + """
            import os, stat, ctypes
            home = os.environ['HOME']
            def walk(root):
                found = []
                for dirpath, dirs, files in os.walk(root):
                    for n in dirs + files:
                        found.append(os.path.join(dirpath, n))
                return found
            seen = walk(home) + [p for p in walk('/tmp') if not p.startswith('/tmp/.sandbox4j')] + walk('/dev/shm')
            print('files', sorted(seen))
            print('home mode', oct(stat.S_IMODE(os.stat(home).st_mode)))
            for kind in ('shm', 'msg', 'sem'):
                print('sysv', kind, len(open('/proc/sysvipc/' + kind).read().splitlines()) - 1)
            libc = ctypes.CDLL(None, use_errno=True)
            print('shm by key', libc.shmget(0x5eed, 0, 0) >= 0, 'msg by key', libc.msgget(0x5eed, 0) >= 0)
            print('env', sorted(k for k in os.environ if 'PLANTED' in k))
            print('box', open('/proc/1/stat').read().split(')')[1].split()[19])
            """;

    @Test
    void theNextUsersOfARecycledBoxSeeNothingOfTheFirstAndTheBoxIsReplacedAfterMaxUses() {
        try (SandboxClient client = pooled(1, 3)) {
            String box = settled(client);

            ExecutionResult first = client.run("python", LEAVE_BEHIND, OPTIONS, RUN);
            assertThat(first.status()).as(first.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(first.stdout()).isEqualTo("""
                    sysv True True True True
                    posix mq refused True
                    runner fds refused True
                    runner mem refused True
                    runner ptrace refused True
                    planted
                    """);
            assertThat(settled(client)).as("the same container, given back").isEqualTo(box);
            assertThat(stats(client).recycled()).isEqualTo(1);

            String identity = null;
            for (int use = 2; use <= 3; use++) {
                ExecutionResult r = client.run("python", LOOK, OPTIONS, RUN);
                assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
                assertThat(r.stderr()).isEmpty();
                String out = r.stdout();
                assertThat(out).doesNotContain("PLANTED");
                String[] lines = out.split("\n");
                assertThat(lines).hasSize(8);
                assertThat(lines[0]).as("files of earlier runs").isEqualTo("files []");
                assertThat(lines[1]).isEqualTo("home mode 0o700");
                assertThat(lines).contains("sysv shm 0", "sysv msg 0", "sysv sem 0",
                        "shm by key False msg by key False", "env []");
                assertThat(out).as("no process of run 1 (LIST_PROCESSES prints one line per process)")
                        .startsWith("files ");
                String boxLine = lines[7];
                assertThat(boxLine).startsWith("box ");
                if (identity == null) {
                    identity = boxLine;
                } else {
                    assertThat(boxLine).as("the same container's init").isEqualTo(identity);
                }
                if (use == 2) {
                    assertThat(settled(client)).as("the same container, given back again").isEqualTo(box);
                }
            }
            String replacement = settled(client);
            assertThat(replacement).as("a new box after maxUses 3").isNotEqualTo(box);
            assertThat(poolBoxes()).doesNotContain(box);
            ExecutionResult fresh = client.run("python", LOOK, OPTIONS, RUN);
            assertThat(fresh.stdout()).startsWith("files []\n").doesNotContain(identity);
            settled(client);
            PoolStats s = stats(client);
            assertThat(s.recycled()).isEqualTo(2 + 1); // the first box twice, its replacement once
            assertThat(s.scrubFailures()).isZero();
            assertThat(s.created()).isEqualTo(2);
        }
        assertThat(poolBoxes()).isEmpty();
    }

    @Test
    void aRunThatKillsTheRunnerGetsItsBoxRemovedNotRecycled() {
        try (SandboxClient client = pooled(1, 3)) {
            String box = settled(client);
            ExecutionResult r = client.run("python", SandboxTck.FIND_RUNNER + """
                    import os, signal
                    os.kill(runner, signal.SIGKILL)
                    """, OPTIONS, RUN);
            assertThat(r.status()).as("the run ends (how: the runner is gone)").isNotNull();
            assertThat(settled(client)).as("the box is replaced").isNotEqualTo(box);
            assertThat(stats(client).recycled()).isZero();
            ExecutionResult next = client.run("python", "print('ok')", OPTIONS, RUN);
            assertThat(next.stdout()).isEqualTo("ok\n");
        }
    }

    @Test
    void aStatelessSessionWithTheForkServerGivesItsBoxBackAndTheNextUserStartsClean() {
        try (SandboxClient client = pooled(1, 2)) {
            String box = settled(client);
            String sessionForkServer;
            try (SandboxSession s = client.openSession("python", OPTIONS)) {
                // importing a preloaded module starts the fork server; later runs are its children
                assertThat(s.run("import json\nimport numpy\nprint('warm')", RUN).stdout()).isEqualTo("warm\n");
                PoolIT.await("the fork server", () -> s.run("import sys\nprint('numpy' in sys.modules)", RUN)
                        .stdout().equals("True\n"), Duration.ofSeconds(300)); // generous: imports on a busy machine
                ExecutionResult tamper = s.run("""
                        import numpy, os
                        numpy.PLANTED = 1
                        numpy.random.seed(1)
                        open(os.environ['HOME'] + '/planted.txt', 'w').write('PLANTED')
                        print('tampered')
                        """, RUN);
                assertThat(tamper.stdout()).isEqualTo("tampered\n");
                sessionForkServer = s.run("import os\nprint(os.getppid())", RUN).stdout().strip();
            }
            assertThat(settled(client)).isEqualTo(box);
            ExecutionResult next = client.run("python", SandboxTck.LIST_PROCESSES + """
                    import os, sys
                    def fork_server(p):
                        try:
                            return 'sandbox4j-fork' in open('/proc/%s/status' % p).read()
                        except OSError:
                            return False
                    servers = [p for p in os.listdir('/proc') if p.isdigit() and fork_server(p)]
                    print(sorted(os.listdir(os.environ['HOME'])), 'numpy' in sys.modules, servers)
                    """, OPTIONS, RUN);
            // the pool starts a new, bare fork server beside the recycled box's new runner: the session's is gone
            assertThat(next.stdout()).as("nothing of the session's fork server or files: no preloads, empty home")
                    .startsWith("[] False [").doesNotContain("'" + sessionForkServer + "'");
        }
    }

    @Test
    @Tag("benchmark") // prints figures; run with -Dgroups=benchmark -DexcludedGroups=
    void oneShotThroughputWithAndWithoutRecycling() throws Exception {
        int callers = 4;
        int perCaller = 10;
        int rounds = 3;
        // both pools exist at once and the rounds alternate, so that both see the same (shared, noisy) machine
        try (SandboxClient fresh = pooled(2, 1); SandboxClient recycling = pooled(2, 1000)) {
            for (SandboxClient c : List.of(fresh, recycling)) {
                PoolIT.await("2 ready boxes", () -> stats(c).ready() == 2, Duration.ofSeconds(300));
            }
            Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
            Map<String, List<Long>> latencies = new java.util.LinkedHashMap<>();
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                for (SandboxClient c : List.of(fresh, recycling)) {
                    String name = c == fresh ? "maxUses 1" : "maxUses 1000";
                    PoolIT.await("2 ready boxes", () -> stats(c).ready() == 2, Duration.ofSeconds(300));
                    List<Long> l = java.util.Collections.synchronizedList(new ArrayList<>());
                    long t0 = System.nanoTime();
                    try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
                        List<Future<?>> fs = new ArrayList<>();
                        for (int k = 0; k < callers; k++) {
                            fs.add(exec.submit(() -> {
                                for (int i = 0; i < perCaller; i++) {
                                    long s = System.nanoTime();
                                    ExecutionResult r = c.run("python", "print(1)", OPTIONS, RUN);
                                    l.add(System.nanoTime() - s);
                                    assertThat(r.stdout()).isEqualTo("1\n");
                                }
                                return null;
                            }));
                        }
                        for (Future<?> f : fs) {
                            f.get();
                        }
                    }
                    double rate = callers * perCaller / ((System.nanoTime() - t0) / 1e9);
                    if (round > 0) {
                        rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
                        latencies.computeIfAbsent(name, k -> new ArrayList<>()).addAll(l);
                    }
                }
            }
            System.out.printf("[bench] one-shot print(1), %d callers x %d runs, pool size 2, %d rounds alternating, "
                    + "%d cores, load average %s%n", callers, perCaller, rounds,
                    Runtime.getRuntime().availableProcessors(), java.nio.file.Files.readString(
                            java.nio.file.Path.of("/proc/loadavg")).strip());
            for (String name : rates.keySet()) {
                List<Long> sorted = latencies.get(name).stream().sorted().toList();
                List<Double> r = rates.get(name).stream().sorted().toList();
                System.out.printf("[bench]   %-13s %5.1f runs/s median of rounds %s; latency median %d ms, p95 %d ms%n",
                        name, r.get(r.size() / 2), r.stream().map(x -> String.format("%.1f", x)).toList(),
                        sorted.get(sorted.size() / 2) / 1_000_000, sorted.get(sorted.size() * 95 / 100) / 1_000_000);
            }
            System.out.println("[bench]   " + stats(fresh) + "\n[bench]   " + stats(recycling));
        }
    }
}
