package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.FileEntry;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 * {@link SandboxSession#listFiles}: the fake backend runs the session's real listing script ({@code box/list.sh}) with
 * the host's /bin/sh on a directory under /tmp (a path the session accepts as it is).
 */
class SessionListFilesTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build()).build();
    Path dir;
    SandboxSession session;

    @BeforeEach
    void open() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-list-");
        backend.behaviour = r -> isList(r) ? runOnHost(r) : Behaviour.exit(0, "", "");
        session = client.openSession("python", SessionOptions.defaults());
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static boolean isList(ExecRequest r) {
        return r.argv().size() > 2 && r.argv().get(2).equals(BoxScripts.LIST);
    }

    private static Behaviour runOnHost(ExecRequest r) {
        try {
            Process p = new ProcessBuilder(r.argv()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            return new Behaviour(out, err, p.exitValue(), false, false);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void listsNamesTypesSizesAndLinkTargets() throws IOException {
        Files.writeString(dir.resolve("b.txt"), "hello");
        Files.createDirectory(dir.resolve("a dir"));
        Files.createSymbolicLink(dir.resolve("c-link"), Path.of("b.txt"));
        Files.writeString(dir.resolve("tab\tname"), "");
        List<FileEntry> entries = session.listFiles(dir.toString());
        assertThat(entries).extracting(FileEntry::name).containsExactly("a dir", "b.txt", "c-link", "tab\tname");
        FileEntry file = entries.get(1);
        assertThat(file.type()).isEqualTo(FileEntry.Type.FILE);
        assertThat(file.size()).isEqualTo(5);
        assertThat(file.path()).isEqualTo(dir + "/b.txt");
        assertThat(file.modified()).isNotNull();
        assertThat(entries.get(0).type()).isEqualTo(FileEntry.Type.DIRECTORY);
        assertThat(entries.get(2).type()).isEqualTo(FileEntry.Type.SYMLINK);
        assertThat(entries.get(2).linkTarget()).isEqualTo("b.txt");
    }

    @Test
    @Tag("hostile")
    void aLinkIsReportedNeverFollowedAndADirectoryOutsideIsRefused() throws IOException {
        Files.createSymbolicLink(dir.resolve("etc"), Path.of("/etc"));
        assertThat(session.listFiles(dir.toString())).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileEntry.Type.SYMLINK);
            assertThat(e.linkTarget()).isEqualTo("/etc");
        });
        assertThatThrownBy(() -> session.listFiles(dir.resolve("etc").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> session.listFiles("/etc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void aMissingDirectoryOrAFileIsAClearError() throws IOException {
        Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> session.listFiles(dir.resolve("nope").toString()))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> session.listFiles(dir.resolve("f").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a directory");
    }
}
