package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Violation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ruby, a language added as one plug-in (handler, scanner, recipe), in the real box: its image
 * ({@code sandbox4j images build ruby}), arguments and stdin, the standard library, errors, timeouts, unbuffered
 * output, files in and out (artifacts too), and its default rules blocking code before any process starts.
 */
@Tag("docker")
class RubyIT {
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
    void runsRubyWithArgsStdinAndTheStandardLibrary() {
        try (SandboxSession s = client.openSession("rb", DockerTestSupport.options().build())) {
            assertThat(s.language()).isEqualTo("ruby");
            ExecutionResult r = s.run("""
                    require 'json'
                    line = $stdin.gets.strip
                    puts JSON.generate({ 'args' => ARGV, 'line' => line, 'sum' => [1, 2, 3].sum })
                    puts RUBY_VERSION
                    """, RunOptions.builder().args(List.of("a", "b c")).stdin("typed\n")
                    .timeout(Duration.ofSeconds(30)).build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).startsWith("{\"args\":[\"a\",\"b c\"],\"line\":\"typed\",\"sum\":6}\n3.");
            assertThat(r.stderr()).isEmpty();
        }
    }

    @Test
    void reportsErrorsAndKillsOnTimeoutKeepingWhatWasPrinted() {
        try (SandboxSession s = client.openSession("ruby", DockerTestSupport.options().build())) {
            ExecutionResult err = s.run("raise ArgumentError, 'boom'", RunOptions.timeout(Duration.ofSeconds(30)));
            assertThat(err.exitCode()).isEqualTo(1);
            assertThat(err.stderr()).contains("boom (ArgumentError)");
            ExecutionResult exit = s.run("warn 'bye'; exit 3", RunOptions.timeout(Duration.ofSeconds(30)));
            assertThat(exit.exitCode()).isEqualTo(3);
            assertThat(exit.stderr()).isEqualTo("bye\n");
            // stdout to a pipe is buffered by Ruby; the handler's prelude makes it sync, so this line is not lost
            ExecutionResult slow = s.run("puts 'started'\nloop { }", RunOptions.timeout(Duration.ofSeconds(3)));
            assertThat(slow.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(slow.stdout()).isEqualTo("started\n");
            ExecutionResult ps = s.exec("/bin/sh", "-c",
                    "for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done | grep -c '^ruby' || true");
            assertThat(ps.stdout().strip()).as("ruby processes left after the timeout").isEqualTo("0");
            assertThat(s.run("puts 6 * 7").stdout()).isEqualTo("42\n");
        }
    }

    @Test
    void readsFilesPutInTheBoxAndWritesFilesAndArtifactsBack() {
        try (SandboxSession s = client.openSession("ruby", DockerTestSupport.options().build())) {
            s.putFile("data/in.csv", "x,y\n1,2\n3,4\n".getBytes(StandardCharsets.UTF_8));
            ExecutionResult r = s.run("""
                    require 'csv'
                    rows = CSV.read('data/in.csv', headers: true)
                    sums = rows.map { |row| row['x'].to_i + row['y'].to_i }
                    File.write('sums.txt', sums.join(','))
                    File.write(File.join(ENV.fetch('SANDBOX4J_OUTPUT_DIR'), 'report.json'), { 'n' => rows.size }.to_s)
                    puts sums.sum
                    """, RunOptions.builder().captureArtifacts(true).timeout(Duration.ofSeconds(30)).build());
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("10\n");
            assertThat(new String(s.getFile("sums.txt"), StandardCharsets.UTF_8)).isEqualTo("3,7");
            assertThat(r.artifacts()).singleElement().satisfies(a -> {
                assertThat(a.name()).isEqualTo("report.json");
                assertThat(new String(a.content(), StandardCharsets.UTF_8)).isEqualTo("{\"n\"=>2}");
            });
        }
    }

    @Test
    void itsDefaultRulesBlockBeforeAnyProcessStarts() {
        try (SandboxSession s = client.openSession("ruby", DockerTestSupport.options()
                .policy(SecurityPolicy.development()).build())) {
            ExecutionResult blocked = s.run("system('touch /workspace/ran')");
            assertThat(blocked.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(blocked.violations()).extracting(Violation::rule).contains("pattern:ruby.system");
            ExecutionResult heredoc = s.run("text = <<~EOS\n  system('touch /workspace/ran')\nEOS\nputs text.size");
            assertThat(heredoc.status()).as("a heredoc is text: %s", heredoc.violations())
                    .isEqualTo(ExecutionStatus.OK);
            ExecutionResult ls = s.exec("ls", "-a", "/workspace");
            assertThat(ls.stdout()).as("the blocked code never ran").doesNotContain("ran");
        }
    }
}
