package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.SecurityPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wasm backend behind the one client ({@code SandboxClient.builder().backend("wasm")}), real Deno and Pyodide. */
class WasmBackendIT {
    private static SandboxClient client(Path wheels) {
        WasmTestSupport.requireInstallation();
        return SandboxClient.builder().backend("wasm").backendProperty("wasm.wheels", wheels.toString())
                .eventListener(SandboxEventListener.NONE).build();
    }

    @Test
    void thePolicyCheckPrecedesInstallsAndWhatWasmLacksIsRefused(@TempDir Path wheels) throws Exception {
        Path wheel = wheels.resolve("sandbox4j_demo-1.0-py3-none-any.whl");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(wheel))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("sandbox4j_demo/__init__.py"));
            zip.write("VALUE = 'from a wheel'\n".getBytes(StandardCharsets.UTF_8));
        }
        try (SandboxClient c = client(wheels);
                SandboxSession s = c.openSession("python",
                        SessionOptions.builder().policy(SecurityPolicy.strict()).build())) {
            ExecutionResult blocked = s.run("import os\nos.system('ls')",
                    RunOptions.builder().libraries("sandbox4j-demo").build());
            assertThat(blocked.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(s.installedLibraries()).isEmpty();
            ExecutionResult r = s.run("import sandbox4j_demo\nprint(sandbox4j_demo.VALUE)",
                    RunOptions.builder().libraries("sandbox4j-demo").build());
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("from a wheel\n");
            assertThat(s.installedLibraries()).containsExactly("sandbox4j-demo");
            assertThatThrownBy(() -> s.run(" ")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("code must not be empty");

            assertThatThrownBy(() -> s.exec(List.of("ls"), RunOptions.defaults()))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("no shell");
            assertThatThrownBy(() -> s.commit("x:1")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no images");
            assertThatThrownBy(() -> c.openSession("python", SessionOptions.builder().stateful(true).build()))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("WasmSandbox.builder()");
            assertThatThrownBy(() -> c.openSession("javascript")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Expected language one of [python]");
        }
    }

    @Test
    void filesArtifactsAndCancellationGoThroughTheEngine(@TempDir Path wheels) throws Exception {
        try (SandboxClient c = client(wheels); SandboxSession s = c.openSession("python")) {
            s.putFile("data/in.txt", "x".getBytes(StandardCharsets.UTF_8));
            ExecutionResult r = s.run("import os\nprint(open('data/in.txt').read())\n"
                    + "open(os.environ['SANDBOX4J_OUTPUT_DIR'] + '/out.txt', 'w').write('made')",
                    RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("x\n");
            assertThat(r.artifacts()).singleElement().satisfies(a -> assertThat(a.name()).isEqualTo("out.txt"));
            assertThat(s.listFiles("data")).extracting(FileEntry::name).containsExactly("in.txt");
            s.run("import os\nos.makedirs('/home/elsewhere', exist_ok=True)\n"
                    + "open('/home/elsewhere/secret', 'w').write('not yours')\n"
                    + "os.symlink('/home/elsewhere/secret', 'secret')\nos.symlink('/home/elsewhere', 'home')");
            assertThatThrownBy(() -> s.getFile("secret")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside the box's writable directories");
            assertThatThrownBy(() -> s.putFile("home/x", new byte[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(s.listFiles(".")).extracting(FileEntry::name).contains("secret", "home");

            // the deadline only bounds a hang of this test (generous on a shared machine)
            CompletableFuture<ExecutionResult> looping = CompletableFuture.supplyAsync(
                    () -> s.run("while True: pass", RunOptions.timeout(Duration.ofMinutes(2))));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                s.cancelRun();
                assertThat(looping).isDone();
            });
            ExecutionResult cancelled = looping.get(10, TimeUnit.SECONDS);
            assertThat(cancelled.status()).isEqualTo(ExecutionStatus.KILLED);
            assertThat(cancelled.killReason()).isEqualTo("cancelled");
            assertThat(s.run("print('still usable')").stdout()).isEqualTo("still usable\n");
        }
    }
}
