package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 4: a program plants symbolic links in its box, and the session's file reads and writes must not
 * follow them out of the work directory and /tmp. The fake backend runs the session's real read and write scripts with
 * the host's /bin/sh, on files under the host's /tmp (a path a session accepts as it is); "outside" is a directory
 * under the module's target/ (neither /tmp nor /workspace). The box's own version: FileLinksIT.
 */
@Tag("hostile")
class SessionFileLinksHostileTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build()).build();
    Path dir;
    Path outside;
    SandboxSession session;

    @BeforeEach
    void open() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-links-");
        Files.createDirectories(Path.of("target"));
        outside = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "outside-");
        Files.writeString(outside.resolve("secret.txt"), "host secret");
        backend.behaviour = r -> isFileScript(r) ? runOnHost(r) : Behaviour.exit(0, "", "");
        session = client.openSession("python", SessionOptions.defaults());
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        for (Path root : List.of(dir, outside)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static boolean isFileScript(ExecRequest r) {
        return r.argv().size() > 2 && (r.argv().get(2).equals(BoxScripts.READ)
                || r.argv().get(2).equals(BoxScripts.WRITE));
    }

    private static Behaviour runOnHost(ExecRequest r) {
        try {
            Process p = new ProcessBuilder(r.argv()).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(r.stdin());
            }
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            return new Behaviour(out, err, p.exitValue(), false, false);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String link(String name, Path target) throws IOException {
        return Files.createSymbolicLink(dir.resolve(name), target).toString();
    }

    @Test
    void aReadThroughALinkToAFileOutsideIsRefused() throws IOException {
        for (Path target : List.of(outside.resolve("secret.txt"), Path.of("/etc/passwd"),
                Path.of("/proc/self/environ"), Path.of("/proc/1/mountinfo"))) {
            String l = link("l" + Math.abs(target.hashCode()), target);
            assertThatThrownBy(() -> session.getFile(l, DataSize.ofKilobytes(64))).as(target.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("resolves (through a symbolic link in the box) to '")
                    .hasMessageContaining("outside the box's writable directories (/workspace, /tmp)");
        }
    }

    @Test
    void aReadThroughADirectoryLinkOutsideIsRefused() throws IOException {
        String l = link("etc", Path.of("/etc"));
        assertThatThrownBy(() -> session.getFile(l + "/passwd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to '/etc/passwd'");
        String o = link("out", outside);
        assertThatThrownBy(() -> session.getFile(o + "/secret.txt")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to '" + outside.resolve("secret.txt") + "'");
    }

    @Test
    void linksThatStayInsideStillWork() throws IOException {
        Files.writeString(dir.resolve("real.txt"), "inside");
        String l = link("alias.txt", dir.resolve("real.txt"));
        assertThat(new String(session.getFile(l), StandardCharsets.UTF_8)).isEqualTo("inside");
        session.putFile(l, "rewritten".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(dir.resolve("real.txt"))).isEqualTo("rewritten");
        assertThat(Files.isSymbolicLink(dir.resolve("alias.txt"))).isTrue();
        Files.createDirectory(dir.resolve("sub"));
        String d = link("subalias", dir.resolve("sub"));
        session.putFile(d + "/new/file.txt", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(dir.resolve("sub/new/file.txt"))).isEqualTo("x");
        session.putFile(dir.resolve("plain/deep.txt").toString(), "y".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(dir.resolve("plain/deep.txt"))).isEqualTo("y");
    }

    @Test
    void aWriteThroughALinkOutsideIsRefusedAndChangesNothing() throws IOException {
        String l = link("out.txt", outside.resolve("secret.txt"));
        assertThatThrownBy(() -> session.putFile(l, "pwned".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the box's writable");
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo("host secret");
        // a dangling link would create the file outside
        String dangling = link("new.txt", outside.resolve("created.txt"));
        assertThatThrownBy(() -> session.putFile(dangling, "pwned".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(outside.resolve("created.txt")).doesNotExist();
    }

    @Test
    void aWriteIntoADirectoryLinkOutsideIsRefusedBeforeAnythingIsCreated() throws IOException {
        String d = link("outdir", outside);
        assertThatThrownBy(() -> session.putFile(d + "/a/b/c.txt", "pwned".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to '" + outside + "'");
        assertThatThrownBy(() -> session.putFile(d + "/c.txt", "pwned".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        try (Stream<Path> left = Files.list(outside)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
        }
    }
}
