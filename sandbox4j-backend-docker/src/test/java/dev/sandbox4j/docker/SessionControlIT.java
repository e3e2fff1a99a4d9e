package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.Language;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Listing the box's files and cancelling a run in progress, in a real box. */
@Tag("docker")
class SessionControlIT {
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
    void listsTheWorkDirectoryReportingLinksWithoutFollowingThem() {
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    import os
                    os.makedirs('data/sub')
                    open('data/a.txt', 'w').write('hello')
                    os.symlink('/etc', 'data/etc')
                    """);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            List<FileEntry> entries = s.listFiles("data");
            assertThat(entries).extracting(FileEntry::name).containsExactly("a.txt", "etc", "sub");
            assertThat(entries.get(0).size()).isEqualTo(5);
            assertThat(entries.get(0).path()).isEqualTo("/workspace/data/a.txt");
            assertThat(entries.get(1).type()).isEqualTo(FileEntry.Type.SYMLINK);
            assertThat(entries.get(1).linkTarget()).isEqualTo("/etc");
            assertThat(entries.get(2).type()).isEqualTo(FileEntry.Type.DIRECTORY);
            assertThat(s.listFiles(".")).extracting(FileEntry::name).contains("data");
            assertThatThrownBy(() -> s.listFiles("data/etc")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void cancelsARunAndACellInProgress() throws Exception {
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().build())) {
            assertThat(cancelled(s, "import subprocess, time\nsubprocess.Popen(['sleep', '1000'])\n"
                    + "print('started', flush=True)\ntime.sleep(1000)")).satisfies(r -> {
                        assertThat(r.status()).isEqualTo(ExecutionStatus.KILLED);
                        assertThat(r.killReason()).isEqualTo("cancelled");
                        assertThat(r.stdout()).isEqualTo("started\n");
                    });
            assertThat(s.run(DockerSandboxIT.LIST_PROCESSES).stdout()).as("left behind").isEmpty();
        }
        try (SandboxSession s = client.openSession(Language.PYTHON, DockerTestSupport.options().stateful(true)
                .build())) {
            s.run("x = 41");
            assertThat(cancelled(s, "import time\nprint('started', flush=True)\ntime.sleep(1000)")).satisfies(r -> {
                assertThat(r.status()).isEqualTo(ExecutionStatus.KILLED);
                assertThat(r.killReason()).isEqualTo("cancelled");
                assertThat(r.cell().kernelRestarted()).as("the cell stopped when interrupted").isFalse();
            });
            assertThat(s.run("x + 1").cell().value()).as("the kernel kept its state").containsEntry("text/plain", "42");
        }
    }

    /** Runs {@code code}, cancels it once it printed its first line, and returns its result. */
    private static ExecutionResult cancelled(SandboxSession s, String code) throws Exception {
        CompletableFuture<Void> started = new CompletableFuture<>();
        StringBuffer seen = new StringBuffer();
        CompletableFuture<ExecutionResult> run = CompletableFuture.supplyAsync(() -> s.run(code,
                RunOptions.builder().timeout(Duration.ofMinutes(10)).listener(new OutputListener() {
                    @Override
                    public void onStdout(byte[] chunk) {
                        // print() may write its text and its newline separately: cancel once the line is whole
                        seen.append(new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
                        if (seen.indexOf("\n") >= 0) {
                            started.complete(null);
                        }
                    }
                }).build()));
        started.get(60, TimeUnit.SECONDS);
        s.cancelRun();
        // a deadline only a run that ignores the cancellation reaches (its own timeout is 10 minutes)
        return run.get(60, TimeUnit.SECONDS);
    }
}
