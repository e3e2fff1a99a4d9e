package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark corpus gives the same results with the fork server as with a fresh interpreter per run: status,
 * exit code, stdout, stderr (tracebacks included) and the artifacts' names.
 */
@Tag("docker")
class CorpusIT {
    static SandboxClient client;
    static SandboxSession fresh;
    static SandboxSession forked;

    @BeforeAll
    static void open() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required: " + a.detail());
            }
            Assumptions.abort(a.detail());
        }
        client = new ClientFactory().create(Map.of(), false);
        fresh = client.openSession("python", SessionOptions.builder().freshInterpreter(true).build());
        forked = client.openSession("python", SessionOptions.defaults());
        StringWriter notes = new StringWriter();
        BenchCommand.awaitForkServer(forked, new PrintWriter(notes, true));
        assertThat(notes.toString()).as("the fork server became ready").isEmpty();
    }

    @AfterAll
    static void close() {
        if (client != null) {
            fresh.close();
            forked.close();
            client.close();
        }
    }

    @Test
    void everyPythonProgramGivesTheSameResultForkedAsFresh() {
        List<Corpus> programs = Corpus.load();
        assertThat(programs).hasSizeGreaterThanOrEqualTo(10);
        RunOptions opts = RunOptions.builder().timeout(Duration.ofSeconds(60)).captureArtifacts(true).build();
        int compared = 0;
        for (Corpus p : programs) {
            if (!p.language().equals("python")) {
                continue;
            }
            ExecutionResult a = fresh.run(p.code(), opts);
            ExecutionResult b = forked.run(p.code(), opts);
            assertThat(a.status()).as(p.name() + ": " + a.stderr()).isIn(ExecutionStatus.OK,
                    ExecutionStatus.NONZERO_EXIT);
            assertThat(b.status()).as(p.name()).isEqualTo(a.status());
            assertThat(b.exitCode()).as(p.name()).isEqualTo(a.exitCode());
            assertThat(b.stdout()).as(p.name()).isEqualTo(a.stdout());
            assertThat(BenchCommand.withoutRunDirectory(b.stderr())).as(p.name())
                    .isEqualTo(BenchCommand.withoutRunDirectory(a.stderr()));
            assertThat(b.artifacts()).as(p.name()).extracting(Artifact::name)
                    .containsExactlyInAnyOrderElementsOf(a.artifacts().stream().map(Artifact::name).toList());
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(9);
        assertThat(forked.run("import sys\nprint('numpy' in sys.modules)").stdout()).as("still forking at the end")
                .isEqualTo("True\n");
    }

    @Test
    void theJavaScriptProgramRuns() {
        Corpus js = Corpus.load().stream().filter(p -> p.language().equals("javascript")).findFirst().orElseThrow();
        ExecutionResult r = client.run("javascript", js.code(), SessionOptions.defaults(),
                RunOptions.timeout(Duration.ofSeconds(60)));
        assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
        assertThat(r.stdout()).startsWith("it       6\nof       6\nthe      6\nwas      6\nage      2\n");
    }
}
