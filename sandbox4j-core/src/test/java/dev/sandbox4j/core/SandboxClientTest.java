package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxClientTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void runsPlanThroughTheLauncherAsTheSandboxUser() {
        backend.behaviour = r -> Behaviour.exit(0, "2\n", "");
        try (SandboxSession s = client.openSession("py")) {
            ExecutionResult r = s.run("print(1+1)", RunOptions.builder().args(List.of("a")).env("X", "1").build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("2\n");
            ExecRequest req = backend.execs.get(0);
            assertThat(req.user()).isEqualTo("65534:65534");
            assertThat(req.workdir()).isEqualTo("/workspace");
            assertThat(req.argv().subList(0, 2)).containsExactly("/bin/sh", "-c");
            assertThat(req.argv()).contains("python3", "main.py", "a").doesNotContain("print(1+1)");
            assertThat(new String(req.stdin())).isEqualTo("print(1+1)");
            assertThat(req.env()).containsEntry("X", "1").containsEntry("HOME", "/workspace");
            assertThat(s.language()).isEqualTo("python");
        }
    }

    @Test
    void aOneShotRunRefusesBlankCodeBeforeMakingABox() {
        assertThatThrownBy(() -> client.run("python", "  \n", SessionOptions.defaults(), RunOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("code must not be empty");
        assertThat(backend.boxes).as("no box made for nothing").isEmpty();
        assertThat(backend.removed).isEmpty();
    }

    @Test
    void aOneShotRunHandsItsSessionToTheHookBeforeTheProgramRuns() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        java.util.concurrent.atomic.AtomicReference<SandboxSession> seen = new java.util.concurrent.atomic.AtomicReference<>();
        ExecutionResult r = client.run("python", "print(1)", SessionOptions.defaults(), RunOptions.defaults(), s -> {
            seen.set(s);
            assertThat(backend.execs).as("the program has not run yet").noneMatch(e -> e.argv().contains("python3"));
        });
        assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
        assertThat(seen.get()).isNotNull();
        assertThat(backend.execs).anyMatch(e -> e.argv().contains("python3"));
    }

    @Test
    void statefulWithoutAKernelNamesTheLanguagesThatHaveOne() {
        assertThatThrownBy(() -> client.openSession("java", true)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("stateful sessions are not supported for java (languages with a kernel: javascript, "
                        + "python, r)");
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void boxIsHardenedAndLabelled() {
        try (SandboxSession s = client.openSession("python")) {
            var spec = backend.boxes.values().iterator().next().spec();
            assertThat(spec.runtime().networkEnabled()).isFalse();
            assertThat(spec.runtime().readOnlyRootFilesystem()).isTrue();
            assertThat(spec.supervisorUser()).isNotEqualTo(spec.runtime().user());
            assertThat(spec.labels()).containsEntry("dev.sandbox4j.managed", "true")
                    .containsEntry("dev.sandbox4j.session", s.id())
                    .containsKeys("dev.sandbox4j.owner", "dev.sandbox4j.created");
            assertThat(spec.image()).isEqualTo("sandbox4j/python:bookworm");
        }
    }

    @Test
    void compiledLanguagesCompileInTheirOwnStep() {
        backend.behaviour = r -> r.argv().contains("javac") ? Behaviour.exit(0, "", "")
                : Behaviour.exit(0, "ran\n", "");
        try (SandboxSession s = client.openSession("java")) {
            ExecutionResult r = s.run("class Main { public static void main(String[] a) {} }",
                    RunOptions.builder().stdin("in").build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("ran\n");
            assertThat(backend.execs).hasSize(2);
            assertThat(new String(backend.execs.get(0).stdin())).as("compile gets the source, not stdin")
                    .startsWith("class Main");
            assertThat(new String(backend.execs.get(1).stdin())).isEqualTo("in");
            backend.execs.clear();
            backend.behaviour = req -> req.argv().contains("javac") ? Behaviour.exit(1, "", "Main.java:1: error: x\n")
                    : Behaviour.exit(0, "must not run", "");
            ExecutionResult bad = s.run("class Main { int x = \"s\"; }");
            assertThat(bad.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
            assertThat(bad.exitCode()).isEqualTo(1);
            assertThat(bad.stderr()).contains("error: x");
            assertThat(backend.execs).as("the program never runs").hasSize(1);
        }
    }

    @Test
    void reportsNonZeroExit() {
        backend.behaviour = r -> Behaviour.exit(3, "", "boom\n");
        try (SandboxSession s = client.openSession("python")) {
            ExecutionResult r = s.run("x");
            assertThat(r.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.stderr()).isEqualTo("boom\n");
            assertThat(r.killReason()).isNull();
        }
    }

    @Test
    void killsEverythingOnTimeoutAndStaysUsable() {
        backend.behaviour = r -> Behaviour.hang("partial");
        try (SandboxSession s = client.openSession("python")) {
            long t0 = System.nanoTime();
            ExecutionResult r = s.run("loop", RunOptions.timeout(Duration.ofMillis(300)));
            // a deadline, not a speed claim: the fake program hangs forever, so only the 300 ms timeout ends it
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).isEqualTo("timed out after 300 ms");
            assertThat(r.stdout()).isEqualTo("partial");
            assertThat(backend.kills.get()).isEqualTo(1);
            backend.behaviour = req -> Behaviour.exit(0, "ok", "");
            assertThat(s.run("ok").status()).isEqualTo(ExecutionStatus.OK);
        }
    }

    @Test
    void usesSessionDefaultTimeout() {
        backend.behaviour = r -> Behaviour.hang("");
        try (SandboxSession s = client.openSession("python",
                SessionOptions.builder().defaultTimeout(Duration.ofMillis(200)).build())) {
            assertThat(s.run("x").killReason()).isEqualTo("timed out after 200 ms");
        }
    }

    @Test
    void truncatesFloodKillsAndFlags() {
        backend.behaviour = r -> Behaviour.flood(3 * 1024 * 1024);
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        try (SandboxSession s = client.openSession("python")) {
            ExecutionResult r = s.run("flood", RunOptions.builder().listener(new OutputListener() {
                @Override
                public void onStdout(byte[] chunk) {
                    streamed.writeBytes(chunk);
                }
            }).build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.OUTPUT_LIMIT);
            assertThat(r.stdoutTruncated()).isTrue();
            assertThat(r.stdout()).hasSize(1024 * 1024);
            assertThat(streamed.size()).isEqualTo(1024 * 1024);
            assertThat(r.killReason()).isEqualTo("stdout exceeded the output limit of 1 MiB");
            assertThat(backend.kills.get()).isEqualTo(1);
        }
    }

    @Test
    void perRunOutputLimitWins() {
        backend.behaviour = r -> Behaviour.exit(0, "x".repeat(100), "");
        try (SandboxSession s = client.openSession("python")) {
            ExecutionResult r = s.run("x", RunOptions.builder().outputLimit(DataSize.ofBytes(10)).build());
            assertThat(r.stdout()).isEqualTo("x".repeat(10));
            assertThat(r.stdoutTruncated()).isTrue();
        }
    }

    @Test
    void detectsOutOfMemoryKill() {
        backend.behaviour = r -> Behaviour.oom();
        try (SandboxSession s = client.openSession("python")) {
            ExecutionResult r = s.run("bomb");
            assertThat(r.status()).isEqualTo(ExecutionStatus.OOM_KILLED);
            assertThat(r.killReason()).isEqualTo("out of memory (limit 512 MiB)");
            backend.behaviour = req -> Behaviour.exit(137, "", "");
            assertThat(s.run("kill -9 self").status()).as("no new OOM kill").isEqualTo(ExecutionStatus.NONZERO_EXIT);
        }
    }

    @Test
    void sessionLifetimeClosesTheSession() {
        backend.behaviour = r -> Behaviour.hang("");
        SandboxSession s = client.openSession("python",
                SessionOptions.builder().sessionTimeout(Duration.ofMillis(400)).build());
        ExecutionResult r = s.run("x", RunOptions.timeout(Duration.ofSeconds(10)));
        assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
        assertThat(r.killReason()).startsWith("session lifetime");
        assertThat(s.isOpen()).isFalse();
        assertThat(backend.boxes).isEmpty();
        assertThatThrownBy(() -> s.run("x")).isInstanceOf(SessionClosedException.class)
                .hasMessageContaining("lifetime");
    }

    @Test
    void idleSessionIsClosedWhenItsLifetimeEnds() throws Exception {
        SandboxSession s = client.openSession("python",
                SessionOptions.builder().sessionTimeout(Duration.ofMillis(200)).build());
        // generous: the 200 ms lifetime closes it; only a lifetime that is never enforced waits this out
        org.awaitility.Awaitility.await("the idle session closes").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).until(() -> !s.isOpen());
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void closingClientRemovesEveryBox() {
        client.openSession("python");
        client.openSession("javascript");
        assertThat(backend.boxes).hasSize(2);
        client.close();
        assertThat(backend.boxes).isEmpty();
        assertThat(backend.closed).isTrue();
        assertThatThrownBy(() -> client.openSession("python")).isInstanceOf(SessionClosedException.class);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> client.openSession("rust")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected language one of " + LanguageRegistry.discover(List.of()).ids()
                        + " but was 'rust'");
        try (SandboxSession s = client.openSession("python")) {
            assertThatThrownBy(() -> s.run("  \n")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("code must not be empty");
            assertThatThrownBy(() -> s.exec(List.of(), RunOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.putFile("../x", new byte[0])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("path traversal");
        }
        assertThat(backend.execs).isEmpty();
    }

    @Test
    void missingImageIsAClearError() {
        backend.images.clear();
        assertThatThrownBy(() -> client.openSession("python")).isInstanceOf(ImageUnavailableException.class);
        assertThat(client.openSessions()).isZero();
    }

    @Test
    void imageOverridePerLanguage() {
        backend.images.add("my/python:3");
        try (SandboxClient c = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .image("py", "my/python:3").build()) {
            assertThat(c.imageFor("python")).isEqualTo("my/python:3");
            try (SandboxSession s = c.openSession("python")) {
                assertThat(s.image()).isEqualTo("my/python:3");
            }
        }
    }

    @Test
    void removesOrphansOfDeadOwnersOnly() {
        backend.foreignBoxes.put("dead", Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.owner", Owner.host() + ":999999999:1"));
        backend.foreignBoxes.put("remote", Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.owner", "other-host:1:1"));
        backend.foreignBoxes.put("expired", Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.owner", "other-host:1:1", "dev.sandbox4j.expires", "1000"));
        // another live client's box that is still being created (not started yet) is not an orphan; one that has
        // stopped is
        backend.foreignBoxes.put("starting", Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.owner", "other-host:1:1", "test.state", "created"));
        backend.foreignBoxes.put("stopped", Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.owner", "other-host:1:1", "test.state", "exited"));
        try (SandboxSession mine = client.openSession("python")) {
            assertThat(client.removeOrphans()).containsExactlyInAnyOrder("dead", "expired", "stopped");
            assertThat(mine.isOpen()).isTrue();
            assertThat(backend.foreignBoxes).containsOnlyKeys("remote", "starting");
        }
    }

    static SandboxBackendFactory down(String name, String why) {
        return new SandboxBackendFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Availability probe(BackendConfig config) {
                return Availability.unavailable(why);
            }

            @Override
            public SandboxBackend create(BackendConfig config) {
                throw new AssertionError("must not be created");
            }
        };
    }

    @Test
    void noBackendGivesOneErrorListingWhatWasTried() {
        List<SandboxBackendFactory> candidates = List.of(down("docker", "socket /nope missing"),
                down("podman", "no podman socket"));
        assertThatThrownBy(() -> BackendSelector.select(null, BackendConfig.empty(), candidates))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("docker: socket /nope missing")
                .hasMessageContaining("podman: no podman socket")
                .satisfies(e -> assertThat(((BackendUnavailableException) e).attempts()).hasSize(2));
        assertThatThrownBy(() -> BackendSelector.select("k8s", BackendConfig.empty(), candidates))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected backend one of [docker, podman] but was 'k8s'");
        assertThatThrownBy(() -> BackendSelector.select("podman", BackendConfig.empty(), candidates))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("podman: no podman socket")
                .hasMessageNotContaining("docker:");
    }
}
