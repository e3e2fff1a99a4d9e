package dev.sandbox4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The programs the engine runs in a box, kept as resources beside this class ({@code box/*.sh}, {@code box/runner.pl})
 * rather than as text in Java, so that each can be read, linted and tested on the host as what it is. Each is loaded
 * once; the shell scripts are run with {@code /bin/sh -c SCRIPT NAME ARGS...}.
 */
final class BoxScripts {
    /** The resident runner (perl-base only): {@link Runner}. */
    static final String RUNNER = load("runner.pl");
    /** Starts one program after writing its files: {@link Launcher}. */
    static final String LAUNCHER = load("launcher.sh");
    /** Reads a file, refusing links out of the work directory and /tmp. */
    static final String READ = load("file-checks.sh", "read.sh");
    /** Writes a file, refusing links out of the work directory and /tmp. */
    static final String WRITE = load("file-checks.sh", "write.sh");
    /** Lists a directory, reporting links, never following them. */
    static final String LIST = load("list.sh");
    /** Unpacks a tar stream into a directory. */
    static final String COPY_IN_DIR = load("check-inside.sh", "copy-in-dir.sh");
    /** Unpacks a one-file tar stream beside its target. */
    static final String COPY_IN_FILE = load("check-inside.sh", "copy-in-file.sh");
    /** A file or directory out of the box as a tar stream (D or F first). */
    static final String COPY_OUT = load("check-inside.sh", "copy-out.sh");
    /** The output directory as a tar stream. */
    static final String ARTIFACTS = load("artifacts.sh");
    /** A committed image's saved work directory into the box. */
    static final String SEED = load("seed.sh");
    /** A signal to one process. */
    static final String SIGNAL = load("signal.sh");
    /** Kills every process of the sandbox user but one (a kernel). */
    static final String KILL_ALL_BUT = load("kill-all-but.sh");
    /** Scrubs a pooled box between two sessions and proves it clean (perl-base only): {@link BoxPool}. */
    static final String SCRUB = load("scrub.pl");

    private BoxScripts() {}

    /** {@code sh -c} with a script, the name it runs as, then its arguments. */
    static List<String> sh(String script, String name, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("/bin/sh", "-c", script, name));
        argv.addAll(List.of(args));
        return argv;
    }

    /** The resources, one after the other (a script of functions, then the script that calls them). */
    static String load(String... names) {
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            try (InputStream in = BoxScripts.class.getResourceAsStream("box/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("sandbox4j resource box/" + name + " is missing from the jar");
                }
                sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sb.toString();
    }
}
