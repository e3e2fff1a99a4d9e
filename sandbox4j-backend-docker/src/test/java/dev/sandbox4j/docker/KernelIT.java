package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.Artifact;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Stateful sessions (Python kernel) against the real engine. */
@Tag("docker")
class KernelIT {
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

    static SandboxSession kernel() {
        return client.openSession("python", DockerTestSupport.options().stateful(true).build());
    }

    @Test
    void stateSurvivesRunsAndTheLastExpressionIsTheValue() {
        try (SandboxSession s = kernel()) {
            assertThat(s.isStateful()).isTrue();
            ExecutionResult a = s.run("import math\nx = 40\ndef f(y): return y + 2\nprint('defined')");
            assertThat(a.status()).as(a.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(a.stdout()).isEqualTo("defined\n");
            assertThat(a.cell().executionCount()).isEqualTo(1);
            assertThat(a.cell().value()).isEmpty();
            ExecutionResult b = s.run("f(x)");
            assertThat(b.cell().value()).containsEntry("text/plain", "42");
            assertThat(b.cell().executionCount()).isEqualTo(2);
            ExecutionResult c = s.run("import os; os.system('echo from a child process'); math.floor(2.5)");
            assertThat(c.stdout()).isEqualTo("from a child process\n");
            assertThat(c.cell().value()).containsEntry("text/plain", "2");
            ExecutionResult in = s.run("input() + '!'", RunOptions.builder().stdin("typed\n").build());
            assertThat(in.cell().value()).containsEntry("text/plain", "'typed!'");
        }
    }

    @Test
    void errorsComeBackWithNameValueAndTraceback() {
        try (SandboxSession s = kernel()) {
            ExecutionResult r = s.run("def g():\n    return 1 / 0\ng()");
            assertThat(r.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(r.cell().error().name()).isEqualTo("ZeroDivisionError");
            assertThat(r.cell().error().value()).isEqualTo("division by zero");
            assertThat(String.join("\n", r.cell().error().traceback())).contains("<cell-1>", "line 2", "return 1 / 0")
                    .doesNotContain("sandbox4j_kernel");
            assertThat(r.stderr()).contains("ZeroDivisionError");
            assertThat(s.run("1 + 1").cell().value()).containsEntry("text/plain", "2");
        }
    }

    @Test
    void figuresAndDisplaysComeBackWithoutSavefig() throws Exception {
        try (SandboxSession s = kernel()) {
            ExecutionResult r = s.run("""
                    import matplotlib.pyplot as plt
                    import pandas as pd
                    plt.plot([1, 3, 2])
                    display(pd.DataFrame({'a': [1, 2]}))
                    'done'
                    """);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.cell().displays()).hasSize(2);
            assertThat(r.cell().displays().get(0)).containsKey("text/html");
            assertThat(r.cell().displays().get(1)).containsKey("image/png");
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("display-1.png");
            assertThat(ImageIO.read(new ByteArrayInputStream(r.artifacts().get(0).content()))).isNotNull();
            assertThat(r.cell().value()).containsEntry("text/plain", "'done'");
        }
    }

    @Test
    void timeoutInterruptsTheCellAndKeepsTheState() {
        try (SandboxSession s = kernel()) {
            s.run("counter = 7");
            ExecutionResult r = s.run("while True: pass", RunOptions.timeout(Duration.ofMillis(800)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).startsWith("timed out after 800 ms");
            assertThat(r.cell().kernelRestarted()).isFalse();
            assertThat(r.cell().error().name()).isEqualTo("KeyboardInterrupt");
            assertThat(s.run("counter + 1").cell().value()).containsEntry("text/plain", "8");
        }
    }

    @Test
    void aCellThatIgnoresTheInterruptRestartsTheKernel() {
        try (SandboxSession s = kernel()) {
            s.run("kept = 1");
            ExecutionResult r = s.run("""
                    import signal, time
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    while True: time.sleep(0.05)
                    """, RunOptions.timeout(Duration.ofMillis(500)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.cell().kernelRestarted()).isTrue();
            assertThat(r.killReason()).contains("restarted");
            ExecutionResult after = s.run("'kept' in globals()");
            assertThat(after.cell().value()).containsEntry("text/plain", "False");
            assertThat(after.cell().executionCount()).isEqualTo(1);
        }
    }

    @Test
    void aCrashedKernelIsDetectedAndReplacedOnTheNextRun() {
        try (SandboxSession s = kernel()) {
            s.run("x = 1");
            ExecutionResult crash = s.run("import os; os._exit(3)");
            assertThat(crash.status()).isEqualTo(ExecutionStatus.KILLED);
            assertThat(crash.cell().kernelRestarted()).isTrue();
            assertThat(crash.killReason()).contains("kernel exited (code 3)");
            ExecutionResult oom = s.run("b = bytearray(2 * 1024 * 1024 * 1024)");
            assertThat(oom.status()).isIn(ExecutionStatus.OOM_KILLED, ExecutionStatus.NONZERO_EXIT);
            ExecutionResult next = s.run("'x' in globals()");
            assertThat(next.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(next.cell().value()).containsEntry("text/plain", "False");
        }
    }

    @Test
    void resetClearsTheStateAndNotebooksExport() throws Exception {
        try (SandboxSession s = kernel()) {
            s.run("y = 5\nprint('five')");
            s.run("y * 2");
            s.run("1/0");
            String nb = s.exportNotebook();
            JsonNode json = new ObjectMapper().readTree(nb);
            assertThat(json.path("nbformat").asInt()).isEqualTo(4);
            assertThat(json.path("metadata").path("kernelspec").path("name").asText()).isEqualTo("python3");
            JsonNode cells = json.path("cells");
            assertThat(cells).hasSize(3);
            assertThat(cells.get(0).path("outputs").get(0).path("text").get(0).asText()).isEqualTo("five\n");
            assertThat(cells.get(1).path("outputs").get(0).path("output_type").asText()).isEqualTo("execute_result");
            assertThat(cells.get(2).path("outputs").get(0).path("output_type").asText()).isEqualTo("error");
            s.reset();
            ExecutionResult r = s.run("'y' in globals()");
            assertThat(r.cell().value()).containsEntry("text/plain", "False");
            assertThat(r.cell().executionCount()).isEqualTo(1);
        }
    }

    /**
     * Disabled: it failed on every run once it installed a package the image does not already have (it used 'six',
     * which Debian's python3 ships, so the import proved nothing). A running Python kernel does not see packages
     * installed after it started: pip --user creates ~/.local/lib/python3.X/site-packages, which site.py left off
     * sys.path at start-up because it did not exist then. The fix belongs in the kernel (e.g. site.addsitedir of the
     * user site and importlib.invalidate_caches() after an installation); enable this test with it.
     */
    @Test
    void librariesInstallWithoutLosingTheKernelState() {
        try (LocalPackages packages = LocalPackages.start();
                SandboxSession s = client.openSession("python", DockerTestSupport.options().stateful(true)
                        .install(packages.install().build()).build())) {
            s.run("z = 99");
            ExecutionResult inst = s.install("s4j-six");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult r = s.run("import s4jsix; z");
            assertThat(r.cell().value()).as(r.stdout() + r.stderr()).containsEntry("text/plain", "99");
        }
    }

    @Test
    void javascriptKernelKeepsStateAwaitsPromisesAndIsInterruptible() {
        try (SandboxSession s = client.openSession("javascript", DockerTestSupport.options().stateful(true).build())) {
            ExecutionResult a = s.run("let total = 40; function add(n) { return total + n }\nconsole.log('ready')");
            assertThat(a.status()).as(a.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(a.stdout()).isEqualTo("ready\n");
            assertThat(s.run("add(2)").cell().value()).containsEntry("text/plain", "42");
            ExecutionResult later = s.run("new Promise(r => setTimeout(() => r('later'), 100))");
            assertThat(later.cell().value()).containsEntry("text/plain", "'later'");
            ExecutionResult err = s.run("null.x");
            assertThat(err.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(err.cell().error().name()).isEqualTo("TypeError");
            ExecutionResult loop = s.run("while (true) {}", RunOptions.timeout(Duration.ofMillis(800)));
            assertThat(loop.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(loop.cell().kernelRestarted()).isFalse();
            assertThat(s.run("total").cell().value()).containsEntry("text/plain", "40");
            s.reset();
            assertThat(s.run("typeof total").cell().value()).containsEntry("text/plain", "'undefined'");
        }
    }

    @Test
    void rKernelKeepsStateShowsPlotsAndIsInterruptible() throws Exception {
        try (SandboxSession s = client.openSession("r", DockerTestSupport.options().stateful(true).build())) {
            ExecutionResult a = s.run("x <- 40\nf <- function(y) y + 2\ncat('ready\\n')");
            assertThat(a.status()).as(a.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(a.stdout()).isEqualTo("ready\n");
            assertThat(s.run("f(x)").cell().value()).containsEntry("text/plain", "[1] 42");
            ExecutionResult plot = s.run("plot(1:10)\n'plotted'");
            assertThat(plot.artifacts()).extracting(Artifact::name).containsExactly("display-1.png");
            assertThat(ImageIO.read(new ByteArrayInputStream(plot.artifacts().get(0).content()))).isNotNull();
            ExecutionResult err = s.run("stop('boom')");
            assertThat(err.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(err.cell().error().value()).isEqualTo("boom");
            assertThat(err.stderr()).contains("Error: boom");
            ExecutionResult loop = s.run("repeat {}", RunOptions.timeout(Duration.ofMillis(800)));
            assertThat(loop.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(s.run("x").cell().value()).as("state kept after the interrupt: %s", loop)
                    .containsEntry("text/plain", "[1] 40");
            s.reset();
            assertThat(s.run("exists('x')").cell().value()).containsEntry("text/plain", "[1] FALSE");
        }
    }

    @Test
    void statefulSessionsNeedAKernel() {
        assertThatThrownBy(() -> client.openSession("cpp", SessionOptions.builder().stateful(true).build()))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cpp");
    }

    @Test
    @Tag("benchmark") // prints figures; run with -Dgroups=benchmark -DexcludedGroups=
    void benchmarkKernelRoundTrip() {
        try (SandboxSession s = kernel()) {
            s.run("x = 0");
            for (int i = 0; i < 50; i++) {
                s.run("x += 1");
            }
            long[] t = new long[300];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                s.run("x += 1");
                t[i] = System.nanoTime() - t0;
            }
            Arrays.sort(t);
            System.out.printf("[bench] kernel run of x += 1: median %.2f ms, p95 %.2f ms (n=%d)%n",
                    t[t.length / 2] / 1e6, t[(int) (t.length * 0.95)] / 1e6, t.length);
            assertThat(s.run("x").cell().value()).containsEntry("text/plain", "350");
        }
    }
}
