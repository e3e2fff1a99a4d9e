package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
    void jsonIsTheResultViewEveryFrontDoorReturns() throws Exception {
        backend.behaviour = r -> Behaviour.exit(0, "42\n", "");
        assertThat(run("run", "--lang", "python", "--json", "-c", "print(42)")).isZero();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.toString());
        List<String> fields = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("language", "image", "status", "exit_code", "stdout", "stderr",
                "duration_ms", "timed_out", "kill_reason", "stdout_truncated", "stderr_truncated", "violations",
                "artifacts", "redactions", "resource_usage", "phases_ms");
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
        assertThat(err.toString()).contains("Missing --lang LANG (needed with -c CODE): one of " + Registries.ids())
                .contains("Try 'sandbox4j run --help'");
        assertThat(run("run", "--lang", "python")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing program");
        assertThat(run("run", "--lang", "python", "--memory", "lots", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("'lots'");
        assertThat(run("run", "--lang", "python", "--timeout", "soon", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Expected a duration such as 500ms, 10s, 2m or 1h but was 'soon'");
        assertThat(run("run", "--lang", "cobol", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Expected language one of " + Registries.ids() + " but was 'cobol'");
        assertThat(run("run", "--lang", "python", "/no/such/file.py")).isEqualTo(2);
        assertThat(err.toString()).contains("File not found: '/no/such/file.py'");
        assertThat(run("run", "--lang", "python", "--pids", "0", "-c", "x")).isEqualTo(2);
        assertThat(run("run", "--lang", "python", "--runtime", "run sc", "-c", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("ociRuntime ('run sc') must be a runtime name such as 'runc' or 'runsc'");
        assertThat(backend.execs).isEmpty();
    }

    @Test
    void compileErrorPrintsTheCompilersMessagesOnStderr(@TempDir Path dir) throws Exception {
        backend.behaviour = r -> r.argv().contains("g++")
                ? Behaviour.exit(1, "", "main.cpp:1:13: error: 'x' was not declared in this scope\n")
                : Behaviour.exit(0, "must not run", "");
        Path bad = dir.resolve("bad.cpp");
        Files.writeString(bad, "int main() { return x; }\n");
        assertThat(run("run", "--lang", "cpp", bad.toString())).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).isEqualTo("""
                sandbox4j: compile_error: the program did not compile (the compiler exited with 1); nothing ran. \
                The compiler said:
                main.cpp:1:13: error: 'x' was not declared in this scope
                """);
        assertThat(backend.execs).hasSize(1);
    }

    @Test
    void compileErrorIsReportedOnceAlsoWhenOutputIsNotStreamed() {
        backend.behaviour = r -> r.argv().contains("javac") ? Behaviour.exit(1, "", "Main.java:1: error: ';' expected\n")
                : Behaviour.exit(0, "", "");
        assertThat(run("run", "--lang", "java", "--sanitize", "-c", "class Main { int x }")).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).containsOnlyOnce("Main.java:1: error: ';' expected")
                .startsWith("sandbox4j: compile_error:");
    }

    @Test
    void installFailurePrintsThePackageManagersLastLines() {
        StringBuilder pip = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            pip.append("pip line ").append(i).append('\n');
        }
        backend.behaviour = r -> r.argv().contains("pip") ? Behaviour.exit(1, "Collecting nope\n", pip.toString())
                : Behaviour.exit(0, "must not run", "");
        assertThat(run("run", "--lang", "python", "--lib", "nope-not-a-package", "-c", "print(1)")).isEqualTo(125);
        assertThat(out.toString()).isEmpty();
        List<String> lines = err.toString().lines().toList();
        assertThat(lines.get(0)).isEqualTo("sandbox4j: install_failed: installing nope-not-a-package failed (exit code "
                + "1); the program did not run. The package manager's last 25 lines:");
        assertThat(lines).hasSize(26).endsWith("pip line 40").contains("pip line 16").doesNotContain("pip line 15");
    }

    @Test
    void everyStatusTheSandboxCausesSaysWhatHappened() {
        backend.behaviour = r -> Behaviour.exit(3, "", "");
        assertThat(run("run", "--lang", "python", "-c", "import sys; sys.exit(3)")).isEqualTo(3);
        assertThat(err.toString()).as("a program's own exit code passes through silently, as with docker run")
                .isEmpty();
        backend.behaviour = r -> Behaviour.oom();
        assertThat(run("run", "--lang", "python", "--memory", "64m", "-c", "x = ' ' * 10**10")).isEqualTo(137);
        assertThat(err.toString()).startsWith("sandbox4j: oom_killed: out of memory (limit 64 MiB)");
        err.getBuffer().setLength(0);
        backend.behaviour = r -> Behaviour.flood(3000);
        assertThat(run("run", "--lang", "python", "--output-limit", "1k", "-c", "while True: print('x')"))
                .isEqualTo(137);
        assertThat(out.toString()).as("the program's output, unterminated").endsWith("x");
        assertThat(err.toString()).as("our line starts on a line of its own").startsWith("\nsandbox4j: output_limit: ");
        err.getBuffer().setLength(0);
        assertThat(run("run", "--lang", "python", "--preset", "permissive", "-c",
                "import subprocess\nsubprocess.run(['rm', '-rf', '/'])")).isEqualTo(125);
        assertThat(err.toString()).contains("high pattern:any.rm-rf-root-argv").contains("sandbox4j: policy: 2:")
                .contains("sandbox4j: blocked_by_policy: blocked by policy 'permissive'").contains("nothing ran");
    }

    @Test
    void infersTheLanguageFromTheFileExtension(@TempDir Path dir) throws Exception {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        for (String name : List.of("hello.py", "app.js", "mod.mjs", "Main.java", "a.cpp", "b.cc", "c.cxx", "main.go",
                "plot.R", "plot.r", "task.rb")) {
            Path f = dir.resolve(name);
            Files.writeString(f, "x");
            assertThat(run("run", f.toString())).as(name + ": " + err).isZero();
        }
        assertThat(backend.boxes).isEmpty();
        assertThat(backend.execs.stream().map(e -> String.join(" ", e.argv())).toList())
                .anySatisfy(a -> assertThat(a).contains("python3"))
                .anySatisfy(a -> assertThat(a).contains("node"))
                .anySatisfy(a -> assertThat(a).contains("javac"))
                .anySatisfy(a -> assertThat(a).contains("g++"))
                .anySatisfy(a -> assertThat(a).contains("go"))
                .anySatisfy(a -> assertThat(a).contains("Rscript"))
                .anySatisfy(a -> assertThat(a).contains("ruby -r").contains("sandbox4j_prelude.rb"));
        Path txt = dir.resolve("notes.txt");
        Files.writeString(txt, "x");
        assertThat(run("run", txt.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Cannot tell the language of '" + txt + "' from its extension (known: "
                + ".c++ .cc .cjs .cpp .cxx .go .java .js .mjs .py .r .rb); give --lang LANG");
        assertThat(run("run", "--lang", "python", txt.toString())).as("--lang wins").isZero();
    }

    @Test
    void refusesAProgramFileThatIsNotUtf8(@TempDir Path dir) throws Exception {
        Path latin1 = dir.resolve("latin1.py");
        // a Latin-1 file with a coding cookie: valid Python, but its bytes are not UTF-8
        Files.write(latin1, "# -*- coding: latin-1 -*-\nprint('caf\u00e9')\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(run("run", latin1.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("sandbox4j: '" + latin1 + "' is not valid UTF-8 (byte 0xE9 at line 2, "
                + "column 11). sandbox4j sends programs to the sandbox as UTF-8 text and does not alter them: it "
                + "declares 'latin-1' in its coding line: convert it to UTF-8 (e.g. iconv -f latin-1 -t UTF-8) and "
                + "change that line to 'coding: utf-8'");
        assertThat(backend.execs).as("nothing ran").isEmpty();
        assertThat(run("check", latin1.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("is not valid UTF-8 (byte 0xE9");
    }

    @Test
    void passesStdinBytesThroughUnchanged(@TempDir Path dir) throws Exception {
        byte[] bytes = {'c', 'a', 'f', (byte) 0xE9, 0, (byte) 0xFF, '\n'};
        Path in = dir.resolve("in.bin");
        Files.write(in, bytes);
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        assertThat(run("run", "--lang", "python", "--stdin", in.toString(), "-c", "import sys")).isZero();
        byte[] sent = backend.execs.get(0).stdin();
        assertThat(java.util.Arrays.copyOfRange(sent, sent.length - bytes.length, sent.length)).isEqualTo(bytes);
    }

    @Test
    void helpListsLanguagesPresetsAndImagesFromTheRegistries() {
        assertThat(run("run", "--help")).isZero();
        String help = out.toString();
        assertThat(Registries.ids()).contains("cpp", "go", "java", "javascript", "python", "r").isSorted();
        assertThat(help.replaceAll("\\s+", " ")).contains("Language: " + String.join(", ", Registries.ids())
                        + ", or an alias")
                .contains("Policy preset: permissive, development, production, strict.")
                .contains("Languages (id, aliases, file extensions):");
        assertThat(help)
                .containsPattern("python +py, python3 +\\.py")
                .containsPattern("cpp +c\\+\\+, cxx, g\\+\\+ +\\.c\\+\\+ \\.cc \\.cpp \\.cxx");
        out.getBuffer().setLength(0);
        assertThat(run("images", "build", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("Languages to build: " + String.join(", ", dev.sandbox4j.docker.DockerImageBuilder.buildableLanguages()));
    }

    @Test
    void serveRefusesBadQueueAndCreationBoundsBeforeTouchingTheEngine() {
        assertThat(run("serve", "--max-concurrent-creations", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("max_concurrent_creations (0) must be between 1 and 1024");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--creation-queue", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("creation_queue (-1) must be between 0 and 100000");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--run-queue", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("run_queue (-1) must be between 0 and 100000 (0: no queue)");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--run-queue-wait", "10m")).isEqualTo(2);
        assertThat(err.toString()).contains("run_queue_wait (PT10M) must be between 0 and 5 minutes");
        out.getBuffer().setLength(0);
        assertThat(run("serve", "--help")).isZero();
        assertThat(out.toString()).contains("--max-concurrent-creations=N", "--creation-queue=N", "--run-queue=N",
                "--run-queue-wait=DURATION");
    }

    @Test
    void imagesBuildRefusesWhatHasNoRecipeBeforeTouchingTheEngine() {
        assertThat(run("images", "build", "cobol")).isEqualTo(2);
        assertThat(err.toString()).contains("Expected language one of "
                + dev.sandbox4j.docker.DockerImageBuilder.buildableLanguages() + " but was 'cobol'");
    }

    @Test
    void mcpHelpListsTheToolsInOneWrappedParagraph() {
        assertThat(run("mcp", "--help")).isZero();
        String help = out.toString();
        assertThat(help.replaceAll("\\s+", " ")).contains("Tools: " + String.join(", ",
                dev.sandbox4j.tools.SandboxTools.toolNames()) + ". The server exits");
        List<String> lines = help.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            String line = lines.get(i);
            String next = lines.get(i + 1);
            if (line.endsWith(",") && !next.isBlank() && !next.startsWith(" ")) {
                assertThat(line.length() + 1 + next.split(" ")[0].length()).as("stray line break after '%s'", line)
                        .isGreaterThan(80);
            }
        }
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
        // every rule written out, the languages' default rules included (they come from the language plug-ins)
        assertThat(out.toString()).contains("id: any.fork-bomb", "id: python.eval", "id: javascript.eval",
                "name: subprocess", "name: child_process").doesNotContain("default_rules");
        dev.sandbox4j.policy.SecurityPolicy printed = dev.sandbox4j.policy.PolicyFiles.parse(out.toString(), false);
        assertThat(printed.patterns().size() + printed.restrictedModules().size())
                .isEqualTo(dev.sandbox4j.Sandbox4j.expand(dev.sandbox4j.policy.SecurityPolicy.strict()).patterns().size()
                        + dev.sandbox4j.Sandbox4j.expand(dev.sandbox4j.policy.SecurityPolicy.strict())
                                .restrictedModules().size());
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/etc/hostname")).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
