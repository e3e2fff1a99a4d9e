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

/** Java and R against the real engine: hello, args/stdin, compile/runtime errors, timeout. */
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
            assertThat(compile.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
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
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(5));
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
}
