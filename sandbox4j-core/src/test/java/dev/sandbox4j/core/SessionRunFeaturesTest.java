package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.Command;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.core.tar.TarReader;
import dev.sandbox4j.core.tar.TarWriter;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compile timeouts, command sequences, working directories, artifacts and file copies, against the fake backend. */
class SessionRunFeaturesTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build()).build();

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

    /** Launcher argv: /bin/sh -c SCRIPT sandbox4j runDir n workdir outputDir ... */
    private static String workdirOf(ExecRequest r) {
        assertThat(r.argv().get(3)).isEqualTo("sandbox4j");
        return r.argv().get(6);
    }

    private static String outputDirOf(ExecRequest r) {
        assertThat(r.argv().get(3)).isEqualTo("sandbox4j");
        return r.argv().get(7);
    }

    private static String kind(ExecRequest r) {
        return r.argv().get(3);
    }

    /** A tar stream of regular files (and symlinks, for values starting with "->"). */
    private static byte[] tar(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out);
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getValue().startsWith("->")) {
                w.symlink(e.getKey(), e.getValue().substring(2), 0);
            } else {
                byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
                w.file(e.getKey(), b.length, new ByteArrayInputStream(b), 0644, 0);
            }
        }
        w.finish();
        return out.toByteArray();
    }

    private static Behaviour out(byte[] stdout, int code) {
        return new Behaviour(stdout, new byte[0], code, false, false);
    }

    // ---------------------------------------------------------------- compile timeout

    @Test
    void hangingCompileIsBoundByTheCompileTimeout() {
        backend.behaviour = r -> r.argv().contains("javac") ? Behaviour.hang("") : Behaviour.exit(0, "ran", "");
        try (SandboxSession s = open("java")) {
            long t0 = System.nanoTime();
            ExecutionResult r = s.run("class Main { public static void main(String[] a) {} }",
                    RunOptions.builder().timeout(Duration.ofMinutes(10)).compileTimeout(Duration.ofMillis(200))
                            .build());
            // a deadline, not a speed claim: only a compile bounded by the run timeout (10 min) gets near this
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).startsWith("compilation").contains("200 ms");
            assertThat(backend.execs).hasSize(1); // the program never ran
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void runTimeoutDoesNotApplyToTheCompileStep() {
        backend.behaviour = r -> r.argv().contains("g++") ? Behaviour.hang("") : Behaviour.exit(0, "ran", "");
        try (SandboxSession s = open("cpp")) {
            ExecutionResult r = s.run("int main() {}", RunOptions.builder().timeout(Duration.ofMillis(100))
                    .compileTimeout(Duration.ofSeconds(1)).build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).isEqualTo("compilation timed out after 1 s");
        }
    }

    @Test
    void compileErrorSkipsTheRunAndArtifactCollection() {
        backend.behaviour = r -> r.argv().contains("javac") ? Behaviour.exit(1, "", "Main.java:1: error")
                : Behaviour.exit(0, "", "");
        try (SandboxSession s = open("java")) {
            ExecutionResult r = s.run("class Main {", RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
            assertThat(r.stderr()).contains("error");
            assertThat(backend.execs).hasSize(1);
        }
    }

    @Test
    void compileStepNeitherCapturesNorChangesDirectoryButTheRunDoes() {
        try (SandboxSession s = open("go")) {
            s.run("package main\nfunc main() {}", RunOptions.builder().workdir("proj").captureArtifacts(true)
                    .build());
            List<ExecRequest> launched = backend.execs.stream().filter(r -> kind(r).equals("sandbox4j")).toList();
            assertThat(launched).hasSize(2);
            assertThat(workdirOf(launched.get(0))).isEmpty();
            assertThat(outputDirOf(launched.get(0))).isEmpty();
            assertThat(workdirOf(launched.get(1))).isEqualTo("/workspace/proj");
            assertThat(outputDirOf(launched.get(1))).isEqualTo("/workspace/output");
        }
    }

    // ---------------------------------------------------------------- exec sequences

    @Test
    void sequenceStopsAfterTheFirstCommandThatIsNotOk() {
        backend.behaviour = r -> r.argv().contains("fail") ? Behaviour.exit(2, "", "failed\n")
                : Behaviour.exit(0, "ok\n", "");
        try (SandboxSession s = open("python")) {
            List<ExecutionResult> results = s.execSequence(List.of(Command.of("echo", "one"),
                    Command.of("fail"), Command.of("echo", "never")), RunOptions.defaults());
            assertThat(results).extracting(ExecutionResult::status)
                    .containsExactly(ExecutionStatus.OK, ExecutionStatus.NONZERO_EXIT);
            assertThat(results.get(1).stderr()).isEqualTo("failed\n");
            assertThat(backend.execs).hasSize(2);
            assertThat(backend.execs).noneMatch(r -> r.argv().contains("never"));
            assertThatThrownBy(() -> results.add(null)).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void sequenceStopsAfterATimeoutToo() {
        backend.behaviour = r -> r.argv().contains("sleep") ? Behaviour.hang("") : Behaviour.exit(0, "", "");
        try (SandboxSession s = open("python")) {
            List<ExecutionResult> results = s.execSequence(List.of(Command.of("sleep", "100"), Command.of("true")),
                    RunOptions.timeout(Duration.ofMillis(150)));
            assertThat(results).singleElement().extracting(ExecutionResult::status)
                    .isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(backend.execs.stream().filter(r -> kind(r).equals("sandbox4j"))).hasSize(1);
        }
    }

    @Test
    void eachCommandRunsInItsOwnWorkdirOrTheDefault() {
        try (SandboxSession s = open("python")) {
            List<ExecutionResult> results = s.execSequence(List.of(
                    Command.of("make").in("src/app"),
                    Command.of("ls"),
                    Command.shell("pwd", "/tmp/build/"),
                    Command.of("ls").in(".")),
                    RunOptions.builder().workdir("base").env("K", "v").build());
            assertThat(results).hasSize(4).allMatch(ExecutionResult::isOk);
            assertThat(backend.execs).extracting(SessionRunFeaturesTest::workdirOf)
                    .containsExactly("/workspace/src/app", "/workspace/base", "/tmp/build", "/workspace");
            assertThat(backend.execs).allSatisfy(r -> assertThat(r.env()).containsEntry("K", "v"));
            assertThat(backend.execs.get(2).argv()).endsWith("/bin/sh", "-c", "pwd");
        }
    }

    @Test
    void withoutAnyWorkdirTheLauncherGetsNone() {
        try (SandboxSession s = open("python")) {
            s.execSequence(List.of(Command.of("ls")), RunOptions.defaults());
            s.exec("ls");
            assertThat(backend.execs).extracting(SessionRunFeaturesTest::workdirOf).containsExactly("", "");
        }
    }

    @Test
    void workdirWithDotDotIsRefused() {
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.exec(List.of("ls"), RunOptions.builder().workdir("../etc").build()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.run("1", RunOptions.builder().workdir("a/../..").build()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.execSequence(List.of(Command.of("ls").in("..")), RunOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(backend.execs).isEmpty();
        }
    }

    @Test
    void aBadWorkdirLaterInTheSequenceIsRefusedBeforeAnythingRuns() {
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.execSequence(List.of(Command.of("rm", "-rf", "build"),
                    Command.of("make").in("../elsewhere")), RunOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(backend.execs).isEmpty();
        }
    }

    @Test
    void emptySequenceIsRefused() {
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.execSequence(List.of(), RunOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void runWorkdirIsPassedToTheLauncher() {
        try (SandboxSession s = open("python")) {
            s.run("print(1)", RunOptions.builder().workdir("/opt/data").build());
            assertThat(workdirOf(backend.execs.get(0))).isEqualTo("/opt/data");
        }
    }

    // ---------------------------------------------------------------- artifacts

    @Test
    void captureArtifactsPreparesTheOutputDirectoryAndCollectsItsFiles() throws IOException {
        byte[] listing = tar(new LinkedHashMap<>(Map.of("z-data.csv", "a,b\n", "figure-1.png", "PNG",
                "plots/inner.svg", "<svg/>")));
        backend.behaviour = r -> kind(r).equals("artifacts") ? out(listing, 0) : Behaviour.exit(0, "done\n", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.run("import matplotlib", RunOptions.builder().captureArtifacts(true).build());

            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("done\n");
            ExecRequest run = backend.execs.get(0);
            assertThat(run.env()).containsEntry("SANDBOX4J_OUTPUT_DIR", "/workspace/output")
                    .containsEntry("MPLBACKEND", "module://sandbox4j_mpl");
            assertThat(outputDirOf(run)).isEqualTo("/workspace/output");
            assertThat(run.argv()).contains("lib/sitecustomize.py", "lib/sandbox4j_mpl.py");
            ExecRequest collect = backend.execs.get(1);
            assertThat(kind(collect)).isEqualTo("artifacts");
            assertThat(collect.argv()).last().isEqualTo("/workspace/output");
            assertThat(collect.user()).isEqualTo(run.user());

            assertThat(r.artifacts()).extracting(Artifact::name)
                    .containsExactly("figure-1.png", "plots/inner.svg", "z-data.csv");
            assertThat(r.artifacts()).extracting(Artifact::mimeType)
                    .containsExactly("image/png", "image/svg+xml", "text/csv");
            assertThat(new String(r.artifacts().get(2).content(), StandardCharsets.UTF_8)).isEqualTo("a,b\n");
            assertThat(r.stderr()).isEmpty();
        }
    }

    @Test
    void withoutCaptureThereIsNoOutputDirectoryAndNoCollection() {
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.run("print(1)");
            assertThat(backend.execs).hasSize(1);
            assertThat(backend.execs.get(0).env()).doesNotContainKey("SANDBOX4J_OUTPUT_DIR");
            assertThat(outputDirOf(backend.execs.get(0))).isEmpty();
            assertThat(r.artifacts()).isEmpty();
        }
    }

    @Test
    void symlinksInTheOutputDirectoryAreNotReturnedButReported() throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("ok.txt", "fine");
        entries.put("passwd", "->/etc/passwd");
        byte[] listing = tar(entries);
        backend.behaviour = r -> kind(r).equals("artifacts") ? out(listing, 0) : Behaviour.exit(0, "", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.exec(List.of("true"), RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("ok.txt");
            assertThat(r.stderr()).contains("passwd (symbolic link)");
            assertThat(backend.execs.get(0).env()).containsEntry("SANDBOX4J_OUTPUT_DIR", "/workspace/output");
        }
    }

    @Test
    void artifactsBeyondTheCountLimitAreDroppedWithANote() throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < EngineLimits.MAX_ARTIFACTS + 2; i++) {
            entries.put(String.format("f%04d.txt", i), "x");
        }
        byte[] listing = tar(entries);
        backend.behaviour = r -> kind(r).equals("artifacts") ? out(listing, 0) : Behaviour.exit(0, "", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.run("1", RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.artifacts()).hasSize(EngineLimits.MAX_ARTIFACTS);
            assertThat(r.stderr()).contains("artifacts not returned").contains("f0256.txt", "f0257.txt");
        }
    }

    @Test
    void aBrokenListingKeepsTheRunResultAndSaysSo() {
        byte[] garbage = "this is not a tar archive".repeat(40).getBytes(StandardCharsets.UTF_8);
        backend.behaviour = r -> kind(r).equals("artifacts") ? out(garbage, 0) : Behaviour.exit(0, "ran\n", "");
        try (SandboxSession s = open("python")) {
            ExecutionResult r = s.run("1", RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("ran\n");
            assertThat(r.artifacts()).isEmpty();
            assertThat(r.stderr()).contains("artifacts not returned");
        }
    }

    @Test
    void artifactsSurviveTheOutputSanitizer() throws IOException {
        byte[] listing = tar(Map.of("fig.png", "PNG"));
        backend.behaviour = r -> kind(r).equals("artifacts") ? out(listing, 0)
                : Behaviour.exit(0, "password=hunter2\n", "");
        try (SandboxSession s = open("python",
                SessionOptions.builder().sanitizer(OutputSanitizer.defaults()).build())) {
            ExecutionResult r = s.run("1", RunOptions.builder().captureArtifacts(true).build());
            assertThat(r.stdout()).doesNotContain("hunter2");
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("fig.png");
        }
    }

    // ---------------------------------------------------------------- copies

    @Test
    void copyFromRuntimeWritesASingleFile() throws IOException {
        byte[] stream = concat("F".getBytes(), tar(Map.of("report.csv", "a,b\n1,2\n")));
        backend.behaviour = r -> kind(r).equals("copy-out") ? out(stream, 0) : Behaviour.exit(0, "", "");
        try (SandboxSession s = open("python")) {
            Path target = tmp.resolve("host/report.csv");
            CopyResult c = s.copyFromRuntime("out/report.csv", target);
            assertThat(c).isEqualTo(new CopyResult(1, 0, 8, List.of()));
            assertThat(target).hasContent("a,b\n1,2\n");
            ExecRequest req = backend.execs.get(0);
            assertThat(req.argv().subList(4, 6)).containsExactly("/workspace/out/report.csv", "/workspace");
        }
    }

    @Test
    void copyFromRuntimeIntoAnExistingDirectoryKeepsTheFileName() throws IOException {
        byte[] stream = concat("F".getBytes(), tar(Map.of("report.csv", "x")));
        backend.behaviour = r -> out(stream, 0);
        try (SandboxSession s = open("python")) {
            Path dir = Files.createDirectories(tmp.resolve("dir"));
            s.copyFromRuntime("report.csv", dir);
            assertThat(dir.resolve("report.csv")).hasContent("x");
        }
    }

    @Test
    void copyFromRuntimeReplacesASymlinkAtTheTarget() throws IOException {
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Path target = tmp.resolve("link");
        Files.createSymbolicLink(target, victim);
        byte[] stream = concat("F".getBytes(), tar(Map.of("f", "new")));
        backend.behaviour = r -> out(stream, 0);
        try (SandboxSession s = open("python")) {
            s.copyFromRuntime("f", target);
            assertThat(victim).hasContent("keep");
            assertThat(Files.isSymbolicLink(target)).isFalse();
            assertThat(target).hasContent("new");
        }
    }

    @Test
    void copyFromRuntimeExtractsADirectory() throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("a.txt", "A");
        entries.put("sub/b.txt", "BB");
        byte[] stream = concat("D".getBytes(), tar(entries));
        backend.behaviour = r -> out(stream, 0);
        try (SandboxSession s = open("python")) {
            Path dest = tmp.resolve("copy");
            CopyResult c = s.copyFromRuntime(".", dest);
            assertThat(c.files()).isEqualTo(2);
            assertThat(c.bytes()).isEqualTo(3);
            assertThat(dest.resolve("a.txt")).hasContent("A");
            assertThat(dest.resolve("sub/b.txt")).hasContent("BB");
            assertThat(backend.execs.get(0).argv().get(4)).isEqualTo("/workspace");
        }
    }

    @Test
    void copyFromRuntimeOfAMissingPathIsNoSuchFile() {
        backend.behaviour = r -> new Behaviour(new byte[0], "no such file or directory\n".getBytes(), 3, false, false);
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.copyFromRuntime("missing", tmp.resolve("x")))
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
            assertThat(tmp.resolve("x")).doesNotExist();
        }
    }

    @Test
    void copyPathsAreCheckedBeforeAnythingRuns() throws IOException {
        Path host = Files.writeString(tmp.resolve("f.txt"), "x");
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.copyFromRuntime("../etc", tmp.resolve("x")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.copyFromRuntime("/etc/passwd", tmp.resolve("x")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.copyToRuntime(host, "/etc/evil")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.copyToRuntime(host, ".")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.copyToRuntime(tmp.resolve("missing"), "x"))
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
            assertThat(backend.execs).isEmpty();
        }
    }

    @Test
    void copyToRuntimeStreamsAFileAsATarNamedLikeItsTarget() throws Exception {
        byte[] content = new byte[300_000];
        new java.util.Random(3).nextBytes(content);
        Path host = Files.write(tmp.resolve("local.bin"), content);
        try (SandboxSession s = open("python")) {
            s.copyToRuntime(host, "data/remote.bin");
            ExecRequest req = backend.execs.get(0);
            assertThat(kind(req)).isEqualTo("copy-in");
            assertThat(req.argv().subList(4, 6)).containsExactly("/workspace/data/remote.bin", "/workspace");
            assertThat(backend.events).containsExactly("exec-stream");
            List<TarReader.Entry> entries = new ArrayList<>();
            TarReader reader = new TarReader(new ByteArrayInputStream(backend.streamedStdin.get(0)));
            byte[] got = null;
            for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                entries.add(e);
                got = reader.content().readAllBytes();
            }
            assertThat(entries).singleElement().satisfies(e -> {
                assertThat(e.name()).isEqualTo("remote.bin");
                assertThat(e.type()).isEqualTo(TarReader.Entry.Type.FILE);
            });
            assertThat(got).isEqualTo(content);
            assertWriterGone(s);
        }
    }

    @Test
    void copyToRuntimeOfADirectoryMayTargetTheWorkDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("proj/src"));
        Files.writeString(dir.resolve("main.py"), "print(1)");
        try (SandboxSession s = open("python")) {
            s.copyToRuntime(tmp.resolve("proj"), ".");
            ExecRequest req = backend.execs.get(0);
            assertThat(req.argv().get(4)).isEqualTo("/workspace");
            List<String> names = new ArrayList<>();
            TarReader reader = new TarReader(new ByteArrayInputStream(backend.streamedStdin.get(0)));
            for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                names.add(e.name());
            }
            assertThat(names).contains("d/src/main.py").allMatch(n -> n.startsWith("d/") || n.equals("d"));
        }
    }

    @Test
    void copyToRuntimeFailureNamesTheTarget() throws IOException {
        Path host = Files.writeString(tmp.resolve("f.txt"), "x");
        backend.behaviour = r -> new Behaviour(new byte[0], "x resolves to /etc, outside\n".getBytes(), 4, false,
                false);
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.copyToRuntime(host, "x")).hasMessageContaining("/workspace/x")
                    .hasMessageContaining("outside");
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void copyToRuntimeReleasesItsWriterWhenTheExecCannotStart() throws Exception {
        Path host = Files.write(tmp.resolve("big.bin"), new byte[4 << 20]); // far more than the pipe holds
        backend.behaviour = r -> {
            throw new dev.sandbox4j.BackendException("fake", "engine gone", null);
        };
        try (SandboxSession s = open("python")) {
            assertThatThrownBy(() -> s.copyToRuntime(host, "big.bin")).hasMessageContaining("engine gone");
            assertWriterGone(s);
        }
    }

    private void assertWriterGone(SandboxSession s) throws Exception {
        String writer = "\"sandbox4j-copy-in-" + s.id() + "\"";
        // generous: the writer ends within milliseconds once the copy failed; only one that never ends waits this out
        org.awaitility.Awaitility.await("the copy's writer thread ends").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> !threadDump().contains(writer));
    }

    private Path dumps;

    /** All threads, virtual ones included. */
    private String threadDump() throws IOException {
        if (dumps == null) {
            dumps = Files.createDirectories(tmp.resolve("dumps"));
        }
        Path f = dumps.resolve(System.nanoTime() + ".json");
        java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .dumpThreads(f.toAbsolutePath().toString(),
                        com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        return Files.readString(f);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
