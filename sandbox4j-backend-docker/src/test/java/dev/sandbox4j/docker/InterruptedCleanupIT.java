package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Removing a box is cleanup that must happen even when the thread doing it was interrupted: the server interrupts a
 * request's thread when its client hangs up, and the session it closes then must not leave its container behind.
 */
@Tag("docker")
class InterruptedCleanupIT {

    @AfterAll
    static void noLeftovers() {
        DockerTestSupport.assertNoLeftovers();
    }

    @Test
    void aBoxIsRemovedEvenWhenTheCallerWasInterrupted() {
        try (SandboxBackend backend = new DockerBackendFactory().create(BackendConfig.empty())) {
            Box box = backend.create(new BoxSpec("sandbox4j-interrupted-" + DockerTestSupport.RUN_ID.substring(0, 8),
                    "sandbox4j/python:bookworm", "65533:65533", ResourceLimits.defaults(),
                    RuntimeConfig.builder().build(), Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)));
            Thread.currentThread().interrupt();
            try {
                backend.remove(box.id());
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(DockerTestSupport.leftovers()).as("boxes left").isEmpty();
        }
    }

    @Test
    void engineCallsOfAnInterruptedCallerAreMadeAndTheInterruptKept() throws Exception {
        try (SandboxBackend backend = new DockerBackendFactory().create(BackendConfig.empty())) {
            Thread.currentThread().interrupt();
            Box box;
            try {
                // what a session does when it replaces a box after a cancelled run: create, run, inspect
                box = backend.create(new BoxSpec("sandbox4j-interrupted2-" + DockerTestSupport.RUN_ID.substring(0, 8),
                        "sandbox4j/python:bookworm", "65533:65533", ResourceLimits.defaults(),
                        RuntimeConfig.builder().build(), Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID)));
                assertThat(backend.isRunning(box)).isTrue();
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
            } finally {
                Thread.interrupted();
            }
            StringBuilder out = new StringBuilder();
            Thread.currentThread().interrupt();
            ExecHandle h;
            try {
                h = backend.exec(box, new ExecRequest(List.of("echo", "ran"), Map.of(), "65532:65532", "/tmp",
                        new byte[0]), new OutputSink() {
                            @Override
                            public void stdout(byte[] chunk) {
                                out.append(new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
                            }

                            @Override
                            public void stderr(byte[] chunk) {}
                        });
            } finally {
                Thread.interrupted();
            }
            // generous: an echo ends at once; the bound only turns a hang into a failure
            assertThat(h.exitCode().get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            assertThat(out.toString()).isEqualTo("ran\n");
            backend.remove(box.id());
        }
    }

    @Test
    void aSessionClosedOnAnInterruptedThreadRemovesItsBox() {
        try (SandboxClient client = DockerTestSupport.client()) {
            SandboxSession s = client.openSession("python", DockerTestSupport.options().build());
            assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
            Thread.currentThread().interrupt();
            try {
                s.close();
            } finally {
                Thread.interrupted();
            }
            assertThat(DockerTestSupport.leftovers()).as("boxes left").isEmpty();
        }
    }
}
