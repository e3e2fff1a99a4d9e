package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Java, R, C++ and Go against the real engine: hello, args/stdin, compile/runtime errors, timeout. */
@Tag("docker")
class MoreLanguagesIT {
    static SandboxClient client;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    @Test
    void runsMultiClassJavaWithArgsAndStdin() {
        try (SandboxSession s = client.openSession("java", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    import java.util.*;
                    class Helper { static int twice(int x) { return 2 * x; } }
                    public class App {
                        public static void main(String[] args) {
                            String line = new Scanner(System.in).nextLine();
                            System.out.println(Helper.twice(21) + " " + Arrays.toString(args) + " " + line);
                        }
                    }
                    """, RunOptions.builder().args(List.of("a", "b c")).stdin("typed\n")
                    .timeout(Duration.ofSeconds(60)).build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("42 [a, b c] typed\n");
            assertThat(r.stderr()).isEmpty();
        }
    }

    @Test
    void reportsJavaCompileAndRuntimeErrors() {
        try (SandboxSession s = client.openSession("java", DockerTestSupport.options().build())) {
            ExecutionResult compile = s.run("class Main { public static void main(String[] a) { int x = \"s\"; } }",
                    RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(compile.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
            assertThat(compile.stderr()).contains("error: incompatible types");
            ExecutionResult runtime = s.run(
                    "class Main { public static void main(String[] a) { throw new IllegalStateException(\"boom\"); } }",
                    RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(runtime.exitCode()).isEqualTo(1);
            assertThat(runtime.stderr()).contains("IllegalStateException: boom");
        }
    }

    @Test
    void javaTimeoutKillsTheJvm() {
        try (SandboxSession s = client.openSession("java", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("class Main { public static void main(String[] a) { while (true) {} } }",
                    RunOptions.timeout(Duration.ofSeconds(4)));
            assertThat(r.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(r.killReason()).isEqualTo("timed out after 4 s");
            // the JVM is gone, not left spinning: no java process survives the kill
            ExecutionResult ps = s.exec("/bin/sh", "-c",
                    "for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done | grep -c '^java$' || true");
            assertThat(ps.stdout().strip()).as("java processes left after the timeout").isEqualTo("0");
        }
    }

    @Test
    void runsRWithStdinErrorsAndTimeout() {
        try (SandboxSession s = client.openSession("r", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("x <- c(1, 2, 3)\ncat('mean', mean(x), '\\n')\ncat(readLines(file('stdin')), sep = '\\n')",
                    RunOptions.builder().stdin("l1\nl2\n").build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("mean 2 \nl1\nl2\n");
            ExecutionResult err = s.run("stop('boom')");
            assertThat(err.exitCode()).isEqualTo(1);
            assertThat(err.stderr()).contains("boom");
            ExecutionResult slow = s.run("repeat {}", RunOptions.timeout(Duration.ofSeconds(2)));
            assertThat(slow.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(s.run("cat(6 * 7)").stdout()).isEqualTo("42");
        }
    }

    @Test
    void compilesAndRunsCppWithErrorsReported() {
        try (SandboxSession s = client.openSession("c++", DockerTestSupport.options().build())) {
            RunOptions opts = RunOptions.builder().args(List.of("x")).stdin("line\n")
                    .timeout(Duration.ofSeconds(60)).build();
            ExecutionResult r = s.run("""
                    #include <iostream>
                    #include <string>
                    int main(int argc, char** argv) {
                        std::string s; std::getline(std::cin, s);
                        std::cout << "cpp " << s << " " << argv[1] << std::endl;
                        return 3;
                    }
                    """, opts);
            assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo("cpp line x\n");
            ExecutionResult compile = s.run("int main() { return undefined_name; }", RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(compile.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
            assertThat(compile.stderr()).contains("error:").contains("undefined_name");
            ExecutionResult crash = s.run("#include <cstdlib>\nint main() { std::abort(); }", RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(crash.exitCode()).isEqualTo(134);
            ExecutionResult loop = s.run("int main() { for (;;) {} }", RunOptions.timeout(Duration.ofSeconds(5)));
            assertThat(loop.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
        }
    }

    @Test
    void buildsAndRunsGoWithErrorsReported() {
        try (SandboxSession s = client.openSession("golang", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    package main

                    import (
                        "bufio"
                        "fmt"
                        "os"
                    )

                    func main() {
                        line, _ := bufio.NewReader(os.Stdin).ReadString('\\n')
                        fmt.Printf("go %s %v\\n", line[:len(line)-1], os.Args[1:])
                    }
                    """, RunOptions.builder().args(List.of("a")).stdin("in\n").timeout(Duration.ofSeconds(90)).build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("go in [a]\n");
            ExecutionResult compile = s.run("package main\nfunc main() { x := 1 }", RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(compile.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
            assertThat(compile.stderr()).contains("declared but not used");
            ExecutionResult panic = s.run("package main\nfunc main() { panic(\"boom\") }", RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(panic.exitCode()).isEqualTo(2);
            assertThat(panic.stderr()).contains("panic: boom");
        }
    }
}
