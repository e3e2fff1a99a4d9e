package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SandboxSession#cancelRun()}: another thread stops the run in progress; the session stays usable. */
class SessionCancelTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build()).build();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void cancellingEndsTheRunInProgressAsKilledAndKillsWhatItStarted() throws Exception {
        backend.behaviour = r -> Behaviour.hang("started\n");
        try (SandboxSession s = client.openSession("python")) {
            int killsBefore = backend.kills.get();
            CompletableFuture<ExecutionResult> run = CompletableFuture.supplyAsync(
                    () -> s.run("while True: pass", RunOptions.timeout(Duration.ofMinutes(10))));
            await().atMost(Duration.ofSeconds(30)).until(() -> !backend.execs.isEmpty());
            s.cancelRun();
            // a deadline only a run that ignores the cancellation reaches (its timeout is 10 min)
            ExecutionResult r = run.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(ExecutionStatus.KILLED);
            assertThat(r.killReason()).isEqualTo("cancelled");
            assertThat(r.stdout()).isEqualTo("started\n");
            assertThat(backend.kills.get()).as("every process of the run killed").isGreaterThan(killsBefore);
            backend.behaviour = req -> Behaviour.exit(0, "again\n", "");
            assertThat(s.run("print('again')").stdout()).isEqualTo("again\n");
        }
    }

    @Test
    void cancellingWithNoRunInProgressDoesNothing() {
        backend.behaviour = r -> Behaviour.exit(0, "ok\n", "");
        try (SandboxSession s = client.openSession("python")) {
            s.cancelRun();
            assertThat(s.run("print('ok')").status()).isEqualTo(ExecutionStatus.OK);
        }
    }
}
