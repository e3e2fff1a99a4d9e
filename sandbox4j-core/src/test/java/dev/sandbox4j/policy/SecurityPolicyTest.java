package dev.sandbox4j.policy;

import dev.sandbox4j.Sandbox4j;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default rules end to end (scanner + rules + thresholds), per language: true positives and traps.
 * Each case: language, code, the preset, whether it is allowed, and a rule id that must (or must not) fire.
 */
class SecurityPolicyTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // ---- python: production (threshold MEDIUM)
                Arguments.of("python", "print(sum(range(10)))", "production", true, null),
                Arguments.of("python", "import subprocess\nsubprocess.run(['ls'])", "production", false, "module:python:subprocess"),
                Arguments.of("python", "from subprocess import Popen", "production", false, "module:python:subprocess"),
                Arguments.of("python", "import os\nos.system('ls')", "production", false, "pattern:python.os-system"),
                Arguments.of("python", "from os import system\nsystem('id')", "development", false, "module:python:os.system"),
                Arguments.of("python", "from os import path\nprint(path.sep)", "development", true, null),
                Arguments.of("python", "# import subprocess\nprint(1)", "strict", true, null),
                Arguments.of("python", "s = 'import subprocess'\nprint(s)", "strict", true, null),
                Arguments.of("python", "\"\"\"docstring: os.system('rm')\"\"\"\nprint(1)", "strict", true, null),
                Arguments.of("python", "import oscar\nprint(oscar)", "strict", true, null),
                Arguments.of("python", "import os.path\nprint(os.path.join('a','b'))", "strict", false, "module:python:os"),
                Arguments.of("python", "import os.path\nprint(os.path.join('a','b'))", "production", true, "module:python:os"),
                Arguments.of("python", "eval('1+1')", "production", false, "pattern:python.eval"),
                Arguments.of("python", "import ast\nast.literal_eval('[1]')", "production", true, null),
                Arguments.of("python", "import re\nre.compile('x')", "production", true, null),
                Arguments.of("python", "__import__('subprocess')", "production", false, "module:python:subprocess"),
                Arguments.of("python", "m = 'os'\n__import__(m)", "production", false, "dynamic-import"),
                Arguments.of("python", "import importlib\nimportlib.import_module('socket')", "production", false, "module:python:socket"),
                Arguments.of("python", "import pickle\npickle.loads(b'')", "production", false, "module:python:pickle"),
                Arguments.of("python", "import ctypes", "development", false, "module:python:ctypes"),
                Arguments.of("python", "import requests", "development", true, "module:python:requests"),
                Arguments.of("python", "import requests", "production", false, "module:python:requests"),
                Arguments.of("python", "import numpy as np\nimport pandas as pd\nprint(np.arange(3))", "strict", true, null),
                Arguments.of("python", "open('out.txt', 'w').write('x')", "strict", false, "pattern:python.file-write"),
                Arguments.of("python", "open('in.txt').read()", "strict", true, null),
                Arguments.of("python", "import shutil\nshutil.rmtree('/tmp/x')", "production", false, "pattern:python.delete"),
                Arguments.of("python", "import os\nos.system('rm -rf /')", "permissive", false, "pattern:any.rm-rf-root"),
                Arguments.of("python", "import os\nos.system('ls')", "permissive", true, null),
                Arguments.of("python", "import boto3", "production", false, "module:python:boto3"),
                Arguments.of("python", "import socket\ns = socket.socket()", "production", false, "module:python:socket"),
                Arguments.of("python", "def f():\n    import subprocess\n    return 1", "production", false, "module:python:subprocess"),
                Arguments.of("python", "from importlib import import_module\nimport_module(name)", "production", false, "dynamic-import"),
                // ---- javascript
                Arguments.of("javascript", "console.log([1,2].map(x => x * 2))", "strict", true, null),
                Arguments.of("javascript", "const cp = require('child_process'); cp.execSync('id')", "development", false, "module:javascript:child_process"),
                Arguments.of("javascript", "import { exec } from 'node:child_process'", "development", false, "module:javascript:child_process"),
                Arguments.of("javascript", "// require('child_process')\nconsole.log(1)", "strict", true, null),
                Arguments.of("javascript", "console.log(\"require('child_process')\")", "strict", true, null),
                Arguments.of("javascript", "const m = 'fs'; require(m)", "production", false, "dynamic-import"),
                Arguments.of("javascript", "await import('https')", "production", false, "module:javascript:https"),
                Arguments.of("javascript", "const fs = require('fs/promises')", "strict", false, "module:javascript:fs"),
                Arguments.of("javascript", "const fs = require('fs/promises')", "production", true, "module:javascript:fs"),
                Arguments.of("javascript", "eval('1+1')", "production", false, "pattern:javascript.eval"),
                Arguments.of("javascript", "new Function('return 1')()", "production", false, "pattern:javascript.eval"),
                Arguments.of("javascript", "fetch('https://example.com')", "production", false, "pattern:javascript.fetch"),
                Arguments.of("javascript", "const myfetch = 1; refetch(2)", "production", true, null),
                Arguments.of("javascript", "const fsx = require('fs-extra')", "strict", true, null),
                // ---- java
                Arguments.of("java", "class Main { public static void main(String[] a) { System.out.println(1); } }", "strict", true, null),
                Arguments.of("java", "class M { void f() throws Exception { Runtime.getRuntime().exec(\"id\"); } }", "development", false, "pattern:java.runtime-exec"),
                Arguments.of("java", "import java.lang.reflect.Method;\nclass M {}", "production", false, "module:java:java.lang.reflect"),
                Arguments.of("java", "import java.net.*;\nclass M {}", "production", false, "module:java:java.net"),
                Arguments.of("java", "// Runtime.getRuntime().exec(\"x\")\nclass M {}", "strict", true, null),
                Arguments.of("java", "class M { String s = \"new ProcessBuilder(\\\"id\\\")\"; }", "strict", true, null),
                Arguments.of("java", "import java.util.List;\nclass M {}", "strict", true, null),
                // ---- cpp
                Arguments.of("cpp", "#include <iostream>\nint main(){ std::cout << 1; }", "strict", true, null),
                Arguments.of("cpp", "#include <cstdlib>\nint main(){ system(\"id\"); }", "development", false, "pattern:cpp.system"),
                Arguments.of("cpp", "#include <sys/socket.h>\nint main(){}", "production", false, "module:cpp:sys/socket.h"),
                Arguments.of("cpp", "// system(\"id\")\nint main(){}", "strict", true, null),
                Arguments.of("cpp", "int mysystem(int); int main(){ return mysystem(1); }", "strict", true, null),
                // ---- go
                Arguments.of("go", "package main\nimport \"fmt\"\nfunc main(){ fmt.Println(1) }", "strict", true, null),
                Arguments.of("go", "package main\nimport (\n \"fmt\"\n \"os/exec\"\n)\nfunc main(){ exec.Command(\"id\").Run(); fmt.Println() }", "development", false, "module:go:os/exec"),
                Arguments.of("go", "package main\nimport \"net/http\"\nfunc main(){}", "production", false, "module:go:net"),
                Arguments.of("go", "package main\n// import \"os/exec\"\nfunc main(){}", "strict", true, null),
                // ---- r
                Arguments.of("r", "x <- c(1,2,3)\nprint(mean(x))", "strict", true, null),
                Arguments.of("r", "system('id')", "development", false, "pattern:r.system"),
                Arguments.of("r", "library(httr)\nGET('http://x')", "production", false, "module:r:httr"),
                Arguments.of("r", "httr::GET('http://x')", "production", false, "module:r:httr"),
                Arguments.of("r", "# system('id')\nprint(1)", "strict", true, null),
                Arguments.of("r", "mysystem <- function() 1\nmysystem()", "strict", true, null));
    }

    @ParameterizedTest(name = "[{index}] {0} {2}: {1}")
    @MethodSource("cases")
    void defaultRules(String language, String code, String preset, boolean allowed, String rule) {
        PolicyVerdict v = Sandbox4j.check(language, code, SecurityPolicy.preset(preset));
        assertThat(v.allowed()).as("allowed? violations: %s", v.violations()).isEqualTo(allowed);
        if (rule != null) {
            assertThat(v.violations()).as("violations").extracting(Violation::rule).contains(rule);
        } else if (allowed && preset.equals("strict")) {
            assertThat(v.violations()).as("strict finds nothing in harmless code").isEmpty();
        }
    }

    static Stream<Arguments> rmRfRootArgumentLists() {
        return Stream.of(
                Arguments.of("python", "import subprocess\nsubprocess.run([\"rm\",\"-rf\",\"/\"])"),
                Arguments.of("python", "import subprocess\nsubprocess.run(['rm', '-r', '-f', '/'])"),
                Arguments.of("python", "import subprocess\nsubprocess.call(['/bin/rm', '--recursive', '--force', '--no-preserve-root', '/*'])"),
                Arguments.of("python", "import os\nos.execvp('rm', ['rm', '-rf', '/'])"),
                Arguments.of("javascript", "require('child_process').spawnSync('rm', ['-rf', '/'])"),
                Arguments.of("javascript", "require('child_process').execFileSync(\"rm\", [\"-Rf\", \"/\"])"),
                Arguments.of("java", "class M { void f() throws Exception { new ProcessBuilder(\"rm\", \"-rf\", \"/\").start(); } }"),
                Arguments.of("java", "class M { void f() throws Exception { Runtime.getRuntime().exec(new String[] {\"rm\", \"-rf\", \"/\"}); } }"),
                Arguments.of("java", "class M { void f() throws Exception { new ProcessBuilder(List.of(\"rm\", \"-rf\", \"/\")).start(); } }"),
                Arguments.of("go", "package main\nimport \"os/exec\"\nfunc main() { exec.Command(\"rm\", \"-rf\", \"/\").Run() }"),
                Arguments.of("r", "system2(\"rm\", c(\"-rf\", \"/\"))"),
                Arguments.of("r", "system2(\"rm\", args = c(\"-rf\", \"/\"))"),
                Arguments.of("cpp", "#include <unistd.h>\nint main() { execlp(\"rm\", \"rm\", \"-rf\", \"/\", (char*) 0); }"));
    }

    /** {@code rm -rf /} as an argument list, in each language's usual spelling: blocked even by permissive. */
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("rmRfRootArgumentLists")
    void permissiveBlocksRmRfRootAsAnArgumentList(String language, String code) {
        PolicyVerdict v = Sandbox4j.check(language, code, SecurityPolicy.permissive());
        assertThat(v.allowed()).as("violations: %s", v.violations()).isFalse();
        assertThat(v.blocking()).extracting(Violation::rule).contains("pattern:any.rm-rf-root-argv");
    }

    static Stream<Arguments> harmlessArgumentLists() {
        return Stream.of(
                Arguments.of("python", "import subprocess\nsubprocess.run(['rm', '-rf', '/tmp/build'])"),
                Arguments.of("python", "import subprocess\nsubprocess.run(['rm', '-rf', 'build/'])"),
                Arguments.of("python", "import subprocess\nsubprocess.run(['rm', '-f', 'out.txt', '/'])"),
                Arguments.of("python", "import subprocess\nsubprocess.run(['ls', '-rf', '/'])"),
                Arguments.of("python", "words = ['form', '-rf', '/']\nprint(words)"),
                Arguments.of("python", "print('rm'); print('-rf'); print('/')"),
                Arguments.of("python", "cmd = ['rm', '-i', '/']\nprint(cmd)"),
                Arguments.of("python", "# subprocess.run(['rm', '-rf', '/'])\nprint(1)"),
                Arguments.of("javascript", "const args = ['rm', x, '-rf', '/']; console.log(args)"),
                Arguments.of("java", "class M { String[] a = {\"rm\", \"-rf\", \"./\"}; }"),
                Arguments.of("r", "system2(\"rm\", c(\"-rf\", \"/tmp/x\"))"));
    }

    /** Harmless code that looks a bit like it: allowed by permissive, and the rule does not fire. */
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("harmlessArgumentLists")
    void rmRfRootArgvRuleIgnoresHarmlessCode(String language, String code) {
        PolicyVerdict v = Sandbox4j.check(language, code, SecurityPolicy.permissive());
        assertThat(v.violations()).extracting(Violation::rule).doesNotContain("pattern:any.rm-rf-root-argv",
                "pattern:any.rm-rf-root");
        assertThat(v.allowed()).as("violations: %s", v.violations()).isTrue();
    }

    @Test
    void violationsCarryLineColumnAndSnippet() {
        PolicyVerdict v = Sandbox4j.check("python", "x = 1\n  import subprocess\n", SecurityPolicy.production());
        Violation s = v.blocking().get(0);
        assertThat(s.line()).isEqualTo(2);
        assertThat(s.column()).isEqualTo(3);
        assertThat(s.snippet()).startsWith("import subprocess");
        assertThat(s.severity()).isEqualTo(Severity.HIGH);
        assertThat(v.highestSeverity()).isEqualTo(Severity.HIGH);
    }

    @Test
    void builderTailorsAPreset() {
        SecurityPolicy p = SecurityPolicy.production().toBuilder()
                .name("team")
                .remove("module:python:requests")
                .addRestrictedModule(RestrictedModule.of("python", "numpy", "no numpy here", Severity.HIGH))
                .addPattern(SecurityPattern.of("no-sleep", "\\btime\\.sleep\\(", "sleeps", Severity.MEDIUM))
                .addRule(in -> in.source().code().length() > 50
                        ? List.of(new Violation("too-long", "code over 50 chars", Severity.LOW, 1, 1, "")) : List.of())
                .build();
        assertThat(Sandbox4j.check("python", "import requests", p).allowed()).isTrue();
        assertThat(Sandbox4j.check("python", "import numpy", p).blocking()).extracting(Violation::rule)
                .containsExactly("module:python:numpy");
        assertThat(Sandbox4j.check("python", "import time\ntime.sleep(1)", p).allowed()).isFalse();
        assertThat(Sandbox4j.check("python", "x = 1  # " + "y".repeat(60), p).violations()).extracting(Violation::rule)
                .containsExactly("too-long");
        assertThat(Sandbox4j.check("python", "import requests", SecurityPolicy.production()).allowed()).as("preset unchanged")
                .isFalse();
    }

    @Test
    void customRuleThatThrowsFailsClosed() {
        SecurityPolicy p = SecurityPolicy.builder().addRule(in -> {
            throw new IllegalStateException("bug");
        }).build();
        PolicyVerdict v = Sandbox4j.check("python", "print(1)", p);
        assertThat(v.allowed()).isFalse();
        assertThat(v.violations().get(0).rule()).isEqualTo("rule-error");
    }

    @Test
    void scannerThatThrowsFailsClosed() {
        PolicyVerdict v = SecurityPolicy.permissive().check("x", "print(1)", code -> {
            throw new IllegalStateException("scanner bug");
        });
        assertThat(v.allowed()).isFalse();
        assertThat(v.violations()).extracting(Violation::rule).containsExactly("scan-error");
    }

    @Test
    void scannerReportingAnInternalErrorFailsClosed() {
        PolicyVerdict v = SecurityPolicy.permissive().check("x", "print(1)", code -> new dev.sandbox4j.policy.ScannedSource(
                code, code, code, List.of(new dev.sandbox4j.policy.ImportRef(dev.sandbox4j.policy.ImportRef.DYNAMIC, List.of(),
                        0, 0, dev.sandbox4j.policy.ImportRef.SCAN_ERROR, true))));
        assertThat(v.allowed()).as("even at threshold high, where a dynamic import would pass").isFalse();
        assertThat(v.violations()).extracting(Violation::rule).containsExactly("scan-error");
    }

    @Test
    void presetNamesComeFromTheOnePlacePresetReadsThem() {
        assertThat(SecurityPolicy.presetNames()).containsExactly("permissive", "development", "production", "strict");
        for (String name : SecurityPolicy.presetNames()) {
            assertThat(SecurityPolicy.isPreset(name.toUpperCase(java.util.Locale.ROOT))).as(name).isTrue();
            assertThat(SecurityPolicy.preset(name).name()).isEqualTo(name);
        }
        assertThat(SecurityPolicy.isPreset(" dev ")).isTrue();
        assertThat(SecurityPolicy.preset("prod").name()).isEqualTo("production");
        assertThat(SecurityPolicy.isPreset("paranoid")).isFalse();
    }

    @Test
    void clearErrors() {
        assertThatThrownBy(() -> SecurityPolicy.preset("paranoid"))
                .hasMessage("Expected policy preset one of [permissive, development, production, strict] but was 'paranoid'");
        assertThatThrownBy(() -> SecurityPattern.of("bad", "(unclosed", "x", Severity.LOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad' has an invalid regex '(unclosed'");
        assertThatThrownBy(() -> SecurityPolicy.production().toBuilder().remove("pattern:nope"))
                .hasMessageContaining("No rule 'pattern:nope'");
        assertThatThrownBy(() -> Severity.parse("critical"))
                .hasMessage("Expected severity one of [safe, low, medium, high] but was 'critical'");
    }

    @Test
    void unknownLanguageUsesTheGenericScanner() {
        SecurityPolicy p = SecurityPolicy.builder()
                .addPattern(SecurityPattern.of("perl-system", "\\bsystem\\s*\\(", "system", Severity.HIGH)).build();
        assertThat(Sandbox4j.check("perl", "system('ls')", p).allowed()).isFalse();
        assertThat(Sandbox4j.check("perl", "# system('ls')\nprint 1", p).allowed()).isTrue();
    }

    /** About 1 MB of harmless Python whose comments and strings mention what the strict policy forbids. */
    private static String megabyteOfPython() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 1_000_000) {
            sb.append("import numpy as np\n# a comment with os.system('x')\ns = \"eval(x) in a string\"\n")
                    .append("def f(a, b):\n    return np.sum([a, b]) * 2\n");
        }
        return sb.toString();
    }

    @Test
    void checksOneMegabyteWithoutFalseAlarms() {
        assertThat(Sandbox4j.check("python", megabyteOfPython(), SecurityPolicy.strict()).allowed()).isTrue();
    }

    /** Prints the time of a strict check of 1 MB (a benchmark: the scanners' linearity is tested by counting). */
    @Test
    @Tag("benchmark")
    void printsTheTimeToCheckOneMegabyte() {
        String code = megabyteOfPython();
        SecurityPolicy p = SecurityPolicy.strict();
        for (int i = 0; i < 5; i++) {
            Sandbox4j.check("python", code, p);
        }
        long t0 = System.nanoTime();
        PolicyVerdict v = Sandbox4j.check("python", code, p);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        SecurityPolicy all = Sandbox4j.expand(p);
        System.out.printf("[bench] policy check (strict, %d default rules) of %d KB of python: %d ms%n",
                all.patterns().size() + all.restrictedModules().size(), code.length() / 1024, ms);
        assertThat(v.allowed()).isTrue();
    }
}
