package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI against the real engine (the boxes it opens are removed by its client on close). */
@Tag("docker")
class RunCommandIT {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeAll
    static void engine() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required: " + a.detail());
            }
            Assumptions.abort(a.detail());
        }
    }

    int run(String... args) {
        CommandLine cl = SandboxCommand.commandLine(new ClientFactory());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void runsPythonAndPassesExitCodeThrough() {
        assertThat(run("run", "--lang", "python", "-c", "import sys; print('hi', sys.argv[1]); sys.exit(3)", "x"))
                .isEqualTo(3);
        assertThat(out.toString()).isEqualTo("hi x\n");
    }

    @Test
    void compileErrorShowsTheRealCompilersMessages(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.cpp");
        Files.writeString(bad, "#include <cstdio>\nint main() { std::puts(\"hi\"); return x; }\n");
        assertThat(run("run", bad.toString())).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).startsWith("sandbox4j: compile_error: the program did not compile (the compiler "
                + "exited with 1); nothing ran. The compiler said:\n").contains("main.cpp:2:").contains("error:")
                .contains("\u2018x\u2019 was not declared in this scope");
        err.getBuffer().setLength(0);
        Path java = tmp.resolve("Hello.java");
        Files.writeString(java, """
                public class Hello {
                    record P(int x) {}
                    public static void main(String[] args) { System.out.println(new P(1)); }
                }
                """);
        assertThat(run("run", java.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("P[x=1]\n");
    }

    @Test
    void timesOutWith124() {
        assertThat(run("run", "--lang", "js", "--timeout", "1s", "-c", "while (true) {}")).isEqualTo(124);
        assertThat(err.toString()).contains("timed out after 1 s");
    }

    @Test
    void writesArtifactsAndCopiesFilesInAndOut(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("numbers.txt"), "1\n2\n3\n");
        Path plots = tmp.resolve("plots");
        Path results = tmp.resolve("results");
        int code = run("run", "--lang", "python", "--artifacts-dir", plots.toString(),
                "--copy-in", data + "=/workspace/data", "--copy-out", "out=" + results, "-c", """
                import os, matplotlib.pyplot as plt
                xs = [int(l) for l in open('data/numbers.txt')]
                plt.plot(xs); plt.show()
                os.makedirs('out', exist_ok=True); open('out/sum.txt', 'w').write(str(sum(xs)))
                print('sum', sum(xs))
                """);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("sum 6\n");
        assertThat(err.toString()).contains("artifact figure-1.png (image/png");
        assertThat(Files.readAllBytes(plots.resolve("figure-1.png"))).startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readString(results.resolve("sum.txt"))).isEqualTo("6");
    }

    @Test
    void badLibrarySpecsAndCopyArgumentsAreUsageErrors() {
        assertThat(run("run", "--lang", "python", "--lib", "--index-url=http://evil", "-c", "print(1)"))
                .isNotZero();
        assertThat(err.toString()).contains("not a valid python library").doesNotContain("\tat ");
        assertThat(run("run", "--lang", "python", "--copy-in", "nonsense", "-c", "print(1)")).isEqualTo(2);
        assertThat(err.toString()).contains("--copy-in expects HOST=BOX");
    }

    @Test
    void doctorFindsEngineAndImages() {
        assertThat(run("doctor")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("backend docker", "image python", "smoke python", "smoke javascript")
                .doesNotContain("FAIL");
    }
}
