package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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
    void timesOutWith124() {
        assertThat(run("run", "--lang", "js", "--timeout", "1s", "-c", "while (true) {}")).isEqualTo(124);
        assertThat(err.toString()).contains("timed out after 1 s");
    }

    @Test
    void doctorFindsEngineAndImages() {
        assertThat(run("doctor")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("backend docker", "image python", "smoke python", "smoke javascript")
                .doesNotContain("FAIL");
    }
}
