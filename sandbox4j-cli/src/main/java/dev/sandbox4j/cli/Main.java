package dev.sandbox4j.cli;

import java.util.Map;
import picocli.CommandLine;

/** Entry point of the runnable jar. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // quiet unless the options say otherwise; nothing creates a logger before the options are parsed
        logLevels(false, false).forEach(System::setProperty);
        CommandLine cl = SandboxCommand.commandLine(new ClientFactory());
        // the options are known once picocli has parsed them (a -v after the program's FILE belongs to the
        // program); logging is set up then, before any command creates a logger
        cl.setExecutionStrategy(parsed -> {
            boolean verbose = false;
            boolean debug = false;
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                verbose |= p.hasMatchedOption("--verbose");
                debug |= p.hasMatchedOption("--debug");
            }
            logLevels(verbose, debug).forEach(System::setProperty);
            return new CommandLine.RunLast().execute(parsed);
        });
        System.exit(cl.execute(args));
    }

    /**
     * slf4j-simple's settings (system properties, read when the first logger is made). Quiet by default (warnings
     * only); {@code -v}: sandbox4j's own loggers at DEBUG (one line per step of the sandbox) with the audit log's JSON
     * lines (the same events again) and every library at WARN; {@code --debug}: everything at DEBUG, the HTTP
     * client's wire log included. Always on stderr: stdout belongs to the program (and to MCP messages).
     */
    static Map<String, String> logLevels(boolean verbose, boolean debug) {
        String prefix = "org.slf4j.simpleLogger.";
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put(prefix + "logFile", "System.err");
        p.put(prefix + "showThreadName", "false");
        p.put(prefix + "showShortLogName", "true");
        p.put(prefix + "defaultLogLevel", debug ? "debug" : "warn");
        p.put(prefix + "log.dev.sandbox4j", debug || verbose ? "debug" : "warn");
        p.put(prefix + "log.dev.sandbox4j.audit", debug ? "info" : "warn");
        // docker-java reports problems sandbox4j handles itself (and says so) as warnings
        p.put(prefix + "log.com.github.dockerjava", debug ? "debug" : "error");
        return p;
    }
}
