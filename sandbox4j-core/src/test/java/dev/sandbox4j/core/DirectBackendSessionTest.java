package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.testing.FakeDirectBackend;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend whose boxes run no commands ({@link DirectBackend}) goes through the same session pipeline as a container:
 * policy, then installs, then the program under the engine's timeout and output limit, artifacts, sanitiser, audit and
 * history; what it lacks is refused with its declared reason.
 */
class DirectBackendSessionTest {
    final FakeDirectBackend backend = new FakeDirectBackend();
    final List<RunEvent> runEvents = new CopyOnWriteArrayList<>();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .eventListener(new SandboxEventListener() {
                @Override
                public void runFinished(RunEvent event) {
                    runEvents.add(event);
                }
            })
            .build();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void runsAProgramThroughTheEnginesPipeline() {
        try (SandboxSession s = client.openSession("python")) {
            assertThat(s.image()).isEqualTo("fake-python:1");
            ExecutionResult r = s.run("print hello\nexit 3");
            assertThat(r.stdout()).isEqualTo("hello\n");
            assertThat(r.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(runEvents).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo("run"));
            assertThat(s.exportNotebook()).contains("print hello");
        }
        assertThat(backend.runtimes).isEmpty(); // closing the session removed its box
    }

    @Test
    void thePolicyCheckPrecedesInstalls() {
        try (SandboxSession s = client.openSession("python",
                SessionOptions.builder().policy(SecurityPolicy.strict()).build())) {
            ExecutionResult blocked = s.run("import os\nos.system('ls')",
                    RunOptions.builder().libraries("requests").build());
            assertThat(blocked.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(backend.installs).isEmpty();
            assertThat(s.installedLibraries()).isEmpty();

            ExecutionResult allowed = s.run("print ok", RunOptions.builder().libraries("requests").build());
            assertThat(allowed.stdout()).isEqualTo("ok\n");
            assertThat(backend.installs).containsExactly("requests");
            assertThat(s.installedLibraries()).containsExactly("requests");

            ExecutionResult failed = s.run("print never", RunOptions.builder().libraries("absent").build());
            assertThat(failed.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(failed.stdout()).doesNotContain("never");
        }
    }

    @Test
    void emptyCodeGetsTheEnginesMessage() {
        try (SandboxSession s = client.openSession("python")) {
            assertThatThrownBy(() -> s.run("  \n")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("code must not be empty");
        }
    }

    @Test
    void theEngineEnforcesTimeoutAndOutputLimitByKillingThroughTheRuntime() {
        try (SandboxSession s = client.openSession("python")) {
            ExecutionResult timedOut = s.run("hang", RunOptions.timeout(Duration.ofMillis(300)));
            assertThat(timedOut.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(timedOut.killReason()).isEqualTo("timed out after 300 ms");
            assertThat(backend.kills).hasValue(1);

            ExecutionResult flood = s.run("flood", RunOptions.builder().outputLimit(DataSize.ofKilobytes(64)).build());
            assertThat(flood.status()).isEqualTo(ExecutionStatus.OUTPUT_LIMIT);
            assertThat(flood.stdoutTruncated()).isTrue();
            assertThat(backend.kills).hasValue(2);

            assertThat(s.run("oom").status()).isEqualTo(ExecutionStatus.OOM_KILLED);
            ExecutionResult broken = s.run("break");
            assertThat(broken.status()).isEqualTo(ExecutionStatus.KILLED);
            assertThat(broken.killReason()).isEqualTo("the program broke the fake channel");
            assertThat(s.run("print still usable").stdout()).isEqualTo("still usable\n");
        }
    }

    @Test
    void whatTheBackendLacksIsRefusedWithItsReason() {
        try (SandboxSession s = client.openSession("python")) {
            assertThatThrownBy(() -> s.exec(List.of("ls"), RunOptions.defaults()))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessage(FakeDirectBackend.LACKS.get(DirectBackend.Feature.COMMANDS));
            assertThatThrownBy(() -> s.commit("x:1")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("saving a session as an image");
        }
        assertThatThrownBy(() -> client.openSession("python", SessionOptions.builder().stateful(true).build()))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage(FakeDirectBackend.LACKS.get(DirectBackend.Feature.KERNEL));
        assertThatThrownBy(() -> client.openSession("javascript")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Expected language one of [python]");
        assertThat(backend.runtimes).isEmpty();
    }

    @Test
    void filesGoThroughTheRuntimeWithTheEnginesChecks(@TempDir Path tmp) throws Exception {
        try (SandboxSession s = client.openSession("python")) {
            s.putFile("data/in.txt", "x".getBytes(StandardCharsets.UTF_8));
            assertThat(s.getFile("data/in.txt")).asString(StandardCharsets.UTF_8).isEqualTo("x");
            assertThat(s.listFiles("data")).extracting(FileEntry::name).containsExactly("in.txt");
            assertThatThrownBy(() -> s.getFile("missing")).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> s.getFile("../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.putFile("escape/x", new byte[1])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'/etc'");

            Files.writeString(tmp.resolve("host.txt"), "from host");
            s.copyToRuntime(tmp.resolve("host.txt"), "copied.txt");
            s.copyFromRuntime("copied.txt", tmp.resolve("back.txt"));
            assertThat(tmp.resolve("back.txt")).hasContent("from host");

            ExecutionResult r = s.run("artifact plot.svg <svg/>",
                    RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.artifacts()).singleElement().satisfies(a -> {
                assertThat(a.name()).isEqualTo("plot.svg");
                assertThat(a.content()).asString(StandardCharsets.UTF_8).isEqualTo("<svg/>");
            });
        }
    }
}
