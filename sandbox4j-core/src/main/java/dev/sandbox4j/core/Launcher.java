package dev.sandbox4j.core;

import dev.sandbox4j.text.Texts;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the single exec that runs a program: a POSIX {@code sh} script reads the program's files from standard input
 * (each exactly {@code size} bytes with {@code head -c}, because the stream may never reach end-of-file), then replaces
 * itself with the program, whose standard input is the caller's stdin file or {@code /dev/null}.
 */
final class Launcher {
    /** Every run writes under here; other runs' files are removed first (a compiled run's own directory is kept). */
    static final String RUNS_DIR = "/tmp/.sandbox4j";


    private Launcher() {}

    /** The exec's argv and the bytes to feed its standard input. */
    record Invocation(List<String> argv, byte[] stdin) {}

    static Invocation build(String runDir, Map<String, byte[]> files, byte @org.jspecify.annotations.Nullable [] stdin,
            List<String> command) {
        return build(runDir, files, stdin, command, null, null);
    }

    /**
     * @param workdir directory the program starts in (must exist), or {@code null} for the exec's own
     * @param outputDir directory emptied (created) before the program starts, or {@code null}
     */
    static Invocation build(String runDir, Map<String, byte[]> files, byte @org.jspecify.annotations.Nullable [] stdin,
            List<String> command, @org.jspecify.annotations.Nullable String workdir,
            @org.jspecify.annotations.Nullable String outputDir) {
        List<String> argv = new ArrayList<>();
        argv.add("/bin/sh");
        argv.add("-c");
        argv.add(BoxScripts.LAUNCHER);
        argv.add("sandbox4j");
        argv.add(runDir);
        int n = files.size() + (stdin != null ? 1 : 0);
        argv.add(Integer.toString(n));
        argv.add(workdir == null ? "" : workdir);
        argv.add(outputDir == null ? "" : outputDir);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            argv.add(f.getKey());
            argv.add(Integer.toString(f.getValue().length));
            payload.writeBytes(f.getValue());
        }
        if (stdin != null) {
            argv.add(".stdin");
            argv.add(Integer.toString(stdin.length));
            payload.writeBytes(stdin);
            argv.add(".stdin");
        } else {
            argv.add("-");
        }
        argv.addAll(command);
        return new Invocation(argv, payload.toByteArray());
    }

    /**
     * A launcher for a long-lived program (a kernel) that keeps the exec's standard input: after the files, the rest
     * of the stream is the program's.
     */
    static Invocation buildKeepingStdin(String runDir, Map<String, byte[]> files, List<String> command) {
        Invocation inv = build(runDir, files, null, command, null, null);
        List<String> argv = new ArrayList<>(inv.argv());
        int marker = 8 + 2 * files.size(); // sh -c SCRIPT name d n w o, a name and a size per file, then the marker
        argv.set(marker, "=");
        return new Invocation(argv, inv.stdin());
    }

    static String describe(List<String> command) {
        return Texts.sanitize(String.join(" ", command), 200);
    }
}
