package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 4: {@code GET /v1/sessions/{id}/files?dir=} must not list a directory outside the work directory
 * and /tmp through a link the box made. Runs {@link Api#LIST_SCRIPT} with the host's /bin/sh on a directory under
 * the host's /tmp (the "work directory" of the test), so the script itself is checked; FileLinksIT does it in a box.
 */
@Tag("hostile")
class ListScriptHostileTest {
    Path home;

    @BeforeEach
    void dirs() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-list-");
        Files.createDirectory(home.resolve("sub"));
        Files.writeString(home.resolve("sub/a.txt"), "a");
        Files.createSymbolicLink(home.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(home.resolve("inner"), home.resolve("sub"));
    }

    @AfterEach
    void clean() throws IOException {
        try (Stream<Path> walk = Files.walk(home)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    record Out(int exit, String stdout, String stderr) {}

    Out list(String dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", Api.LIST_SCRIPT, "list", dir, home.toString())
                .directory(home.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Out(p.exitValue(), out, err);
    }

    @Test
    void aDirectoryReachedThroughALinkOutsideIsNotListed() throws Exception {
        Out etc = list("root/etc");
        assertThat(etc.exit()).as(etc.toString()).isEqualTo(4);
        assertThat(etc.stderr()).isEqualTo("resolves to /etc\n");
        assertThat(etc.stdout()).isEmpty();
    }

    @Test
    void directoriesInsideAreListedAsBefore() throws Exception {
        Out sub = list("sub");
        assertThat(sub.exit()).as(sub.toString()).isZero();
        assertThat(sub.stdout()).startsWith("f\t1\t").endsWith("\ta.txt\0");
        assertThat(list("inner/").exit()).isZero();
        assertThat(list(".").stdout()).contains("\tsub\0", "\troot\0");
        assertThat(list("inner").exit()).as("a link itself is not a directory here").isEqualTo(3);
        assertThat(list("missing").exit()).isEqualTo(2);
    }
}
