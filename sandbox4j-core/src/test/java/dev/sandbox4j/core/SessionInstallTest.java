package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library installation: network only while installing, skipping, failures, and run(libraries=...). */
class SessionInstallTest {
    final FakeBackend backend = new FakeBackend();
    final List<RunEvent> runEvents = new CopyOnWriteArrayList<>();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build())
            .eventListener(new SandboxEventListener() {
                @Override
                public void runFinished(RunEvent event) {
                    runEvents.add(event);
                }
            })
            .build();

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        client.close();
    }

    private SandboxSession open(String language) {
        return open(language, SessionOptions.defaults());
    }

    private SandboxSession open(String language, SessionOptions options) {
        SandboxSession s = client.openSession(language, options);
        backend.events.clear();
        backend.execs.clear();
        return s;
    }

    private static boolean isPip(ExecRequest r) {
        return r.argv().contains("pip");
    }

    /** The program's command after the launcher's arguments (the part after the stdin marker). */
    private static List<String> command(ExecRequest r) {
        List<String> a = r.argv();
        int n = Integer.parseInt(a.get(5));
        int marker = 8 + 2 * n;
        // with stdin the marker is ".stdin", else "-"; either way the command follows it
        return a.subList(marker + 1, a.size());
    }

    @Test
    void installKillsConnectsInstallsKillsAndDisconnectsInThatOrder() {
        backend.behaviour = r -> Behaviour.exit(0, "Successfully installed numpy\n", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.install("numpy");

            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("Successfully installed numpy\n");
            assertThat(backend.events).containsExactly("kill", "network:bridge", "exec", "kill", "network:null");
            assertThat(backend.networks).containsExactly("bridge", null);
            ExecRequest req = backend.execs.get(0);
            assertThat(command(req)).startsWith("python3", "-I", "-m", "pip", "install").last().isEqualTo("numpy");
            assertThat(req.user()).isEqualTo(RuntimeConfig.defaults().user());
            assertThat(req.env()).containsEntry("PIP_CONFIG_FILE", "/dev/null").containsEntry("HOME", "/workspace");
            assertThat(s.installedLibraries()).containsExactly("numpy");
            assertThat(s.isOpen()).isTrue();
            assertThat(runEvents).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo("install");
                assertThat(e.status()).isEqualTo(ExecutionStatus.OK);
            });
        }
    }

    @Test
    void installUsesTheConfiguredNetworkAndRegistries() {
        InstallConfig cfg = InstallConfig.builder().caBundle(null).network("egress-proxy")
                .pipIndexUrl("http://mirror:3141/simple").timeout(Duration.ofSeconds(30)).build();
        try (SandboxSession s = open("python", SessionOptions.builder().install(cfg).build())) {
            s.install(List.of("pandas"));
            assertThat(backend.networks).containsExactly("egress-proxy", null);
            assertThat(command(backend.execs.get(0))).containsSubsequence("--index-url", "http://mirror:3141/simple");
            assertThat(runEvents).singleElement().extracting(RunEvent::timeout).isEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    void alreadyInstalledLibrariesAreSkipped() {
        try (SandboxSession s = open("python")) {
            s.install("numpy", "numpy"); // duplicates are installed once
            assertThat(command(backend.execs.get(0))).filteredOn("numpy"::equals).hasSize(1);
            backend.events.clear();

            ExecutionResult again = s.install("numpy");
            assertThat(again.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(again.stdout()).startsWith("already installed").contains("numpy");
            assertThat(backend.events).isEmpty();
            assertThat(backend.execs).hasSize(1);

            s.install("numpy", "pandas");
            assertThat(backend.execs).hasSize(2);
            assertThat(command(backend.execs.get(1))).contains("pandas").doesNotContain("numpy");
            assertThat(s.installedLibraries()).containsExactly("numpy", "pandas");
        }
    }

    @Test
    void failedInstallationIsInstallFailedAndInstallsNothing() {
        backend.behaviour = r -> Behaviour.exit(1, "Collecting nope\n", "ERROR: No matching distribution\n");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.install("nope-does-not-exist");
            assertThat(r.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("No matching distribution");
            assertThat(r.stdout()).contains("Collecting nope");
            assertThat(r.killReason()).isNull();
            assertThat(s.installedLibraries()).isEmpty();
            // the network is taken away again all the same
            assertThat(backend.events).endsWith("kill", "network:null");
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void installationPastItsTimeoutIsKilledAndTheNetworkCut() {
        backend.behaviour = r -> Behaviour.hang("Downloading...\n");
        InstallConfig cfg = InstallConfig.builder().caBundle(null).timeout(Duration.ofMillis(200)).build();
        try (SandboxSession s = open("python", SessionOptions.builder().install(cfg).build())) {
            long t0 = System.nanoTime();
            ExecutionResult r = s.install("numpy");
            // a deadline, not a speed claim: the fake package manager hangs forever, so only the 200 ms installation
            // timeout ends it; a timeout that does not fire fails here (generously) instead of hanging the build
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).startsWith("installation timed out");
            assertThat(s.installedLibraries()).isEmpty();
            assertThat(backend.events).endsWith("network:null");
            assertThat(backend.networks).containsExactly("bridge", null);
        }
    }

    @Test
    void failingDisconnectClosesTheSession() {
        backend.disconnectFailure = new BackendException("fake", "engine refused to disconnect", null);
        try (SandboxSession s = open("python")) {
            String boxId = backend.boxes.keySet().iterator().next();
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(BackendException.class)
                    .hasMessageContaining("network")
                    .rootCause().hasMessageContaining("engine refused to disconnect");
            assertThat(s.isOpen()).isFalse();
            assertThat(backend.removed).contains(boxId);
            assertThatThrownBy(() -> s.run("print(1)")).isInstanceOf(SessionClosedException.class)
                    .hasMessageContaining("network");
        }
    }

    @Test
    void failingConnectStillDisconnectsAndKeepsTheSession() {
        backend.connectFailure = new BackendException("fake", "no such network", null);
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(BackendException.class)
                    .hasMessageContaining("no such network");
            assertThat(backend.events).containsExactly("kill", "network:bridge", "kill", "network:null");
            assertThat(backend.execs).isEmpty();
            assertThat(s.isOpen()).isTrue();
            assertThat(s.installedLibraries()).isEmpty();
        }
    }

    @Test
    void backendThatCannotSwitchNetworksIsUnsupportedAndLeavesTheSessionOpen() {
        backend.networkSupported = false;
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(UnsupportedOperationException.class);
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void sessionWithNetworkDoesNotSwitchNetworks() {
        SessionOptions o = SessionOptions.builder()
                .runtime(RuntimeConfig.builder().networkEnabled(true).build()).build();
        try (SandboxSession s = open("python", o)) {
            assertThat(s.install("numpy").status()).isEqualTo(ExecutionStatus.OK);
            assertThat(backend.networks).isEmpty();
            assertThat(backend.events).containsExactly("kill", "exec");
            assertThat(s.installedLibraries()).containsExactly("numpy");
        }
    }

    @Test
    void processesThatSurviveTheKillPreventTheInstallation() {
        backend.killSucceeds = false;
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(BackendException.class)
                    .hasMessageContaining("stop");
            assertThat(backend.networks).isEmpty();
            assertThat(backend.execs).isEmpty();
        }
    }

    @Test
    void badSpecificationsAndUnsupportedLanguagesFailBeforeTouchingTheBox() {
        try (SandboxSession py = open("python")) {
            assertThatThrownBy(() -> py.install("--index-url=http://evil")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> py.install(List.of())).isInstanceOf(IllegalArgumentException.class);
            assertThat(backend.events).isEmpty();
        }
        try (SandboxSession cpp = open("cpp")) {
            assertThatThrownBy(() -> cpp.install("boost")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cpp");
            assertThat(backend.events).isEmpty();
            assertThat(cpp.isOpen()).isTrue();
        }
    }

    @Test
    void caBundleIsWrittenIntoTheRunDirectoryAndPassedToThePackageManager() throws Exception {
        Path pem = Files.writeString(tmp.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
        InstallConfig cfg = InstallConfig.builder().caBundle(pem).build();
        try (SandboxSession s = open("python", SessionOptions.builder().install(cfg).build())) {
            s.install("numpy");
            ExecRequest req = backend.execs.get(0);
            String runDir = req.argv().get(4);
            assertThat(req.argv().subList(8, 10)).containsExactly("ca.pem", Long.toString(Files.size(pem)));
            assertThat(new String(req.stdin(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(pem));
            assertThat(command(req)).containsSubsequence("--cert", runDir + "/ca.pem");
        }
    }

    @Test
    void unreadableCaBundleFailsBeforeTheNetworkIsTouched() {
        InstallConfig cfg = InstallConfig.builder().caBundle(tmp.resolve("missing.pem")).build();
        try (SandboxSession s = open("python", SessionOptions.builder().install(cfg).build())) {
            assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("missing.pem");
            assertThat(backend.events).isEmpty();
        }
    }

    @Test
    void javaInstallationCompilesMavenFetchInTheRunDirectoryThenRunsIt() {
        try (SandboxSession s = open("java")) {
            ExecutionResult r = s.install("com.google.code.gson:gson:2.11.0");
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            ExecRequest compile = backend.execs.get(0);
            String runDir = compile.argv().get(4);
            assertThat(compile.argv()).contains("MavenFetch.java", "PomModels.java", "MavenRepo.java");
            assertThat(command(compile)).startsWith("javac").containsSequence("-d", runDir + "/mavenfetch")
                    .endsWith(runDir + "/MavenFetch.java", runDir + "/PomModels.java", runDir + "/MavenRepo.java");
            ExecRequest run = backend.execs.get(1);
            assertThat(run.argv().get(4)).isEqualTo(runDir);
            assertThat(command(run)).startsWith("java").containsSequence("-cp", runDir + "/mavenfetch", "MavenFetch")
                    .contains("/workspace/.sandbox4j/lib").last().isEqualTo("com.google.code.gson:gson:2.11.0");
        }
    }

    @Test
    void closedSessionRefusesToInstall() {
        SandboxSession s = open("python");
        s.close();
        assertThatThrownBy(() -> s.install("numpy")).isInstanceOf(SessionClosedException.class);
    }

    @Test
    void sessionLifetimeEndingDuringAnInstallationReportsTheLifetime() {
        backend.behaviour = r -> Behaviour.hang("");
        try (SandboxSession s = open("python",
                SessionOptions.builder().sessionTimeout(Duration.ofMillis(300)).build())) {
            ExecutionResult r = s.install("numpy");
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).contains("session lifetime");
            assertThat(s.isOpen()).isFalse();
            assertThat(s.installedLibraries()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- run(code, libraries)

    @Test
    void runInstallsOnlyTheMissingLibrariesThenRuns() {
        backend.behaviour = r -> isPip(r) ? Behaviour.exit(0, "installed\n", "") : Behaviour.exit(0, "ran\n", "");
        try (SandboxSession s = open("python")) {
            s.install("numpy");
            backend.events.clear();
            backend.execs.clear();

            ExecutionResult r = s.run("import numpy, pandas",
                    RunOptions.builder().libraries("numpy", "pandas").build());

            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("ran\n");
            assertThat(backend.execs).hasSize(2);
            assertThat(command(backend.execs.get(0))).contains("pandas").doesNotContain("numpy");
            assertThat(command(backend.execs.get(1))).startsWith("python3", "-u");
            // the run's leftovers are killed when it ends (no resident runner in this backend: by killAll)
            assertThat(backend.events).containsExactly("kill", "network:bridge", "exec", "kill", "network:null",
                    "exec", "kill");
            assertThat(s.installedLibraries()).containsExactly("numpy", "pandas");
        }
    }

    @Test
    void runWithInstalledLibrariesJustRuns() {
        try (SandboxSession s = open("python")) {
            s.install("numpy");
            backend.events.clear();
            s.run("import numpy", RunOptions.builder().libraries("numpy").build());
            assertThat(backend.events).as("the run, then the kill of what it left").containsExactly("exec", "kill");
        }
    }

    @Test
    void runReturnsTheFailedInstallationWithoutRunning() {
        backend.behaviour = r -> isPip(r) ? Behaviour.exit(1, "", "no such package\n")
                : Behaviour.exit(0, "ran\n", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.run("import nope", RunOptions.builder().libraries("nope").build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(r.stderr()).contains("no such package");
            assertThat(backend.execs).hasSize(1).allMatch(SessionInstallTest::isPip);
            assertThat(s.installedLibraries()).isEmpty();
            assertThat(runEvents).extracting(RunEvent::kind).containsExactly("install", "run");
            assertThat(runEvents.get(1).status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
        }
    }

    @Test
    void runWithABadLibraryNameFailsBeforeAnything() {
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.run("1", RunOptions.builder().libraries("$(id)").build()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(backend.events).isEmpty();
        }
    }
}
