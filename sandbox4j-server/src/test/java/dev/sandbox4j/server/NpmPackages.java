package dev.sandbox4j.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * npm packages for a test, installed once into {@code ~/.cache/sandbox4j/npm/NAME} (under a file lock, so parallel
 * builds do not install at the same time) and reused while the pinned versions stay the same. Without node and npm
 * the test is skipped, or fails with {@code -Dsandbox.it.strict=true} (as CI runs it).
 */
final class NpmPackages {
    private NpmPackages() {}

    /** Runs a command; its combined output and exit code. */
    record Run(int exit, String output) {}

    static Run run(List<String> command, Path dir, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            // a deadline, not a performance figure
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + timeoutSeconds + " s: " + command);
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Skips (or, strict, fails) the test unless {@code node} and {@code npm} run. */
    static void requireNode() {
        Path here = Path.of(".").toAbsolutePath();
        for (String tool : List.of("node", "npm")) {
            Run r = run(List.of(tool, "--version"), here, 60);
            if (r.exit() != 0) {
                String why = tool + " is needed to check the OpenAPI document (apt-get install nodejs npm): "
                        + r.output().strip();
                if (Boolean.getBoolean("sandbox.it.strict")) {
                    Assertions.fail(why);
                }
                Assumptions.abort(why);
            }
        }
    }

    /**
     * A directory whose {@code node_modules} holds exactly {@code specs} (e.g. {@code "ajv@8.17.1"}), installed from
     * the npm registry on first use.
     */
    static Path install(String name, List<String> specs) {
        requireNode();
        Path root = Path.of(System.getProperty("user.home"), ".cache", "sandbox4j", "npm");
        Path dir = root.resolve(name);
        String wanted = String.join("\n", specs) + "\n";
        try {
            Files.createDirectories(root);
            try (FileChannel ch = FileChannel.open(root.resolve(name + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
                Path marker = dir.resolve("installed.txt");
                if (Files.isDirectory(dir.resolve("node_modules")) && Files.exists(marker)
                        && Files.readString(marker).equals(wanted)) {
                    return dir;
                }
                Files.createDirectories(dir);
                Files.deleteIfExists(marker);
                List<String> cmd = new ArrayList<>(List.of("npm", "install", "--prefix", dir.toString(), "--no-audit",
                        "--no-fund", "--no-update-notifier", "--loglevel=error"));
                cmd.addAll(specs);
                Run r = run(cmd, dir, 600);
                if (r.exit() != 0) {
                    String why = "npm install " + specs + " failed (is the npm registry reachable?): " + r.output();
                    if (Boolean.getBoolean("sandbox.it.strict")) {
                        Assertions.fail(why);
                    }
                    Assumptions.abort(why);
                }
                Files.writeString(marker, wanted);
                return dir;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
