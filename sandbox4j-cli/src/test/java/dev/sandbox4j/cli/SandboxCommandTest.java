package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SandboxCommandTest {
    final FakeBackend backend = new FakeBackend();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        ClientFactory fake = new ClientFactory() {
            @Override
            SandboxClient create(Map<String, String> images, boolean reapOrphans) {
                return SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
            }
        };
        CommandLine cl = SandboxCommand.commandLine(fake);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void passesOutputAndExitCodeThrough() {
        backend.behaviour = r -> Behaviour.exit(3, "hello\n", "warn\n");
        assertThat(run("run", "--lang", "python", "-c", "print('hello')", "arg1")).isEqualTo(3);
        assertThat(out.toString()).isEqualTo("hello\n");
        assertThat(err.toString()).isEqualTo("warn\n");
        assertThat(backend.execs.get(0).argv()).endsWith("arg1");
    }

    @Test
    void timeoutExitsWith124AndSaysWhy() {
        backend.behaviour = r -> Behaviour.hang("");
        assertThat(run("run", "-l", "py", "--timeout", "200ms", "-c", "while True: pass")).isEqualTo(124);
        assertThat(err.toString()).contains("sandbox4j: timed_out: timed out after 200 ms");
    }

    @Test
    void jsonPrintsTheWholeResult() {
        backend.behaviour = r -> Behaviour.exit(0, "42\n", "");
        assertThat(run("run", "--lang", "javascript", "--json", "-c", "console.log(42)")).isZero();
        assertThat(out.toString().strip()).startsWith("{\"language\":\"javascript\",")
                .contains("\"status\":\"ok\"", "\"exit_code\":0", "\"stdout\":\"42\\n\"", "\"kill_reason\":null",
                        "\"stdout_truncated\":false");
    }

    @Test
    void readsProgramFromFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.py");
        Files.writeString(f, "print('from file')");
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        assertThat(run("run", "--lang", "python", f.toString(), "x", "y")).isZero();
        assertThat(new String(backend.execs.get(0).stdin())).isEqualTo("print('from file')");
        assertThat(backend.execs.get(0).argv()).endsWith("x", "y");
    }

    @Test
    void usageErrorsExitWith2AndAShortMessage() {
        assertThat(run("run", "-c", "print(1)")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--lang=LANG'")
                .contains("Try 'sandbox4j run --help'");
        assertThat(run("run", "--lang", "python")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing program");
        assertThat(run("run", "--lang", "python", "--memory", "lots", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("'lots'");
        assertThat(run("run", "--lang", "python", "--timeout", "soon", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Expected a duration such as 500ms, 10s, 2m or 1h but was 'soon'");
        assertThat(run("run", "--lang", "cobol", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Expected language one of [cpp, go, java, javascript, python, r] but was 'cobol'");
        assertThat(run("run", "--lang", "python", "/no/such/file.py")).isEqualTo(2);
        assertThat(err.toString()).contains("File not found: '/no/such/file.py'");
        assertThat(run("run", "--lang", "python", "--pids", "0", "-c", "x")).isEqualTo(2);
        assertThat(run("run", "--lang", "python", "--runtime", "run sc", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("ociRuntime ('run sc') must be a runtime name such as 'runc' or 'runsc'");
        assertThat(backend.execs).isEmpty();
    }

    @Test
    void sandboxFailureExitsWith125WithoutStackTrace() {
        ClientFactory broken = new ClientFactory() {
            @Override
            SandboxClient create(Map<String, String> images, boolean reapOrphans) {
                throw new BackendUnavailableException("No container engine answers", List.of("docker: no socket"), null);
            }
        };
        CommandLine cl = SandboxCommand.commandLine(broken);
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("run", "--lang", "python", "-c", "print(1)")).isEqualTo(125);
        assertThat(err.toString()).contains("no container engine: No container engine answers")
                .contains("docker: no socket").doesNotContain("at dev.sandbox4j");
    }

    @Test
    void imageMissingIs125() {
        backend.images.clear();
        assertThat(run("run", "--lang", "python", "-c", "print(1)")).isEqualTo(125);
        assertThat(err.toString()).contains("image missing");
    }

    @Test
    void gcRemovesOrphans() {
        backend.foreignBoxes.put("c0ffee", Map.of("dev.sandbox4j.managed", "true", "dev.sandbox4j.owner",
                hostname() + ":999999999:1"));
        assertThat(run("gc")).isZero();
        assertThat(out.toString()).isEqualTo("removed 1 container(s): c0ffee\n");
    }

    @Test
    void helpListsExitCodes() {
        assertThat(run("run", "--help")).isZero();
        assertThat(out.toString()).contains("124", "125", "127", "--json", "--timeout");
    }

    @Test
    void checkPrintsViolationsAndExitsNonZeroWhenBlocked() {
        assertThat(run("check", "--lang", "python", "-c", "import subprocess\nprint(1)")).isEqualTo(1);
        assertThat(out.toString()).contains("1:1 high module:python:subprocess - runs system commands")
                .contains("BLOCKED by policy 'production'");
        out.getBuffer().setLength(0);
        assertThat(run("check", "--lang", "python", "-c", "# import subprocess\nprint(1)")).isZero();
        assertThat(out.toString()).startsWith("allowed by policy 'production'");
    }

    @Test
    void checkJsonAndPresets() {
        assertThat(run("check", "--lang", "js", "--preset", "strict", "--json", "-c", "const fs = require('fs')"))
                .isEqualTo(1);
        assertThat(out.toString()).contains("\"allowed\":false", "\"policy\":\"strict\"", "\"rule\":\"module:javascript:fs\"");
        assertThat(run("check", "--lang", "js", "--preset", "nope", "-c", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("but was 'nope'");
    }

    @Test
    void runWithPolicyBlocksWithoutStartingAProcess() {
        assertThat(run("run", "--lang", "python", "--preset", "production", "-c", "import socket")).isEqualTo(125);
        assertThat(err.toString()).contains("blocked_by_policy").contains("module:python:socket");
        assertThat(backend.execs).isEmpty();
    }

    @Test
    void policyCommandPrintsAPresetAsYaml() {
        assertThat(run("policy", "--preset", "strict")).isZero();
        assertThat(out.toString()).startsWith("name: strict\nthreshold: low\n").contains("restricted_modules:");
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/etc/hostname")).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
