package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.Language;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Stateless Python runs as forks of the session's fork server (numpy, pandas and matplotlib imported once): the same
 * results as a fresh interpreter, nothing of one run in the next, and a run that attacks the fork server changes
 * nothing but its own speed.
 */
@Tag("docker")
class ForkServerIT {
    static SandboxClient client;

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

    /** Whether the program started with numpy already imported: the sign of a forked run. */
    private static final String FORKED = "import sys\nprint('numpy' in sys.modules)";

    /** Whether a fork server with the preloads runs (or starts): its command line names them. */
    private static final String PRELOADING = """
            import os
            def cmdline(p):
                try:
                    return open('/proc/%s/cmdline' % p, 'rb').read()
                except OSError:
                    return b''
            print(any(b'\\0matplotlib.pyplot' in cmdline(p) for p in os.listdir('/proc') if p.isdigit()))
            """;

    private static SandboxSession forkingSession() {
        SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().build());
        // a run that imports a preloaded module starts the fork server, which imports numpy, pandas and matplotlib in
        // the background
        assertThat(s.run("import numpy").status()).isEqualTo(ExecutionStatus.OK);
        Awaitility.await("the fork server ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> s.run(FORKED).stdout().equals("True\n"));
        return s;
    }

    @Test
    void forkedRunsBehaveLikeAFreshInterpreter() {
        try (SandboxSession s = forkingSession()) {
            ExecutionResult args = s.run("import sys, os\nprint(sys.argv[1:], sys.stdin.read(), __name__, os.getcwd(),"
                    + " os.environ['X'])\nsys.exit(4)", RunOptions.builder().args(java.util.List.of("a", "b c")).stdin("in")
                    .env("X", "y").build());
            assertThat(args.stdout()).isEqualTo("['a', 'b c'] in __main__ /workspace y\n");
            assertThat(args.exitCode()).isEqualTo(4);
            assertThat(args.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(args.resourceUsage()).as("resource usage").isNotNull()
                    .satisfies(u -> assertThat(u.peakMemory()).isNotNull());
            ExecutionResult raised = s.run("def f():\n    raise KeyError('k')\nf()");
            assertThat(raised.stderr()).startsWith("Traceback (most recent call last):\n  File \"/tmp/.sandbox4j/")
                    .endsWith("KeyError: 'k'\n").doesNotContain("runpy", "zygote");
            assertThat(raised.exitCode()).isEqualTo(1);
            ExecutionResult fresh = s.run(FORKED, RunOptions.builder().freshInterpreter(true).build());
            assertThat(fresh.stdout()).as("a run that asks for a fresh interpreter").isEqualTo("False\n");
        }
    }

    @Test
    void plotsComeBackAsArtifactsFromForkedRuns() {
        try (SandboxSession s = forkingSession()) {
            ExecutionResult r = s.run("""
                    import matplotlib.pyplot as plt
                    plt.plot([1, 2, 3])
                    plt.show()
                    plt.figure(); plt.plot([3, 2, 1])
                    """, RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("figure-1.png", "figure-2.png");
        }
    }

    @Test
    void nothingOfARunReachesTheNextOneNotEvenThroughTheForkServer() {
        try (SandboxSession s = forkingSession()) {
            ExecutionResult first = s.run("""
                    import ctypes, json, os, random, signal, subprocess, sys
                    import numpy
                    numpy.pi = 3
                    json.dumps = lambda *a, **k: 'patched'
                    os.environ['LEAK'] = '1'
                    sys.modules['planted'] = object()
                    zygote = os.getppid()
                    libc = ctypes.CDLL(None, use_errno=True)
                    print('ptrace', libc.ptrace(16, zygote, None, None))
                    for fd in (3, 4):
                        try:
                            os.open('/proc/%d/fd/%d' % (zygote, fd), os.O_RDWR)
                            print('opened', fd)
                        except OSError as e:
                            print('fd', fd, e.strerror)
                    subprocess.Popen(['sleep', '1000'])
                    print(random.random(), numpy.random.rand())
                    """);
            assertThat(first.stdout()).as(first.stderr()).contains("ptrace -1", "fd 3 Permission denied",
                    "fd 4 Permission denied").doesNotContain("opened");
            ExecutionResult second = s.run("""
                    import json, os, random, sys
                    import numpy
                    print(numpy.pi == 3, json.dumps([1]), os.environ.get('LEAK'), 'planted' in sys.modules)
                    print(random.random(), numpy.random.rand())
                    """);
            assertThat(second.stdout().lines().findFirst()).hasValue("False [1] None False");
            assertThat(second.stdout().lines().skip(1).findFirst().orElseThrow())
                    .as("random generators are reseeded per run")
                    .isNotEqualTo(first.stdout().lines().reduce((a, b) -> b).orElseThrow());
            assertThat(s.run(DockerSandboxIT.LIST_PROCESSES).stdout()).as("left behind").doesNotContain("sleep");
        }
    }

    /**
     * The next run's process is forked ahead of time and waits between runs. A process beside it (a run in a fresh
     * interpreter) can signal it but not reach its memory, and whatever it does to it is not the next run's: the
     * runner kills every process but the fork server after a run, the waiting one too, and the fork server forks a
     * new one.
     */
    @Test
    void whatIsDoneToTheWaitingRunIsNotTheNextRunsResult() {
        try (SandboxSession s = forkingSession()) {
            ExecutionResult attack = s.run("""
                    import ctypes, os, signal
                    def status(p):
                        return dict(l.split(':', 1) for l in open('/proc/%s/status' % p).read().splitlines() if ':' in l)
                    servers = {p: status(p) for p in os.listdir('/proc') if p.isdigit()
                               and status(p)['Name'].strip() == 'sandbox4j-fork'}
                    waiting = [p for p, st in servers.items() if st['PPid'].strip() in servers]
                    print('waiting', len(waiting))
                    libc = ctypes.CDLL(None, use_errno=True)
                    for p in waiting:
                        print('ptrace', libc.ptrace(16, int(p), None, None))
                        try:
                            open('/proc/%s/mem' % p, 'rb')
                            print('mem opened')
                        except OSError as e:
                            print('mem', e.strerror)
                        os.kill(int(p), signal.SIGINT)
                        os.kill(int(p), signal.SIGSTOP)
                    """, RunOptions.builder().freshInterpreter(true).build());
            assertThat(attack.stdout()).as(attack.stderr()).contains("waiting 1", "ptrace -1", "mem Permission denied")
                    .doesNotContain("mem opened");
            for (int i = 0; i < 3; i++) {
                ExecutionResult next = s.run(FORKED);
                assertThat(next.status()).as(next.stderr()).isEqualTo(ExecutionStatus.OK);
                assertThat(next.stdout()).as("forked, and untouched by what was sent to the waiting run")
                        .isEqualTo("True\n");
                assertThat(next.stderr()).doesNotContain("KeyboardInterrupt");
            }
        }
    }

    /**
     * Each run in a fresh interpreter kills the waiting run's process (it is killed with everything but the fork server
     * after a run) and the fork server forks another: it must close the pipes of the one that died, or it runs out of
     * descriptors after a few hundred such runs. FDSize in /proc/PID/status (readable, unlike its fd directory) grows
     * past 64 once more than 64 descriptors were open.
     */
    @Test
    void theForkServerKeepsNoPipesOfWaitingRunsThatDied() {
        String fdSize = "import os\nprint([l.split()[1] for l in open('/proc/%d/status' % os.getppid())"
                + " if l.startswith('FDSize:')][0])";
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().build())) {
            assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
            Awaitility.await("runs forked from a bare fork server").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200)).until(() -> s.run("import os\nprint(open('/proc/%d/status'"
                            + " % os.getppid()).readline().split()[-1])").stdout().equals("sandbox4j-fork\n"));
            RunOptions fresh = RunOptions.builder().freshInterpreter(true).build();
            for (int i = 0; i < 40; i++) {
                assertThat(s.run("pass", fresh).status()).isEqualTo(ExecutionStatus.OK);
            }
            assertThat(s.run(fdSize).stdout()).as("the fork server's descriptor table").isEqualTo("64\n");
        }
    }

    @Test
    void aRunThatKillsTheForkServerOnlyLosesTheSpeed() {
        try (SandboxSession s = forkingSession()) {
            ExecutionResult kill = s.run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('done')");
            assertThat(kill.status()).isIn(ExecutionStatus.OK, ExecutionStatus.NONZERO_EXIT, ExecutionStatus.KILLED);
            ExecutionResult after = s.run("import sys\nprint('numpy' in sys.modules, 6 * 7)");
            assertThat(after.stdout()).as("a fresh interpreter from now on").isEqualTo("False 42\n");
            assertThat(after.status()).isEqualTo(ExecutionStatus.OK);
        }
    }

    @Test
    void aSessionCanAskForFreshInterpretersOrItsOwnPreloads() {
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().freshInterpreter(true)
                .build())) {
            assertThat(s.run(FORKED).stdout()).isEqualTo("False\n");
        }
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().preload("json")
                .build())) {
            s.run("import json"); // what starts it: a run that imports one of its preloads
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> s.run("import sys\nprint('json' in sys.modules and 'numpy' not in sys.modules)")
                            .stdout().equals("True\n"));
        }
    }

    @Test
    void theForkServerStartsBareAndImportsItsPreloadsOnlyOnceARunImportsOne() {
        String forkedBy = "import os\nprint(open('/proc/%d/status' % os.getppid()).read().split('\\n')[0].split()[-1])";
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().build())) {
            for (int i = 0; i < 3; i++) {
                assertThat(s.run("import json\nprint(json.dumps([1]))").stdout()).isEqualTo("[1]\n");
            }
            Awaitility.await("runs forked from a bare fork server").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200)).until(() -> s.run(forkedBy).stdout().equals("sandbox4j-fork\n"));
            assertThat(s.run(FORKED).stdout()).as("no preloads for runs that import none of them").isEqualTo("False\n");
            // a capturing run carries the figure hooks, which import matplotlib only if the program does
            RunOptions capture = RunOptions.builder().captureArtifacts(true).build();
            for (int i = 0; i < 2; i++) {
                assertThat(s.run("print(1)", capture).stdout()).isEqualTo("1\n");
            }
            assertThat(s.run(PRELOADING).stdout()).as("a capturing run that imports no preload does not start them")
                    .isEqualTo("False\n");
            assertThat(s.run("import pandas as pd\nprint(len(pd.DataFrame({'a': [1, 2]})))").stdout())
                    .isEqualTo("2\n");
            Awaitility.await("the fork server ready with its preloads").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200)).until(() -> s.run(FORKED).stdout().equals("True\n"));
            assertThat(s.run(PRELOADING).stdout()).isEqualTo("True\n");
            assertThat(s.run(forkedBy, RunOptions.builder().freshInterpreter(true).build()).stdout())
                    .as("a fresh interpreter is the runner's child").isNotEqualTo("sandbox4j-fork\n");
        }
    }

    @Test
    void aForkedRunEndsAsTheInterpreterWould() {
        // how a program ends: atexit functions, a thread still running, sys.exit with a message or a large code
        java.util.List<String> programs = java.util.List.of(
                "import atexit\natexit.register(lambda: print('bye'))\nprint('hi')",
                "import threading, time\ndef late():\n    time.sleep(0.3)\n    print('thread done')\n"
                        + "threading.Thread(target=late).start()\nprint('main done')",
                "import sys\nprint('out')\nsys.exit('fatal: no input')",
                "import sys\nsys.exit(300)",
                "import sys\nsys.stdout.write('no newline')\nraise SystemExit");
        try (SandboxSession forked = forkingSession();
                SandboxSession fresh = client.openSession(Language.PYTHON, DockerTestSupport.options()
                        .freshInterpreter(true).build())) {
            for (String code : programs) {
                ExecutionResult a = fresh.run(code);
                ExecutionResult b = forked.run(code);
                assertThat(b.stdout()).as(code).isEqualTo(a.stdout());
                assertThat(b.stderr()).as(code).isEqualTo(a.stderr());
                assertThat(b.exitCode()).as(code).isEqualTo(a.exitCode());
            }
            assertThat(forked.run(FORKED).stdout()).as("still forking").isEqualTo("True\n");
        }
    }
}
