package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real scrub script ({@code box/scrub.pl}) with the host's perl on directories under a temporary directory,
 * no engine needed. Steps that would touch the host's own processes, message queues or cgroup ({@code procs},
 * {@code mqueue}, {@code oom}) are left to RecycledBoxIT; System V IPC runs in a private IPC namespace
 * ({@code unshare -i}) where the host allows it.
 */
class ScrubScriptTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out) {}

    private static Result scrub(List<String> prefix, String steps, String... roots) throws Exception {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("perl", "-e", BoxScripts.SCRUB, steps));
        argv.addAll(List.of(roots));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // generous bound for a shared, slow machine: the scrub of a few files takes milliseconds
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("scrub finished").isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static Result scrub(String steps, String... roots) throws Exception {
        return scrub(List.of(), steps, roots);
    }

    @Test
    void emptiesEveryRootWithoutFollowingLinksAndRestoresItsMode() throws Exception {
        Path work = Files.createDirectory(tmp.resolve("workspace"));
        Path scratch = Files.createDirectory(tmp.resolve("tmp"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "not the box's");
        Files.writeString(work.resolve(".bashrc"), "export PATH=/evil:$PATH");
        Files.createDirectories(work.resolve(".local/lib/python3.11/site-packages"));
        Files.writeString(work.resolve(".local/lib/python3.11/site-packages/usercustomize.py"), "print('pwned')");
        Path locked = Files.createDirectories(work.resolve("deep/locked"));
        Files.writeString(locked.resolve("x"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.createSymbolicLink(work.resolve("link-out"), outside);
        Files.createSymbolicLink(scratch.resolve("dangling"), tmp.resolve("nowhere"));
        Files.writeString(scratch.resolve(".hidden"), "left for the next run");
        new ProcessBuilder("mkfifo", scratch.resolve("fifo").toString()).start().waitFor(10, TimeUnit.SECONDS);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));

        Result r = scrub("", work + ":0700", scratch.toString());

        assertThat(r.out()).isEqualTo("scrub clean\n");
        assertThat(r.exit()).isZero();
        try (var w = Files.list(work); var s = Files.list(scratch)) {
            assertThat(w.toList()).isEmpty();
            assertThat(s.toList()).isEmpty();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work))).isEqualTo("rwx------");
        assertThat(Files.readString(outside.resolve("keep.txt"))).isEqualTo("not the box's");
    }

    @Test
    void saysDirtyWhenARootIsMissingOrAWritableMountIsNotScrubbed() throws Exception {
        Path work = Files.createDirectory(tmp.resolve("workspace"));
        Result missing = scrub("", work.toString(), tmp.resolve("gone").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out())
                .isEqualTo("left root " + tmp.resolve("gone") + " is not a directory\nscrub dirty 1\n");

        assumeThat(Path.of("/dev/shm")).as("a host with /dev/shm").isDirectory();
        assumeThat(Files.isWritable(Path.of("/dev/shm"))).isTrue();
        Result unscrubbed = scrub("mounts", work.toString());
        assertThat(unscrubbed.exit()).isEqualTo(1);
        assertThat(unscrubbed.out()).contains("left mount /dev/shm (tmpfs) is writable and not scrubbed\n")
                .doesNotContain("left mount /proc").doesNotContain("left mount /sys/");
    }

    @Test
    void removesSystemVSharedMemoryMessageQueuesAndSemaphores() throws Exception {
        assumeThat(unshareIpc()).as("unshare -i works here (a private IPC namespace for this test)").isTrue();
        Path work = Files.createDirectory(tmp.resolve("workspace"));
        // in one private IPC namespace: make one object of each kind (IPC_PRIVATE, 0600 | IPC_CREAT), then scrub
        String make = "shmget(0, 4096, 01600) // die qq(shm $!); msgget(0, 01600) // die qq(msg $!);"
                + " semget(0, 1, 01600) // die qq(sem $!);"
                + " system(qw(cat /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem));";
        String script = "perl -e '" + make + "' && exec \"$@\"";
        Result r = scrub(List.of("unshare", "-i", "sh", "-c", script, "sh"), "ipc", work.toString());
        String[] lines = r.out().split("\n");
        // the three tables each with a header and one object, printed before the scrub ran
        assertThat(r.out()).contains("shmid").contains("msqid").contains("semid");
        assertThat(lines).hasSize(7);
        assertThat(lines[6]).isEqualTo("scrub clean");
        assertThat(r.exit()).isZero();
    }

    @Test
    void reportsSystemVObjectsItCannotRemove() throws Exception {
        assumeThat(unshareIpc()).as("unshare -i works here").isTrue();
        Path work = Files.createDirectory(tmp.resolve("workspace"));
        // /proc/sysvipc hidden under an empty tmpfs (private mount namespace): the scrub cannot see the objects, so
        // it must not call the box clean
        Result r = scrub(List.of("unshare", "-i", "--mount", "sh", "-c",
                "mount -t tmpfs none /proc/sysvipc 2>/dev/null || exit 77; exec \"$@\"", "sh"), "ipc", work.toString());
        assumeThat(r.exit()).as("could mask /proc/sysvipc").isNotEqualTo(77);
        assertThat(r.out()).contains("left ipc cannot read /proc/sysvipc/shm").endsWith("scrub dirty 3\n");
        assertThat(r.exit()).isEqualTo(1);
    }

    private static boolean unshareIpc() {
        try {
            Process p = new ProcessBuilder("unshare", "-i", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
