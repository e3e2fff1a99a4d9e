package dev.sandbox4j.cli;

import java.util.Arrays;

/** Entry point of the runnable jar. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        boolean verbose = Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
        // before the first logger is created: quiet by default, everything on stderr
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        if (!verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.com.github.dockerjava", "error");
        }
        System.exit(SandboxCommand.commandLine(new ClientFactory()).execute(args));
    }
}
