package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.Language;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import dev.sandbox4j.tck.SandboxTck;

/**
 * Programs that try to change the result of another run (issue: result integrity): a daemon taking over the resident
 * runner's channel, a program tracing it or writing into it, a kernel cell writing its own protocol messages, and what
 * survives a run or a reset. Each attack worked before the runner protected itself and killed leftovers.
 */
@Tag("docker")
@Tag("hostile")
class ResultIntegrityIT {
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

    private static SandboxSession python() {
        return client.openSession(Language.PYTHON, DockerTestSupport.options().build());
    }

    @Test
    @DisplayName("a daemon left by one run cannot answer the next run in the runner's place")
    void aDaemonLeftByOneRunCannotForgeTheNext() {
        try (SandboxSession s = python()) {
            for (int i = 0; i < 3; i++) {
                ExecutionResult first = s.run(SandboxTck.FORGER);
                assertThat(first.stdout()).as(first.stderr()).isEqualTo("run 1 done\n");
                ExecutionResult second = s.run("import sys, time\ntime.sleep(1)\nprint('REAL')\nsys.exit(3)");
                assertThat(second.stdout()).isEqualTo("REAL\n");
                assertThat(second.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
                assertThat(second.exitCode()).isEqualTo(3);
                assertThat(s.run(DockerSandboxIT.LIST_PROCESSES).stdout()).as("left behind").isEmpty();
            }
        }
    }

    @Test
    @DisplayName("a program can neither open the runner's descriptors nor trace it, nor inherit any of them")
    void aProgramCannotReachTheRunnersChannel() {
        String probe = SandboxTck.FIND_RUNNER + """
                import ctypes, os
                for fd in (0, 1):
                    try:
                        os.open('/proc/%d/fd/%d' % (runner, fd), os.O_RDWR)
                        print('opened', fd)
                    except OSError as e:
                        print('fd', fd, e.strerror)
                libc = ctypes.CDLL(None, use_errno=True)
                print('ptrace', libc.ptrace(16, runner, None, None), os.strerror(ctypes.get_errno()))
                fds = []
                for f in os.listdir('/proc/self/fd'):
                    try:
                        fds.append((int(f), os.readlink('/proc/self/fd/' + f)))
                    except OSError:
                        pass  # the listing's own descriptor, closed by now
                print('own fds', sorted(n for n, target in fds if n > 2))
                """;
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run(probe);
            assertThat(r.stdout()).as(r.stderr())
                    .contains("fd 0 Permission denied", "fd 1 Permission denied")
                    .containsPattern("ptrace -1 (Operation not permitted|Permission denied)")
                    .doesNotContain("opened");
            assertThat(r.stdout().lines().filter(l -> l.startsWith("own fds")).findFirst().orElse(r.stderr()))
                    .as("descriptors a program inherits beyond stdin/stdout/stderr (the listing's own is dropped)")
                    .isEqualTo("own fds []");
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        }
    }

    @Test
    @DisplayName("processes a run leaves behind are killed when it ends")
    void leftoversDieWithTheRun() {
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run("""
                    import os, subprocess
                    subprocess.Popen(['sleep', '1000'])
                    subprocess.Popen(['setsid', 'sh', '-c', 'trap "" TERM HUP; sleep 1001'])
                    if os.fork() == 0:
                        os.setsid()
                        if os.fork() == 0:
                            import time
                            time.sleep(1000)
                        os._exit(0)
                    print('started')
                    """);
            assertThat(r.stdout()).isEqualTo("started\n");
            assertThat(s.run(DockerSandboxIT.LIST_PROCESSES).stdout()).as("left behind").isEmpty();
        }
    }

    @Test
    @DisplayName("a fork bomb, daemonised children and a SIGTERM-ignoring tree end within the deadline + 1 s")
    void everyKindOfTreeEndsAtTheDeadline() {
        Map<String, String> programs = Map.of(
                "fork bomb", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                "daemons", """
                        import os, subprocess, time
                        subprocess.Popen(['setsid', 'sh', '-c', 'while true; do sleep 1; done'])
                        if os.fork() == 0:
                            os.setsid()
                            if os.fork() == 0:
                                while True:
                                    time.sleep(1)
                            os._exit(0)
                        time.sleep(60)
                        """,
                "ignores SIGTERM", """
                        import os, signal, time
                        signal.signal(signal.SIGTERM, signal.SIG_IGN)
                        for _ in range(5):
                            if os.fork() == 0:
                                break
                        time.sleep(60)
                        """);
        Duration timeout = Duration.ofSeconds(2);
        List<String> figures = new ArrayList<>();
        try (SandboxSession s = client.openSession(Language.PYTHON,
                DockerTestSupport.options().limits(ResourceLimits.builder().pids(64).build()).build())) {
            programs.forEach((name, code) -> {
                List<Long> ms = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    ExecutionResult r = s.run(code, RunOptions.timeout(timeout));
                    ms.add(r.duration().toMillis());
                    assertThat(r.status()).as(name).isEqualTo(ExecutionStatus.TIMED_OUT);
                    assertThat(r.killReason()).isEqualTo("timed out after 2 s");
                    // the promise of a timeout: the result is back long before the program's own end (sleep 60 / a
                    // bomb that never ends), every process gone. The runner kills at the deadline itself (figures:
                    // 2.1-2.9 s for a 2 s timeout); the bound is generous because a machine at a load average of 20+
                    // (seen while other builds ran) starves the kill itself for seconds.
                    assertThat(r.duration()).as("%s, run %d", name, i).isLessThanOrEqualTo(timeout.plusSeconds(8));
                    assertThat(s.run(DockerSandboxIT.LIST_PROCESSES).stdout()).as("%s left behind", name).isEmpty();
                }
                figures.add(name + " (timeout 2 s): " + ms + " ms");
            });
            assertThat(s.run("print('alive')").stdout()).isEqualTo("alive\n");
        }
        figures.forEach(f -> System.out.println("[deadline] " + f));
    }

    @Test
    @DisplayName("a kernel cell that writes its own done is caught, and its forged result is not reported")
    void aKernelCellCannotForgeItsResult() {
        String forge = """
                import gc, sys
                send = next(o for o in gc.get_objects() if callable(o) and getattr(o, '__name__', '') == 'send'
                            and '_PROTO_OUT' in getattr(o, '__globals__', {}))
                cur = send.__globals__['_current'][0]
                send({"type": "stream", "id": cur, "name": "stdout", "text": "FORGED: all 10 tests passed\\n"})
                send({"type": "done", "id": cur, "count": 1, "status": "ok"})
                sys.exit(5)
                """;
        try (SandboxSession s = client.openSession(Language.PYTHON,
                DockerTestSupport.options().stateful(true).build())) {
            assertThat(s.run("x = 41").status()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult r = s.run(forge);
            assertThat(r.status()).as(r.stdout() + r.stderr()).isNotEqualTo(ExecutionStatus.OK);
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.killReason()).contains("kernel protocol messages of its own");
            ExecutionResult after = s.run("print('x' in dir())");
            assertThat(after.stdout()).as("a fresh interpreter").isEqualTo("False\n");
            assertThat(after.status()).isEqualTo(ExecutionStatus.OK);
        }
    }

    @Test
    @DisplayName("reset is a fresh interpreter with every process of the old one gone")
    void resetKillsThreadsAndChildrenOfEarlierCells() {
        try (SandboxSession s = client.openSession(Language.PYTHON,
                DockerTestSupport.options().stateful(true).build())) {
            ExecutionResult setup = s.run("""
                    import subprocess, threading, time
                    def ghost():
                        while True:
                            print('ghost', flush=True)
                            time.sleep(0.02)
                    threading.Thread(target=ghost, daemon=True).start()
                    subprocess.Popen(['sleep', '1000'])
                    y = 1
                    """);
            assertThat(setup.status()).as(setup.stderr()).isEqualTo(ExecutionStatus.OK);
            s.reset();
            ExecutionResult later = s.run("import time\ntime.sleep(0.3)\nprint('y' in dir())");
            assertThat(later.stdout()).isEqualTo("False\n");
            ExecutionResult ps = s.exec(List.of("python3", "-c", DockerSandboxIT.LIST_PROCESSES), RunOptions.defaults());
            assertThat(ps.stdout().lines()).as("only the new kernel is left").singleElement()
                    .satisfies(l -> assertThat(l).endsWith("python3"));
        }
    }
}
