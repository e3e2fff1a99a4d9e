package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.CopyResult;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** copyToRuntime / copyFromRuntime against the real engine: round trips, streaming, traversal and symlink escapes. */
@Tag("docker")
class FilesIT {
    static SandboxClient client;
    static SandboxSession session;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
        session = client.openSession("python", DockerTestSupport.options().build());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    @Test
    void directoryRoundTripKeepsEveryByteAndTheExecutableBit(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("nested/deeper"));
        Files.createDirectories(src.resolve("empty"));
        Files.writeString(src.resolve("a.txt"), "hello\n");
        Files.writeString(src.resolve("nested/ünïcode näme.csv"), "x,y\n1,2\n");
        Files.write(src.resolve("nested/deeper/empty.bin"), new byte[0]);
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("nested/deeper/big.bin"), big);
        Path script = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(src.resolve("x".repeat(120) + ".txt"), "long name");

        session.copyToRuntime(src, "data");
        ExecutionResult ls = session.run("""
                import os, hashlib
                for root, dirs, files in sorted(os.walk('data')):
                    for f in sorted(files):
                        p = os.path.join(root, f)
                        print(p, os.path.getsize(p), hashlib.sha256(open(p, 'rb').read()).hexdigest()[:12])
                print('exec', bool(os.stat('data/run.sh').st_mode & 0o100), 'empty dir', os.path.isdir('data/empty'))
                """);
        assertThat(ls.status()).as(ls.stderr()).isEqualTo(ExecutionStatus.OK);
        assertThat(ls.stdout()).contains("data/nested/deeper/big.bin " + big.length + " " + sha(big).substring(0, 12))
                .contains("data/nested/ünïcode näme.csv 8").contains("exec True empty dir True")
                .contains("x".repeat(120) + ".txt 9");

        Path back = tmp.resolve("back");
        CopyResult c = session.copyFromRuntime("data", back);
        assertThat(c.skipped()).isEmpty();
        assertThat(c.files()).isEqualTo(6);
        assertThat(tree(back)).isEqualTo(tree(src));
        assertThat(Files.isExecutable(back.resolve("run.sh"))).isTrue();
        assertThat(Files.isDirectory(back.resolve("empty"))).isTrue();
    }

    @Test
    void singleFilesGoToTheNamedPathOrIntoAnExistingDirectory(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("in.txt"), "one file\n");
        session.copyToRuntime(f, "/tmp/sub/dir/renamed.txt");
        assertThat(new String(session.getFile("/tmp/sub/dir/renamed.txt"))).isEqualTo("one file\n");
        Path out = tmp.resolve("out.txt");
        CopyResult c = session.copyFromRuntime("/tmp/sub/dir/renamed.txt", out);
        assertThat(c.files()).isEqualTo(1);
        assertThat(Files.readString(out)).isEqualTo("one file\n");
        Path dir = Files.createDirectories(tmp.resolve("into"));
        session.copyFromRuntime("/tmp/sub/dir/renamed.txt", dir);
        assertThat(Files.readString(dir.resolve("renamed.txt"))).isEqualTo("one file\n");
    }

    @Test
    void streamsLargeFilesBothWays(@TempDir Path tmp) throws Exception {
        Path big = tmp.resolve("big.bin");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 20];
        Random r = new Random(1);
        try (var out = Files.newOutputStream(big)) {
            for (int i = 0; i < 40; i++) {
                r.nextBytes(block);
                md.update(block);
                out.write(block);
            }
        }
        String want = HexFormat.of().formatHex(md.digest());
        long t0 = System.nanoTime();
        session.copyToRuntime(big, "big.bin");
        long in = System.nanoTime() - t0;
        ExecutionResult h = session.run("import hashlib;print(hashlib.sha256(open('big.bin','rb').read()).hexdigest())");
        assertThat(h.stdout().strip()).isEqualTo(want);
        t0 = System.nanoTime();
        session.copyFromRuntime("big.bin", tmp.resolve("back.bin"));
        long out = System.nanoTime() - t0;
        assertThat(sha(tmp.resolve("back.bin"))).isEqualTo(want);
        System.out.printf("[bench] copy 40 MiB into the box %d ms, out of it %d ms%n", in / 1_000_000, out / 1_000_000);
        session.exec("rm", "-f", "big.bin");
    }

    @Test
    void refusesTraversalAndPathsOutsideTheWritableDirectories(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("f.txt"), "x");
        assertThatThrownBy(() -> session.copyToRuntime(f, "../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("..");
        assertThatThrownBy(() -> session.copyToRuntime(f, "/etc/evil"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> session.copyFromRuntime("/etc/passwd", tmp.resolve("p")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> session.copyFromRuntime("data/../../etc", tmp.resolve("p")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tmp.resolve("p")).doesNotExist();
    }

    @Test
    void symlinksPlantedInTheBoxNeverLeadOutOfIt(@TempDir Path tmp) throws Exception {
        ExecutionResult plant = session.run("""
                import os
                os.makedirs('trap/inner', exist_ok=True)
                open('trap/inner/ok.txt', 'w').write('fine')
                for name, target in [('trap/etc', '/etc'), ('trap/passwd', '/etc/passwd'), ('etclink', '/etc'),
                                     ('trap/escape', '../../../../../../tmp/host-owned')]:
                    if not os.path.islink(name):
                        os.symlink(target, name)
                """);
        assertThat(plant.status()).as(plant.stderr()).isEqualTo(ExecutionStatus.OK);
        // the link itself, and a path through it, are refused
        assertThatThrownBy(() -> session.copyFromRuntime("etclink", tmp.resolve("a")))
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> session.copyFromRuntime("etclink/passwd", tmp.resolve("b")))
                .hasMessageContaining("outside");
        // a directory holding links: the links are reported, not followed, not recreated
        Path out = tmp.resolve("out");
        CopyResult c = session.copyFromRuntime("trap", out);
        assertThat(c.files()).isEqualTo(1);
        assertThat(c.skipped()).hasSize(3).allMatch(s -> s.contains("symlink"));
        assertThat(Files.readString(out.resolve("inner/ok.txt"))).isEqualTo("fine");
        try (Stream<Path> all = Files.walk(out)) {
            assertThat(all.filter(Files::isSymbolicLink)).isEmpty();
        }
        assertThat(out.resolve("passwd")).doesNotExist();
        // copying into the box through a planted link is refused too
        Path f = Files.writeString(tmp.resolve("f.txt"), "x");
        assertThatThrownBy(() -> session.copyToRuntime(f, "etclink/evil"))
                .hasMessageContaining("outside");
    }

    @Test
    void hostSymlinksThatEscapeTheCopiedDirectoryAreRefusedBeforeAnythingLeaks(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "TOP-SECRET");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Files.createSymbolicLink(src.resolve("inside-link"), Path.of("a.txt"));
        Files.createSymbolicLink(src.resolve("zz-leak"), secret);
        assertThatThrownBy(() -> session.copyToRuntime(src, "leaky"))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("zz-leak").hasMessageContaining("outside");
        ExecutionResult grep = session.exec("/bin/sh", "-c", "grep -r TOP-SECRET /workspace /tmp 2>/dev/null; true");
        assertThat(grep.stdout()).doesNotContain("TOP-SECRET");
        // a link inside the tree is copied as a link
        Files.delete(src.resolve("zz-leak"));
        session.copyToRuntime(src, "fine");
        assertThat(session.exec("readlink", "fine/inside-link").stdout().strip()).isEqualTo("a.txt");
    }

    @Test
    void missingPathsAreClearErrors(@TempDir Path tmp) {
        assertThatThrownBy(() -> session.copyToRuntime(tmp.resolve("nope"), "x"))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> session.copyFromRuntime("no/such/thing", tmp.resolve("y")))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("no/such/thing");
        assertThat(tmp.resolve("y")).doesNotExist();
        assertThat(session.isOpen()).isTrue();
    }

    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                out.put(rel, Files.isDirectory(p) ? "dir" : sha(p));
            }
        }
        return out;
    }

    private static String sha(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
