package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real launcher script with the host's /bin/sh (it is plain POSIX sh + head), no engine needed. */
class LauncherTest {
    @TempDir
    Path tmp;

    private String run(Map<String, byte[]> files, byte[] stdin, List<String> command) throws Exception {
        String runDir = tmp.resolve("run").toString();
        Launcher.Invocation inv = Launcher.build(runDir, files, stdin, command);
        // the script clears /tmp/.sandbox4j first; point it somewhere harmless for this host test
        List<String> argv = new java.util.ArrayList<>(inv.argv());
        argv.set(2, argv.get(2).replace("/tmp/.sandbox4j/*", tmp.resolve("nothing") + "/*"));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().write(inv.stdin());
        p.getOutputStream().flush(); // deliberately NOT closed: the script must not need EOF
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("launcher finished without EOF on stdin").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.getOutputStream().close();
        return p.exitValue() + ":" + out;
    }

    @Test
    void writesFilesExactlyAndRunsCommandWithoutNeedingEof() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a.txt", "first\nfile".getBytes(StandardCharsets.UTF_8));
        files.put("sub/dir/b.bin", new byte[] {0, 1, 2, 10, 13, (byte) 255});
        files.put("empty", new byte[0]);
        String dir = tmp.resolve("run").toString();
        String out = run(files, null, List.of("sh", "-c", "cat \"$1\"; echo; od -An -tu1 \"$2\"; wc -c < \"$3\"",
                "x", dir + "/a.txt", dir + "/sub/dir/b.bin", dir + "/empty"));
        assertThat(out).startsWith("0:first\nfile\n").contains("0   1   2  10  13 255").endsWith("0\n");
    }

    @Test
    void givesProgramItsStdinOrDevNull() throws Exception {
        assertThat(run(Map.of(), "hello stdin".getBytes(), List.of("cat"))).isEqualTo("0:hello stdin");
        assertThat(run(Map.of(), null, List.of("cat"))).isEqualTo("0:");
    }

    @Test
    void passesArgumentsVerbatimAndExitCodeThrough() throws Exception {
        assertThat(run(Map.of(), null, List.of("sh", "-c", "printf '%s|' \"$@\"; exit 7", "x", "a b", "$HOME", "'q'")))
                .isEqualTo("7:a b|$HOME|'q'|");
    }

    @Test
    void missingCommandIs127() throws Exception {
        assertThat(run(Map.of(), null, List.of("no-such-command-xyz"))).startsWith("127:");
    }

    @Test
    void largeFilesSurvive() throws Exception {
        byte[] big = new byte[3_000_000];
        new java.util.Random(1).nextBytes(big);
        String dir = tmp.resolve("run").toString();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("big", big);
        files.put("after", "tail".getBytes());
        assertThat(run(files, null, List.of("cat", dir + "/after"))).isEqualTo("0:tail");
        assertThat(Files.readAllBytes(Path.of(dir, "big"))).isEqualTo(big);
    }


    @Test
    void describesLongNonAsciiCommandsWithoutFailing() {
        assertThat(Launcher.describe(List.of("echo", "é".repeat(150)))).hasSize(155);
        assertThat(Launcher.describe(List.of("echo", "x".repeat(300)))).hasSize(201).endsWith("…");
    }
}
