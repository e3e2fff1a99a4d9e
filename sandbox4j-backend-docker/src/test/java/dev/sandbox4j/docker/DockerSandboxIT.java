package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.Language;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The foundation's behaviour against a real Docker engine. */
@Tag("docker")
class DockerSandboxIT {
    /** Lists the sandbox user's processes other than the lister itself (python, so it needs no procps). */
    /** The processes a run left behind: "pid name" per line (the TCK's listing). */
    static final String LIST_PROCESSES = dev.sandbox4j.tck.SandboxTck.LIST_PROCESSES;

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

    static SandboxSession python(ResourceLimits limits) {
        return client.openSession(Language.PYTHON, DockerTestSupport.options().limits(limits).build());
    }

    static SandboxSession python() {
        return python(ResourceLimits.defaults());
    }

    @Test
    void runsPythonHelloWorld() {
        ExecutionResult r = client.run(Language.PYTHON, "print('hello from python')",
                DockerTestSupport.options().build(), RunOptions.defaults());
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("hello from python\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.killReason()).isNull();
    }

    @Test
    void runsJavaScriptHelloWorldAsScriptAndModule() {
        try (SandboxSession s = client.openSession("js", DockerTestSupport.options().build())) {
            ExecutionResult cjs = s.run("const os = require('os'); console.log('hello from node', os.userInfo().uid)");
            assertThat(cjs.status()).as(cjs.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(cjs.stdout()).isEqualTo("hello from node 65534\n");
            ExecutionResult esm = s.run("import { platform } from 'os';\nconsole.log(`esm on ${platform()}`);");
            assertThat(esm.stdout()).as(esm.stderr()).isEqualTo("esm on linux\n");
            ExecutionResult err = s.run("console.error('bad'); process.exit(4)");
            assertThat(err.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(err.exitCode()).isEqualTo(4);
            assertThat(err.stderr()).isEqualTo("bad\n");
        }
    }

    @Test
    void reportsNonZeroExitWithStderr() {
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run("import sys\nprint('out')\nraise SystemExit('boom')");
            assertThat(r.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).contains("boom");
            ExecutionResult tb = s.run("1/0");
            assertThat(tb.stderr()).contains("ZeroDivisionError");
        }
    }

    @Test
    void passesStdinArgsAndEnvironment() {
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run("import sys, os\nprint(sys.stdin.read().upper(), sys.argv[1:], os.environ['GREETING'])",
                    RunOptions.builder().stdin("abc\n").args(List.of("x", "y z")).env("GREETING", "hi").build());
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("ABC\n ['x', 'y z'] hi\n");
            ExecutionResult noStdin = s.run("import sys\nprint(repr(sys.stdin.read()))");
            assertThat(noStdin.stdout()).isEqualTo("''\n");
        }
    }

    @Test
    @DisplayName("timeout kills the whole tree, daemons included, and the run returns")
    void killsProcessTreeOnTimeout() {
        try (SandboxSession s = python()) {
            String code = """
                    import os, subprocess, time
                    subprocess.Popen(['setsid', 'sh', '-c', 'while true; do sleep 1; done'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    if os.fork() == 0:          # classic double-fork daemon, re-parented to init
                        os.setsid()
                        if os.fork() == 0:
                            while True:
                                time.sleep(1)
                        os._exit(0)
                    print('started', flush=True)
                    time.sleep(60)
                    """;
            long t0 = System.nanoTime();
            ExecutionResult r = s.run(code, RunOptions.timeout(Duration.ofSeconds(2)));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).contains("timed out after 2 s");
            assertThat(r.stdout()).isEqualTo("started\n");
            // a deadline, not a speed claim: without the kill the program runs 60 s; how soon after its 2 s deadline
            // a run returns is measured (not asserted) by the fork-bomb/kill benchmarks
            assertThat(took).isLessThan(Duration.ofSeconds(45));
            ExecutionResult ps = s.run(LIST_PROCESSES);
            assertThat(ps.stdout()).as("processes left after the timeout").isEmpty();
            assertThat(s.run("print(6*7)").stdout()).isEqualTo("42\n");
        }
    }

    @Test
    void backgroundProcessHoldingTheOutputDoesNotBlockTheRun() {
        try (SandboxSession s = python()) {
            // the background process holds stdout for 10 minutes: a run that waited for the stream to close would hit
            // its 60 s timeout (TIMED_OUT), so OK shows it returned when the program itself ended
            ExecutionResult r = s.run("import subprocess\nsubprocess.Popen(['sleep', '600'])\nprint('done')",
                    RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).as(r.killReason()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("done\n");
        }
    }

    @Test
    void containsForkBomb() {
        try (SandboxSession s = python(ResourceLimits.builder().pids(64).build())) {
            String bomb = """
                    import os
                    while True:
                        try:
                            os.fork()
                        except OSError:
                            pass
                    """;
            ExecutionResult r = s.run(bomb, RunOptions.timeout(Duration.ofSeconds(3)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            // starting our kill exec waits for a free pid while the bomb holds them all: ~1-2 s here, more when busy
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(15));
            ExecutionResult after = s.run(LIST_PROCESSES);
            assertThat(after.stdout()).as(after.stderr()).isEmpty();
            assertThat(s.run("print('alive')").stdout()).isEqualTo("alive\n");
        }
    }

    @Test
    void reportsOutOfMemory() {
        try (SandboxSession s = python(ResourceLimits.builder().memory(DataSize.ofMegabytes(128)).build())) {
            ExecutionResult r = s.run("a = []\nwhile True:\n    a.append(bytearray(16 * 1024 * 1024))",
                    RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.exitCode()).isEqualTo(137);
            assertThat(r.killReason()).contains("out of memory").contains("128 MiB");
            ExecutionResult again = s.run("print('still here')");
            assertThat(again.status()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult exit137 = s.run("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)");
            assertThat(exit137.status()).as("SIGKILL without OOM").isEqualTo(ExecutionStatus.NONZERO_EXIT);
        }
    }

    @Test
    void refusesWritesOutsideTheTmpfs() {
        try (SandboxSession s = python()) {
            for (String path : List.of("/etc/evil", "/usr/lib/evil", "/evil", "/var/evil")) {
                ExecutionResult r = s.run("open('" + path + "', 'w').write('x')");
                assertThat(r.status()).as(path).isEqualTo(ExecutionStatus.NONZERO_EXIT);
                assertThat(r.stderr()).as(path).containsAnyOf("Read-only file system", "Permission denied");
            }
            ExecutionResult ok = s.run("open('/workspace/ok', 'w').write('x'); open('/tmp/ok', 'w').write('y');"
                    + "import os; print(os.getuid(), sorted(os.listdir('/workspace')))");
            assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("65534 ['ok']\n");
            ExecutionResult caps = s.run("print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'NoNewPrivs'))])");
            assertThat(caps.stdout()).contains("CapEff:\\t0000000000000000").contains("NoNewPrivs:\\t1");
        }
    }

    @Test
    void hasNoNetworkButLoopback() {
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run("import os\nprint(sorted(os.listdir('/sys/class/net')))");
            assertThat(r.stdout()).isEqualTo("['lo']\n");
            ExecutionResult connect = s.run("import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=3)");
            assertThat(connect.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(connect.stderr()).contains("OSError");
        }
    }

    @Test
    void truncatesOutputFloodAndFlagsIt() {
        try (SandboxSession s = python()) {
            ExecutionResult r = s.run("import sys\nsys.stdout.write('x' * (10 * 1024 * 1024))\nprint('never')");
            assertThat(r.status()).isEqualTo(ExecutionStatus.OUTPUT_LIMIT);
            assertThat(r.stdoutTruncated()).isTrue();
            assertThat(r.stderrTruncated()).isFalse();
            assertThat(r.stdout()).hasSize(1024 * 1024);
            assertThat(r.killReason()).contains("stdout exceeded the output limit of 1 MiB");
            ExecutionResult small = s.run("print('x' * 2000)",
                    RunOptions.builder().outputLimit(DataSize.ofKilobytes(1)).build());
            assertThat(small.stdout()).hasSize(1024);
            assertThat(small.stdoutTruncated()).isTrue();
            assertThat(s.run("print('ok')").stdout()).isEqualTo("ok\n");
        }
    }

    @Test
    void roundTripsFilesAndRefusesTraversal() {
        try (SandboxSession s = python()) {
            byte[] data = new byte[300_000];
            new Random(7).nextBytes(data);
            s.putFile("data/in.bin", data);
            assertThat(s.getFile("data/in.bin")).isEqualTo(data);
            assertThat(s.getFile("/workspace/data/in.bin")).isEqualTo(data);
            s.putFile("empty.txt", new byte[0]);
            assertThat(s.getFile("empty.txt")).isEmpty();
            ExecutionResult r = s.run("import hashlib\nprint(len(open('data/in.bin','rb').read()))\n"
                    + "open('out.txt','w').write('written by python')");
            assertThat(r.stdout()).isEqualTo("300000\n");
            assertThat(new String(s.getFile("out.txt"), StandardCharsets.UTF_8)).isEqualTo("written by python");
            for (String bad : List.of("../etc/passwd", "/etc/passwd", "data/../../etc/shadow", "", "/workspace/../etc/x")) {
                assertThatThrownBy(() -> s.putFile(bad, new byte[] {1}))
                        .as(bad).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> s.getFile(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> s.getFile("missing.txt")).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("/workspace/missing.txt");
        }
    }

    @Test
    void policyBlocksBeforeAnyProcessAndSanitiserRedactsOutput() {
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options()
                .policy(dev.sandbox4j.policy.SecurityPolicy.production())
                .sanitizer(dev.sandbox4j.policy.OutputSanitizer.defaults()).build())) {
            ExecutionResult blocked = s.run("import subprocess\nsubprocess.run(['touch', '/workspace/ran'])");
            assertThat(blocked.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(blocked.violations()).extracting(dev.sandbox4j.policy.Violation::rule)
                    .contains("module:python:subprocess");
            ExecutionResult ls = s.exec("ls", "/workspace");
            assertThat(ls.stdout()).as("the blocked code never ran").doesNotContain("ran");
            ExecutionResult r = s.run("# import subprocess (a comment)\nprint('token=abc123\\nhost 10.20.30.40')");
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).doesNotContain("abc123").doesNotContain("10.20.30.40").contains("REDACTED");
            assertThat(r.redactions()).extracting(dev.sandbox4j.policy.Redaction::kind).contains("password", "ipv4");
        }
    }

    @Test
    void execRunsCommandsAsTheSandboxUser() {
        try (SandboxSession s = python()) {
            ExecutionResult id = s.exec("id", "-u");
            assertThat(id.stdout()).isEqualTo("65534\n");
            ExecutionResult missing = s.exec("no-such-command");
            assertThat(missing.exitCode()).isEqualTo(127);
        }
    }

    @Test
    void sessionLifetimeEndsRunsAndClosesSession() {
        try (SandboxSession s = client.openSession(Language.PYTHON,
                DockerTestSupport.options().sessionTimeout(Duration.ofSeconds(3)).build())) {
            // the lifetime (3 s), not the run's own timeout (5 min), ends the run: the kill reason says which
            ExecutionResult r = s.run("import time\ntime.sleep(600)", RunOptions.timeout(Duration.ofMinutes(5)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).contains("session lifetime");
            assertThat(s.isOpen()).isFalse();
            assertThatThrownBy(() -> s.run("print(1)")).isInstanceOf(SessionClosedException.class)
                    .hasMessageContaining("lifetime");
        }
    }

    @Test
    void closingRemovesTheContainer() {
        SandboxSession s = python();
        String name = "sandbox4j-python-" + s.id();
        try (DockerClient dc = DockerTestSupport.docker()) {
            assertThat(dc.listContainersCmd().withNameFilter(List.of(name)).exec()).hasSize(1);
            s.close();
            s.close(); // idempotent
            assertThat(dc.listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec()).isEmpty();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThatThrownBy(() -> s.run("print(1)")).isInstanceOf(SessionClosedException.class);
    }

    @Test
    void removesBoxesOfDeadOwners() throws Exception {
        try (DockerClient dc = DockerTestSupport.docker()) {
            String id = dc.createContainerCmd(client.imageFor("python"))
                    .withEntrypoint("sleep").withCmd("infinity")
                    .withLabels(Map.of("dev.sandbox4j.managed", "true",
                            "dev.sandbox4j.owner", ownerOfDeadProcess(),
                            DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID))
                    .exec().getId();
            dc.startContainerCmd(id).exec();
            try (SandboxSession live = python()) {
                List<String> removed = client.removeOrphans();
                assertThat(removed).contains(id);
                assertThat(live.run("print('live session untouched')").stdout()).isEqualTo("live session untouched\n");
            }
        }
    }

    /** An owner label of a process that has exited (a short-lived child of ours). */
    private static String ownerOfDeadProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long start = p.toHandle().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        p.waitFor();
        String host = java.nio.file.Files.readString(java.nio.file.Path.of("/etc/hostname")).trim();
        return host + ":" + p.pid() + ":" + start;
    }
}
