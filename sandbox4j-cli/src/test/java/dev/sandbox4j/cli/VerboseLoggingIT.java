package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What {@code java -jar sandbox4j.jar} logs (logging is set up by {@link Main}, so it needs its own process): nothing
 * by default, one line per step of the sandbox with {@code -v}, the HTTP wire log only with {@code --debug}.
 */
@Tag("docker")
class VerboseLoggingIT {
    static final Path JAR = Path.of("target", "sandbox4j.jar");

    @BeforeAll
    static void engine() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required: " + a.detail());
            }
            Assumptions.abort(a.detail());
        }
        assertThat(JAR).as("the shaded jar (built by mvn package)").exists();
    }

    record Result(int exit, String stdout, List<String> stderr) {}

    static Result sandbox4j(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // a deadline, not a performance figure: a cold box on a busy machine takes seconds
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("sandbox4j finished").isTrue();
        return new Result(p.exitValue(), out, err.join().lines().toList());
    }

    @Test
    void quietByDefault() throws Exception {
        Result r = sandbox4j("run", "--lang", "python", "-c", "print(1)");
        assertThat(r.exit()).as(String.join("\n", r.stderr())).isZero();
        assertThat(r.stdout()).isEqualTo("1\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void verboseSaysWhatTheSandboxDoesOneLineEach() throws Exception {
        Result r = sandbox4j("-v", "run", "--lang", "python", "-c", "print(1)");
        assertThat(r.exit()).as(String.join("\n", r.stderr())).isZero();
        assertThat(r.stdout()).isEqualTo("1\n");
        assertThat(r.stderr()).as("a handful of lines, not a dump").hasSizeBetween(3, 29);
        assertThat(r.stderr()).allSatisfy(line -> assertThat(line)
                .matches("(INFO|DEBUG|WARN|ERROR) \\w+ - .*")
                .doesNotContain("wire", "http-outgoing", ">>", "<<", "headers", "AbstrDockerCmd", "sandbox4j_runner"));
        String all = String.join("\n", r.stderr());
        assertThat(all).contains("Using backend docker")
                .containsPattern("Session \\w+ opened: python box \\S+ from sandbox4j/python:bookworm in \\d+ ms "
                        + "\\(memory 512 MiB, 1 CPU, 128 pids, network none\\)")
                .contains("exec python3")
                .contains("run finished: ok exit 0")
                .containsPattern("Session \\w+ closed \\(box \\S+ removed\\)");
    }

    @Test
    void verboseShowsThePolicyVerdictAndTheKill() throws Exception {
        Result r = sandbox4j("-v", "run", "--lang", "python", "--preset", "development", "--timeout", "2s", "-c",
                "while True: pass");
        assertThat(r.exit()).isEqualTo(124);
        String all = String.join("\n", r.stderr());
        assertThat(all).contains("policy development allows the code").contains("run finished: timed_out")
                .contains("sandbox4j: timed_out: timed out after 2 s");
        assertThat(r.stderr()).hasSizeLessThan(30);
    }

    @Test
    void versionComesFromTheJarManifest() throws Exception {
        Result r = sandbox4j("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).startsWith("sandbox4j " + System.getProperty("sandbox4j.version") + "\n");
    }

    @Test
    void debugAddsTheWireLog() throws Exception {
        Result r = sandbox4j("--debug", "run", "--lang", "python", "-c", "print(1)");
        assertThat(r.exit()).isZero();
        assertThat(r.stderr()).as("--debug is the separate switch for HTTP traffic")
                .anySatisfy(line -> assertThat(line).contains("wire"));
    }
}
