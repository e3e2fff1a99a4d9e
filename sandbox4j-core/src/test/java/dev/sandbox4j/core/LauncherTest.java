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
        return exec(Launcher.build(tmp.resolve("run").toString(), files, stdin, command));
    }

    private String run(Map<String, byte[]> files, byte[] stdin, List<String> command, String workdir,
            String outputDir) throws Exception {
        return exec(Launcher.build(tmp.resolve("run").toString(), files, stdin, command, workdir, outputDir));
    }

    private String exec(Launcher.Invocation inv) throws Exception {
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

    // ---------------------------------------------------------------- working and output directories

    @Test
    void argvCarriesRunDirCountWorkdirAndOutputDirAfterTheScriptName() {
        Launcher.Invocation inv = Launcher.build("/tmp/.sandbox4j/r1", Map.of("a", new byte[2]), "x".getBytes(),
                List.of("prog", "arg"), "/workspace/src", "/workspace/output");
        assertThat(inv.argv().subList(0, 2)).containsExactly("/bin/sh", "-c");
        assertThat(inv.argv().subList(3, inv.argv().size())).containsExactly("sandbox4j", "/tmp/.sandbox4j/r1", "2",
                "/workspace/src", "/workspace/output", "a", "2", ".stdin", "1", ".stdin", "prog", "arg");
        assertThat(inv.stdin()).hasSize(3);
    }

    @Test
    void fourArgumentBuildIsTheSixArgumentOneWithoutDirectories() {
        Map<String, byte[]> files = Map.of("f", new byte[] {1});
        Launcher.Invocation four = Launcher.build("/r", files, null, List.of("true"));
        Launcher.Invocation six = Launcher.build("/r", files, null, List.of("true"), null, null);
        assertThat(four.argv()).isEqualTo(six.argv());
        assertThat(four.stdin()).isEqualTo(six.stdin());
        assertThat(four.argv().subList(6, 8)).containsExactly("", "");
    }

    @Test
    void programStartsInTheWorkdirAndStillGetsItsFilesAndStdin() throws Exception {
        Path wd = Files.createDirectories(tmp.resolve("work dir"));
        Map<String, byte[]> files = Map.of("data.txt", "payload".getBytes(StandardCharsets.UTF_8));
        String dir = tmp.resolve("run").toString();
        String out = run(files, "from-stdin".getBytes(), List.of("sh", "-c", "pwd -P; cat \"$1\"; echo; cat",
                "x", dir + "/data.txt"), wd.toString(), null);
        assertThat(out).isEqualTo("0:" + wd.toRealPath() + "\npayload\nfrom-stdin");
    }

    @Test
    void withoutAWorkdirTheProgramStartsWhereTheExecStarted() throws Exception {
        String out = run(Map.of(), null, List.of("sh", "-c", "pwd -P"), null, null);
        assertThat(out).isEqualTo("0:" + Path.of("").toRealPath() + "\n");
    }

    @Test
    void missingWorkdirEndsWith126AndSaysSo() throws Exception {
        String missing = tmp.resolve("nope").toString();
        String out = run(Map.of("f", new byte[] {1}), "in".getBytes(), List.of("sh", "-c", "echo ran"), missing,
                null);
        assertThat(out).startsWith("126:").contains("no such directory in the box").contains(missing)
                .doesNotContain("ran");
    }

    @Test
    void workdirThatIsAFileEndsWith126() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        assertThat(run(Map.of(), null, List.of("true"), file.toString(), null))
                .startsWith("126:").contains("no such directory in the box");
    }

    @Test
    void outputDirIsEmptiedBeforeTheProgramRuns() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("ws/output/sub"));
        Files.writeString(out.resolve("old.png"), "stale");
        Files.writeString(out.getParent().resolve(".hidden"), "stale");
        String result = run(Map.of("f", new byte[] {1}), null,
                List.of("sh", "-c", "ls -A \"$1\"; echo end", "x", out.getParent().toString()), null,
                out.getParent().toString());
        assertThat(result).isEqualTo("0:end\n");
        assertThat(out.getParent()).isEmptyDirectory();
    }

    @Test
    void outputDirIsCreatedWithParentsAlsoWithoutFilesOrStdin() throws Exception {
        Path out = tmp.resolve("a/b/output");
        String result = run(Map.of(), null, List.of("sh", "-c", "[ -d \"$1\" ] && echo there", "x", out.toString()),
                null, out.toString());
        assertThat(result).isEqualTo("0:there\n");
    }

    @Test
    void outputDirSymlinkIsReplacedWithoutEmptyingItsTarget() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep.txt"), "precious");
        Path out = tmp.resolve("output");
        Files.createSymbolicLink(out, victim);
        assertThat(run(Map.of(), null, List.of("true"), null, out.toString())).isEqualTo("0:");
        assertThat(victim.resolve("keep.txt")).hasContent("precious");
        assertThat(Files.isSymbolicLink(out)).isFalse();
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void outputDirThatCannotBeCreatedEndsWith126() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThat(run(Map.of(), null, List.of("echo", "ran"), null, file + "/output"))
                .startsWith("126:").contains("cannot create the output directory").doesNotContain("ran");
    }

    @Test
    void outputDirIsPreparedBeforeChangingIntoTheWorkdir() throws Exception {
        // the program may run inside the output directory it captures
        Path out = tmp.resolve("output");
        String result = run(Map.of(), null, List.of("sh", "-c", "pwd -P"), out.toString(), out.toString());
        assertThat(result).isEqualTo("0:" + out.toRealPath() + "\n");
    }
}
