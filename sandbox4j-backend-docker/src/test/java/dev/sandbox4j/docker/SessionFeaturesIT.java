package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.sandbox4j.Command;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command sequences, streaming, compile timeouts, attaching to containers, custom and committed images. */
@Tag("docker")
class SessionFeaturesIT {
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
    void commandSequencesRunInTheirOwnDirectoriesAndStopAtTheFirstFailure() {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            List<ExecutionResult> rs = s.execSequence(List.of(
                    Command.of("mkdir", "-p", "proj/src"),
                    Command.shell("echo 'print(6 * 7)' > main.py && pwd", "proj/src"),
                    new Command(List.of("python3", "main.py"), "/workspace/proj/src"),
                    Command.shell("exit 3", null),
                    Command.of("echo", "never")), RunOptions.defaults());
            assertThat(rs).hasSize(4);
            assertThat(rs.get(1).stdout()).isEqualTo("/workspace/proj/src\n");
            assertThat(rs.get(2).stdout()).isEqualTo("42\n");
            assertThat(rs.get(3).status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
            assertThat(rs.get(3).exitCode()).isEqualTo(3);
            ExecutionResult missing = s.exec(List.of("pwd"), RunOptions.builder().workdir("no/such/dir").build());
            assertThat(missing.exitCode()).isEqualTo(126);
            assertThat(missing.stderr()).contains("no such directory in the box: /workspace/no/such/dir");
            ExecutionResult run = s.run("import os; print(os.getcwd())", RunOptions.builder().workdir("proj").build());
            assertThat(run.stdout()).isEqualTo("/workspace/proj\n");
        }
    }

    /**
     * Output reaches the listener while the program still runs. Shown by causality, not timing: the program prints,
     * then waits until the test, having received that output, signals it through a file; so the program cannot have
     * ended when the first chunk arrived.
     */
    @Test
    void outputIsStreamedWhileTheProgramRuns() throws Exception {
        String go = "s4j-stream-" + DockerTestSupport.RUN_ID.substring(0, 8);
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            List<String> chunks = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch firstStdout = new CountDownLatch(1);
            CompletableFuture<ExecutionResult> run = CompletableFuture.supplyAsync(() -> s.run("""
                    import os, sys, time
                    print('first', flush=True); sys.stderr.write('warn\\n'); sys.stderr.flush()
                    for _ in range(1200):  # the test signals as soon as it has seen 'first'; gives up after 2 minutes
                        if os.path.exists('/tmp/%s'):
                            break
                        time.sleep(0.1)
                    else:
                        sys.exit(3)
                    print('second')
                    """.formatted(go), RunOptions.builder().timeout(Duration.ofMinutes(3)).listener(new OutputListener() {
                        @Override
                        public void onStdout(byte[] chunk) {
                            chunks.add("out:" + new String(chunk, StandardCharsets.UTF_8));
                            firstStdout.countDown();
                        }

                        @Override
                        public void onStderr(byte[] chunk) {
                            chunks.add("err:" + new String(chunk, StandardCharsets.UTF_8));
                        }
                    }).build()));
            // generous: the first line arrives in well under a second; the bound only turns a hang into a failure
            assertThat(firstStdout.await(2, TimeUnit.MINUTES)).as("first output chunk").isTrue();
            assertThat(run).as("the program still runs when its first output arrives").isNotDone();
            DockerTestSupport.signalBoxes(go);
            ExecutionResult r = run.get(3, TimeUnit.MINUTES);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("first\nsecond\n");
            // stdout and stderr are separate streams: their relative order is not defined, only each one's own
            String out = List.copyOf(chunks).stream().filter(c -> c.startsWith("out:")).map(c -> c.substring(4))
                    .reduce("", String::concat);
            String err = List.copyOf(chunks).stream().filter(c -> c.startsWith("err:")).map(c -> c.substring(4))
                    .reduce("", String::concat);
            assertThat(out).isEqualTo("first\nsecond\n");
            assertThat(err).isEqualTo("warn\n");
        }
    }

    @Test
    void compileTimeoutIsSeparateFromTheRunTimeout() {
        try (SandboxSession s = client.openSession("cpp", DockerTestSupport.options().build())) {
            String code = "#include <cstdio>\nint main(){ std::puts(\"built\"); }\n";
            ExecutionResult tooShort = s.run(code, RunOptions.builder().compileTimeout(Duration.ofMillis(50))
                    .timeout(Duration.ofSeconds(30)).build());
            assertThat(tooShort.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
            assertThat(tooShort.killReason()).startsWith("compilation timed out");
            // a short run timeout does not limit the compile step
            ExecutionResult ok = s.run(code, RunOptions.builder().compileTimeout(Duration.ofSeconds(120))
                    .timeout(Duration.ofMillis(1500)).build());
            assertThat(ok.status()).as(ok.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(ok.stdout()).isEqualTo("built\n");
        }
    }

    @Test
    void attachesToAnExistingContainerAndLeavesItRunningOnClose() throws IOException {
        String image = client.imageFor("python");
        try (DockerClient dc = DockerTestSupport.docker()) {
            String id = dc.createContainerCmd(image)
                    .withEntrypoint("sleep").withCmd("infinity")
                    .withLabels(Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none").withCapDrop(Capability.ALL)
                            .withTmpFs(Map.of("/workspace", "rw,mode=1777,size=64m")))
                    .exec().getId();
            try {
                dc.startContainerCmd(id).exec();
                SandboxSession s = client.attachSession(id, "python", SessionOptions.defaults(), false);
                try (s) {
                    ExecutionResult r = s.run("import os; print(os.getuid(), os.getcwd())");
                    assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
                    assertThat(r.stdout()).isEqualTo("65534 /workspace\n");
                    s.putFile("kept.txt", "still here".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(s.isOpen()).isFalse();
                assertThat(dc.inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
                try (SandboxSession again = client.attachSession(id, "python", SessionOptions.defaults(), true)) {
                    assertThat(new String(again.getFile("kept.txt"), StandardCharsets.UTF_8)).isEqualTo("still here");
                }
                assertThat(dc.listContainersCmd().withShowAll(true).withIdFilter(List.of(id)).exec()).isEmpty();
            } finally {
                try {
                    dc.removeContainerCmd(id).withForce(true).exec();
                } catch (RuntimeException ignored) {
                    // removed by the session
                }
            }
        }
        assertThatThrownBy(() -> client.attachSession("no-such-container-sandbox4j", "python",
                SessionOptions.defaults(), false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no container");
    }

    @Test
    void buildsACustomImageFromADockerfileAndRemovesIt(@TempDir Path ctx) throws IOException {
        String tag = "sandbox4j-test/custom:" + DockerTestSupport.RUN_ID.substring(0, 8);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + client.imageFor("python") + "\n"
                + "COPY greeting.txt /opt/greeting.txt\n");
        Files.writeString(ctx.resolve("greeting.txt"), "hello from a custom image\n");
        List<String> progress = new ArrayList<>();
        String id = client.buildImage(ctx, null, tag, progress::add);
        try {
            assertThat(id).isNotBlank();
            assertThat(progress).isNotEmpty();
            SessionOptions o = DockerTestSupport.options().build();
            o = o.toBuilder().runtime(o.runtime().toBuilder().image(tag).build()).build();
            try (SandboxSession s = client.openSession("python", o)) {
                assertThat(s.image()).isEqualTo(tag);
                assertThat(s.run("print(open('/opt/greeting.txt').read(), end='')").stdout())
                        .isEqualTo("hello from a custom image\n");
            }
        } finally {
            client.removeImage(tag);
        }
        try (DockerClient dc = DockerTestSupport.docker()) {
            assertThatThrownBy(() -> dc.inspectImageCmd(tag).exec())
                    .isInstanceOf(com.github.dockerjava.api.exception.NotFoundException.class);
        }
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + client.imageFor("python") + "\nRUN exit 7\n");
        assertThatThrownBy(() -> client.buildImage(ctx, null, tag, line -> { }))
                .hasMessageContaining("building image " + tag + " failed");
    }

    @Test
    void committedSessionsCarryTheirWorkDirectoryIntoNewSessions() {
        String tag = "sandbox4j-test/committed:" + DockerTestSupport.RUN_ID.substring(0, 8);
        try {
            try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
                s.run("import os; os.makedirs('lib', exist_ok=True); open('lib/helper.py','w').write('X = 41\\n')");
                String id = s.commit(tag);
                assertThat(id).isNotBlank();
                assertThat(s.run("print('still usable')").stdout()).isEqualTo("still usable\n");
            }
            SessionOptions o = DockerTestSupport.options().build();
            o = o.toBuilder().runtime(o.runtime().toBuilder().image(tag).build()).build();
            try (SandboxSession s = client.openSession("python", o)) {
                ExecutionResult r = s.run("import sys; sys.path.insert(0, 'lib'); import helper; print(helper.X + 1)");
                assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
                assertThat(r.stdout()).isEqualTo("42\n");
            }
        } finally {
            client.removeImage(tag);
        }
    }
}
