package dev.sandbox4j.tools;

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
 * Issue 15, finding 4: the list_files tool must not list a directory outside the work directory and /tmp through a
 * link the box made. Runs {@link SandboxTools#LIST_SCRIPT} with the host's /bin/sh on a directory under the host's
 * /tmp (the "work directory" of the test); FileLinksToolsIT does it in a box.
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
        Files.createSymbolicLink(home.resolve("etc"), Path.of("/etc"));
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
        Process p = new ProcessBuilder("/bin/sh", "-c", SandboxTools.LIST_SCRIPT, "list", dir, home.toString())
                .directory(home.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Out(p.exitValue(), out, err);
    }

    @Test
    void directoriesReachedThroughALinkOutsideAreNotListed() throws Exception {
        for (String dir : new String[] {"etc", "root/etc", "etc/"}) {
            Out o = list(dir);
            assertThat(o.exit()).as(dir + ": " + o).isEqualTo(4);
            assertThat(o.stderr()).isEqualTo("resolves to /etc\n");
            assertThat(o.stdout()).isEmpty();
        }
    }

    @Test
    void directoriesInsideAreListedAsBefore() throws Exception {
        Out sub = list("sub");
        assertThat(sub.exit()).as(sub.toString()).isZero();
        assertThat(sub.stdout()).isEqualTo("f\t1\ta.txt\0");
        assertThat(list("inner").stdout()).isEqualTo("f\t1\ta.txt\0");
        assertThat(list(".").stdout()).contains("\tsub\0", "\troot\0");
        assertThat(list("sub/a.txt").exit()).isEqualTo(3);
        assertThat(list("missing").exit()).isEqualTo(2);
    }
}
