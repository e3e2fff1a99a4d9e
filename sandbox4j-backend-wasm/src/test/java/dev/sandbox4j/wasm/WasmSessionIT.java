package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.policy.SecurityPolicy;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wasm backend against real Deno and Pyodide. */
class WasmSessionIT {
    private static WasmSandboxClient client;

    @BeforeAll
    static void start() {
        client = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            assertThat(client.processIds()).isEmpty();
        }
    }

    private static SandboxSession open(boolean stateful) {
        return client.openSession("python", SessionOptions.builder().stateful(stateful).build());
    }

    @Test
    void runsHelloWorldWithExitCodeAndStderr() {
        try (SandboxSession s = open(false)) {
            ExecutionResult ok = s.run("print('hello from wasm')");
            assertThat(ok.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(ok.stdout()).isEqualTo("hello from wasm\n");
            assertThat(ok.exitCode()).isZero();

            ExecutionResult failed = s.run("import sys\nprint('oops', file=sys.stderr)\nsys.exit(3)");
            assertThat(failed.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(failed.exitCode()).isEqualTo(3);
            assertThat(failed.stderr()).isEqualTo("oops\n");

            ExecutionResult raised = s.run("def f():\n    return 1 / 0\nf()");
            assertThat(raised.exitCode()).isEqualTo(1);
            assertThat(raised.stderr()).contains("Traceback", "main.py", "line 2", "ZeroDivisionError")
                    .doesNotContain("_pyodide", "sandbox4j");
        }
    }

    @Test
    void statelessRunsStartWithFreshGlobalsButKeepFiles() {
        try (SandboxSession s = open(false)) {
            assertThat(s.run("x = 1\nopen('kept.txt', 'w').write('still here')").isOk()).isTrue();
            ExecutionResult r = s.run("print(open('kept.txt').read())\nprint(x)");
            assertThat(r.stdout()).isEqualTo("still here\n");
            assertThat(r.stderr()).contains("NameError");
            assertThat(r.cell()).isNull();
        }
    }

    @Test
    void statefulSessionKeepsVariablesAndReturnsTheLastValue() {
        try (SandboxSession s = open(true)) {
            assertThat(s.run("x = 6 * 7").cell().executionCount()).isEqualTo(1);
            ExecutionResult r = s.run("x");
            assertThat(r.cell().value()).containsEntry("text/plain", "42");
            assertThat(r.cell().executionCount()).isEqualTo(2);
            ExecutionResult err = s.run("undefined_name");
            assertThat(err.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(err.cell().error().name()).isEqualTo("NameError");
            s.reset();
            assertThat(s.run("x").cell().error().name()).isEqualTo("NameError");
            assertThat(s.exportNotebook()).contains("\"nbformat\" : 4", "x = 6 * 7", "\"Python 3 (Pyodide)\"",
                    "\"version\" : \"3.");
        }
    }

    @Test
    void topLevelAwaitWorks() {
        try (SandboxSession s = open(true)) {
            ExecutionResult r = s.run("import asyncio\nawait asyncio.sleep(0.01)\n'done'");
            assertThat(r.cell().value()).containsEntry("text/plain", "'done'");
        }
    }

    @Test
    void programReadsStdinArgsAndEnvironment() {
        try (SandboxSession s = open(false)) {
            ExecutionResult r = s.run("import os, sys\nprint(input().upper(), sys.argv[1:], os.environ['GREETING'])",
                    RunOptions.builder().stdin("hello\n").args(List.of("a", "b")).env("GREETING", "hi").build());
            assertThat(r.stdout()).isEqualTo("HELLO ['a', 'b'] hi\n");
            ExecutionResult noStdin = s.run("import os\nprint('GREETING' in os.environ)\ninput()");
            assertThat(noStdin.stdout()).isEqualTo("False\n");
            assertThat(noStdin.stderr()).contains("EOFError");
        }
    }

    @Test
    void timeoutInterruptsTheProgramAndKeepsTheSessionsState() {
        try (SandboxSession s = open(true)) {
            s.run("x = 1");
            s.putFile("kept.txt", new byte[] {1});
            ExecutionResult r = s.run("print('started', flush=True)\nwhile True: pass",
                    RunOptions.timeout(Duration.ofSeconds(2)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.exitCode()).isEqualTo(130);
            assertThat(r.stdout()).isEqualTo("started\n");
            assertThat(r.killReason()).startsWith("timed out after 2 s").contains("interrupted", "state is kept");
            assertThat(r.cell().kernelRestarted()).isFalse();
            assertThat(r.cell().error().name()).isEqualTo("KeyboardInterrupt");
            ExecutionResult after = s.run("print('alive')\nx");
            assertThat(after.stdout()).isEqualTo("alive\n");
            assertThat(after.cell().value()).containsEntry("text/plain", "1");
            assertThat(s.getFile("kept.txt")).containsExactly(1);
        }
    }

    @Test
    void aProgramThatIgnoresTheInterruptIsKilledAndTheInterpreterRestarts() {
        try (SandboxSession s = open(true)) {
            s.run("x = 1");
            ExecutionResult r = s.run("while True:\n    try:\n        while True: pass\n"
                    + "    except KeyboardInterrupt:\n        pass", RunOptions.timeout(Duration.ofSeconds(1)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.exitCode()).isEqualTo(137);
            assertThat(r.killReason()).contains("did not stop when interrupted", "state is lost");
            assertThat(r.cell().kernelRestarted()).isTrue();
            ExecutionResult after = s.run("'x' in globals()");
            assertThat(after.cell().value()).containsEntry("text/plain", "False");
            assertThat(after.cell().kernelRestarted()).isFalse();
        }
    }

    @Test
    void outputFloodIsCutAtTheLimit() {
        try (SandboxSession s = open(false)) {
            ExecutionResult r = s.run("while True: print('x' * 1000)", RunOptions.builder()
                    .outputLimit(DataSize.ofKilobytes(64)).timeout(Duration.ofSeconds(20)).build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.OUTPUT_LIMIT);
            assertThat(r.stdoutTruncated()).isTrue();
            assertThat(r.stderrTruncated()).isFalse();
            assertThat(r.stdout()).hasSize(64 * 1024);
            assertThat(s.run("print('next')").stdout()).isEqualTo("next\n");
        }
    }

    @Test
    void allocatingPastTheMemoryLimitIsOomKilled() {
        SessionOptions options = SessionOptions.builder().stateful(true)
                .limits(ResourceLimits.builder().memory(DataSize.ofMegabytes(128)).build()).build();
        try (SandboxSession s = client.openSession("python", options)) {
            ExecutionResult r = s.run("blocks = []\nwhile True: blocks.append(bytearray(1 << 20))",
                    RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.killReason()).contains("128 MiB");
            assertThat(r.cell().kernelRestarted()).isTrue();
            assertThat(s.run("print(len(bytearray(10 << 20)))").stdout()).isEqualTo("10485760\n");
        }
    }

    @Test
    void exhaustingV8sHeapIsOomKilled() {
        SessionOptions options = SessionOptions.builder()
                .limits(ResourceLimits.builder().memory(DataSize.ofMegabytes(128)).build()).build();
        try (SandboxSession s = client.openSession("python", options)) {
            // JavaScript objects live on V8's heap, outside Python's linear memory
            ExecutionResult r = s.run("import js\nkeep = js.Array.new()\n"
                    + "while True: keep.push(js.Array.new(100000).fill(js.Object.new()))",
                    RunOptions.timeout(Duration.ofSeconds(90)));
            assertThat(r.status()).as(r.killReason()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.killReason()).contains("V8's heap");
            assertThat(s.run("print('recovered')").stdout()).isEqualTo("recovered\n");
        }
    }

    @Test
    void memoryAllocatedThroughJavaScriptIsCaughtByTheResidentMemoryWatch() {
        SessionOptions options = SessionOptions.builder()
                .limits(ResourceLimits.builder().memory(DataSize.ofMegabytes(64)).build()).build();
        try (SandboxSession s = client.openSession("python", options)) {
            // ArrayBuffers are neither Python's linear memory nor V8's heap; filled so that the pages are resident
            ExecutionResult r = s.run("import js\nkeep = js.Array.new()\n"
                    + "while True: keep.push(js.Uint8Array.new(16 << 20).fill(1))",
                    RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).as(r.killReason()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.killReason()).contains("the Deno process grew to");
            assertThat(s.run("print('recovered')").stdout()).isEqualTo("recovered\n");
        }
    }

    @Test
    void aProgramWritingToTheDriversChannelIsKilledAndTheSessionRecovers() {
        try (SandboxSession s = open(false)) {
            ExecutionResult r = s.run("import js\njs.Deno.stdout.writeSync(js.Uint8Array.new([0x5a, 1, 2, 3, 4]))\n"
                    + "while True: pass", RunOptions.timeout(Duration.ofSeconds(20)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.KILLED);
            assertThat(r.killReason()).contains("broke the driver's channel");
            assertThat(s.run("print('fine')").stdout()).isEqualTo("fine\n");
        }
    }

    @Test
    void filesGoInAndOutAndTraversalIsRefused() {
        try (SandboxSession s = open(false)) {
            s.putFile("data/in.txt", "abc".getBytes(StandardCharsets.UTF_8));
            s.putFile("/tmp/t.bin", new byte[] {0, 1, 2, (byte) 255});
            ExecutionResult r = s.run("import os\nprint(os.getcwd(), open('data/in.txt').read())\n"
                    + "open('out.txt', 'w').write(str(len(open('/tmp/t.bin', 'rb').read())))");
            assertThat(r.stdout()).isEqualTo("/workspace abc\n");
            assertThat(new String(s.getFile("out.txt"), StandardCharsets.UTF_8)).isEqualTo("4");
            assertThat(s.getFile("/tmp/t.bin")).containsExactly(0, 1, 2, 255);
            assertThatThrownBy(() -> s.putFile("../etc/passwd", new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("..");
            assertThatThrownBy(() -> s.getFile("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.getFile("missing.txt")).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void boundedReadRefusesALargerFileWithItsSize() {
        try (SandboxSession s = open(false)) {
            assertThat(s.run("open('big.txt', 'w').write('y' * 9000)").isOk()).isTrue();
            assertThat(s.getFile("big.txt", DataSize.ofBytes(9000))).hasSize(9000);
            assertThatThrownBy(() -> s.getFile("big.txt", DataSize.ofBytes(4096)))
                    .isInstanceOfSatisfying(FileTooLargeException.class, e -> {
                        assertThat(e.path()).isEqualTo("/workspace/big.txt");
                        assertThat(e.size()).hasValue(9000);
                        assertThat(e.limit()).isEqualTo(DataSize.ofBytes(4096));
                    });
            assertThatThrownBy(() -> s.getFile("missing.txt", DataSize.ofBytes(4096)))
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
            // the session stays usable after a refused read
            assertThat(s.run("print(len(open('big.txt').read()))").stdout()).isEqualTo("9000\n");
        }
    }

    @Test
    void copiesHostFilesInAndOut(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in/sub"));
        Files.writeString(dir.resolve("a.txt"), "A");
        try (SandboxSession s = open(false)) {
            s.copyToRuntime(tmp.resolve("in"), "copied");
            assertThat(s.run("print(open('copied/sub/a.txt').read())").stdout()).isEqualTo("A\n");
            s.copyFromRuntime("copied/sub/a.txt", tmp);
            assertThat(tmp.resolve("a.txt")).hasContent("A");
        }
    }

    @Test
    void filesOfTheOutputDirectoryComeBackAsArtifacts() {
        try (SandboxSession s = open(false)) {
            ExecutionResult r = s.run("import os\nopen(os.environ['SANDBOX4J_OUTPUT_DIR'] + '/r.csv', 'w')"
                    + ".write('a,b\\n')", RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.artifacts()).extracting(Artifact::name, Artifact::mimeType, Artifact::size)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("r.csv", "text/csv", 4L));
        }
    }

    @Test
    void programCannotReachHostFilesNetworkEnvironmentOrProcesses() {
        try (SandboxSession s = open(false)) {
            ExecutionResult r = s.run(String.join("\n",
                    "import js",
                    "def attempt(name, f):",
                    "    try:",
                    "        f()",
                    "        print(name, 'ALLOWED')",
                    "    except Exception as e:",
                    "        print(name, 'denied', type(e).__name__)",
                    "attempt('read', lambda: js.Deno.readTextFileSync('/etc/hostname'))",
                    "attempt('pyodide', lambda: js.Deno.readTextFileSync('" + client.permissions().read().size()
                            + "' and '/opt/sandbox4j-wasm/pyodide/package.json'))",
                    "attempt('write', lambda: js.Deno.writeTextFileSync('/tmp/sandbox4j-wasm-escape', 'x'))",
                    "attempt('env', lambda: js.Deno.env.get('PATH'))",
                    "attempt('run', lambda: js.Deno.Command.new('/bin/true').outputSync())",
                    "import socket",
                    "attempt('socket', lambda: socket.create_connection(('1.1.1.1', 53), timeout=3))"));
            assertThat(r.stdout()).doesNotContain("ALLOWED")
                    .contains("read denied", "pyodide denied", "write denied", "env denied", "run denied",
                            "socket denied");
            assertThat(Path.of("/tmp/sandbox4j-wasm-escape")).doesNotExist();
        }
    }

    @Test
    void allowReadOpensExactlyThosePaths(@TempDir Path tmp) throws Exception {
        Path open = Files.writeString(tmp.resolve("open.txt"), "visible");
        Path closed = Files.writeString(Files.createDirectories(tmp.resolve("other")).resolve("closed.txt"), "no");
        try (WasmSandboxClient c = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                        .allowRead(open).build();
                SandboxSession s = c.openSession("python", false)) {
            ExecutionResult r = s.run("import js\nprint(js.Deno.readTextFileSync('" + open + "'))\n"
                    + "js.Deno.readTextFileSync('" + closed + "')");
            assertThat(r.stdout()).isEqualTo("visible\n");
            assertThat(r.stderr()).contains("NotCapable");
        }
    }

    @Test
    void availabilityNamesTheVersions() {
        var a = WasmSandbox.availability();
        assertThat(a.available()).as(a.detail()).isTrue();
        assertThat(a.detail()).startsWith("deno 2.").contains("pyodide 3");
    }

    @Test
    void aBrokenSnapshotIsReplacedByAFreshStart(@TempDir Path cache) throws Exception {
        try (WasmSandboxClient c = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                .snapshotCache(cache).build()) {
            try (SandboxSession s = c.openSession("python", false)) {
                assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
            }
            Path snapshot;
            try (var files = Files.list(cache)) {
                snapshot = files.filter(p -> p.toString().endsWith(".snapshot")).findFirst().orElseThrow();
            }
            Files.write(snapshot, new byte[] {1, 2, 3}); // corrupt it; a new client reuses the file
            try (WasmSandboxClient c2 = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                            .snapshotCache(cache).build();
                    SandboxSession s = c2.openSession("python", false)) {
                assertThat(s.run("print(2)").stdout()).isEqualTo("2\n");
            }
            assertThat(snapshot).doesNotExist();
        }
    }

    @Test
    void allowNetOpensExactlyTheListedHosts() throws Exception {
        com.sun.net.httpserver.HttpServer allowed = server();
        com.sun.net.httpserver.HttpServer other = server();
        int allowedPort = allowed.getAddress().getPort();
        int otherPort = other.getAddress().getPort();
        try (WasmSandboxClient c = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                        .allowNet("127.0.0.1:" + allowedPort).build();
                SandboxSession s = c.openSession("python", false)) {
            // Python's sockets do not reach the network in Pyodide; fetch goes through Deno's permissions
            ExecutionResult r = s.run(String.join("\n",
                    "import pyodide.http",
                    "for port in (" + allowedPort + ", " + otherPort + "):",
                    "    try:",
                    "        resp = await pyodide.http.pyfetch(f'http://127.0.0.1:{port}/')",
                    "        print(port, 'fetched', await resp.string())",
                    "    except Exception as e:",
                    "        print(port, 'refused', type(e).__name__)"), RunOptions.timeout(Duration.ofSeconds(30)));
            assertThat(r.stdout()).as(r.stderr()).contains(allowedPort + " fetched hello",
                    otherPort + " refused");
        } finally {
            allowed.stop(0);
            other.stop(0);
        }
    }

    private static com.sun.net.httpserver.HttpServer server() throws java.io.IOException {
        var server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void installsPureWheelsFromALocalDirectoryAndKeepsThemAcrossRestarts(@TempDir Path wheels) throws Exception {
        Path wheel = wheels.resolve("sandbox4j_demo-1.0-py3-none-any.whl");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(wheel))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("sandbox4j_demo/__init__.py"));
            zip.write("VALUE = 'from a wheel'\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new java.util.zip.ZipEntry("sandbox4j_demo-1.0.dist-info/METADATA"));
            zip.write("Metadata-Version: 2.1\nName: sandbox4j-demo\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(wheels.resolve("nativepkg-2.0-cp314-cp314-manylinux_2_28_x86_64.whl"), new byte[] {0});
        try (WasmSandboxClient c = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                        .wheels(wheels).build();
                SandboxSession s = c.openSession("python", true)) {
            ExecutionResult installed = s.install("sandbox4j-demo");
            assertThat(installed.status()).as(installed.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(installed.stdout()).contains("Installed sandbox4j_demo-1.0-py3-none-any.whl");
            assertThat(s.installedLibraries()).containsExactly("sandbox4j-demo==1.0");
            assertThat(s.install("sandbox4j_demo").stdout()).contains("already installed");
            assertThat(s.run("import sandbox4j_demo\nprint(sandbox4j_demo.VALUE)").stdout())
                    .isEqualTo("from a wheel\n");

            ExecutionResult nativeWheel = s.install("nativepkg");
            assertThat(nativeWheel.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(nativeWheel.stderr()).contains("no pure-Python wheel", "native code");
            ExecutionResult missing = s.run("print('never')", RunOptions.builder().libraries("absent").build());
            assertThat(missing.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(missing.stdout()).doesNotContain("never");
            assertThatThrownBy(() -> s.install("--index-url=http://evil")).isInstanceOf(
                    IllegalArgumentException.class);

            ExecutionResult killed = s.run("while True:\n    try:\n        while True: pass\n"
                    + "    except KeyboardInterrupt:\n        pass", RunOptions.timeout(Duration.ofSeconds(1)));
            assertThat(killed.cell().kernelRestarted()).isTrue();
            assertThat(s.run("import sandbox4j_demo\nprint(sandbox4j_demo.VALUE)").stdout())
                    .isEqualTo("from a wheel\n");
        }
    }

    @Test
    void unsupportedOperationsSaySo() {
        try (SandboxSession s = open(false)) {
            assertThatThrownBy(() -> s.exec("ls")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no shell");
            assertThatThrownBy(() -> s.install("requests")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("WasmSandbox.builder().wheels(dir)");
            assertThatThrownBy(() -> s.commit("x:1")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> client.openSession("javascript")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Expected language 'python'");
        }
    }

    @Test
    void policyBlocksBeforeAnythingRuns() {
        try (SandboxSession s = client.openSession("python",
                SessionOptions.builder().policy(SecurityPolicy.strict()).build())) {
            ExecutionResult r = s.run("import os\nos.system('ls')");
            assertThat(r.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(r.violations()).isNotEmpty();
            assertThat(r.killReason()).startsWith("blocked by policy 'strict': ").contains("violation(s) at or above");
        }
    }

    @Test
    void thePolicyCheckPrecedesInstallsAndEmptyCodeIsRefusedWithTheEnginesMessage(@TempDir Path wheels)
            throws Exception {
        Path wheel = wheels.resolve("sandbox4j_demo-1.0-py3-none-any.whl");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(wheel))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("sandbox4j_demo/__init__.py"));
            zip.write("VALUE = 1\n".getBytes(StandardCharsets.UTF_8));
        }
        try (WasmSandboxClient c = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE)
                        .wheels(wheels).build();
                SandboxSession s = c.openSession("python",
                        SessionOptions.builder().policy(SecurityPolicy.strict()).build())) {
            ExecutionResult r = s.run("import os\nos.system('ls')",
                    RunOptions.builder().libraries("sandbox4j-demo").build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(s.installedLibraries()).isEmpty();
            assertThatThrownBy(() -> s.run(" \n")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("code must not be empty");
        }
    }

    @Test
    void sessionClosesItselfWhenItsLifetimeIsOver() {
        SandboxSession s = client.openSession("python",
                SessionOptions.builder().sessionTimeout(Duration.ofSeconds(3)).build());
        long pid = ((WasmSession) s).pid();
        ExecutionResult r = s.run("while True: pass", RunOptions.timeout(Duration.ofSeconds(60)));
        assertThat(r.status()).isEqualTo(ExecutionStatus.KILLED);
        assertThat(r.killReason()).isEqualTo("session lifetime of 3 s exceeded");
        assertThat(s.isOpen()).isFalse();
        assertThat(client.processIds()).doesNotContain(pid);
        assertThatThrownBy(() -> s.run("1")).isInstanceOf(SessionClosedException.class)
                .hasMessageContaining("lifetime");
    }

    @Test
    void closingKillsTheDenoProcess() {
        SandboxSession s = open(false);
        long pid = ((WasmSession) s).pid();
        assertThat(client.processIds()).contains(pid);
        s.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(client.processIds()).doesNotContain(pid);
        assertThatThrownBy(() -> s.run("1")).isInstanceOf(SessionClosedException.class);
    }

    @Test
    void sessionsRunConcurrently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int n = i;
                Callable<String> task = () -> {
                    try (SandboxSession s = open(false)) {
                        return s.run("print(" + n + " * 10)").stdout();
                    }
                };
                results.add(pool.submit(task));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(results.get(i).get()).isEqualTo(i * 10 + "\n");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(client.openSessions()).isZero();
    }
}
