package dev.sandbox4j.cli;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.internal.Texts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sandbox4j}: the top-level command. */
@Command(
        name = "sandbox4j",
        mixinStandardHelpOptions = true,
        versionProvider = SandboxCommand.Version.class,
        description = "Run untrusted code in hardened, resource-limited containers.",
        subcommands = {RunCommand.class, CheckCommand.class, PolicyCommand.class, DoctorCommand.class, GcCommand.class, ImagesCommand.class,
            BenchCommand.class, ServeCommand.class, McpCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:failure (doctor found a problem)",
            "2:invalid usage",
            "125:the sandbox itself failed (engine unreachable, image missing, ...)"
        })
public final class SandboxCommand implements Runnable {
    /** Exit code when the sandbox itself failed (as {@code docker run}). */
    public static final int SANDBOX_FAILURE = 125;
    /** Exit code of {@code run} when the program timed out (as GNU {@code timeout}). */
    public static final int TIMED_OUT = 124;

    @Option(names = {"-v", "--verbose"}, description = "Log what the sandbox does (to stderr).", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    final ClientFactory clients;

    SandboxCommand(ClientFactory clients) {
        this.clients = clients;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "Missing command: run, check, policy, doctor, gc, images, bench, serve or mcp");
    }

    static CommandLine commandLine(ClientFactory clients) {
        CommandLine cl = new CommandLine(new SandboxCommand(clients), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return CommandLine.defaultFactory().create(cls);
            }
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getColorScheme().errorText("sandbox4j: " + ex.getMessage()));
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("sandbox4j: " + message(ex)));
            if (ex instanceof IllegalArgumentException) {
                return CommandLine.ExitCode.USAGE;
            }
            if (!(ex instanceof SandboxException) && !(ex instanceof java.io.UncheckedIOException)) {
                ex.printStackTrace(cmd.getErr());
            }
            return SANDBOX_FAILURE;
        });
        return cl;
    }

    static String message(Throwable ex) {
        if (ex instanceof SandboxException se) {
            String kind = switch (se) {
                case BackendUnavailableException e -> "no container engine";
                case ImageUnavailableException e -> "image missing";
                case BackendException e -> "engine error";
                case SessionClosedException e -> "session closed";
                case PoolExhaustedException e -> "pool exhausted";
            };
            return kind + ": " + se.getMessage();
        }
        String m = ex.getMessage();
        return m == null ? ex.toString() : Texts.sanitize(m, 2000).replace('?', '?');
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SandboxCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sandbox4j " + (v == null ? "0.1.0-SNAPSHOT" : v),
                "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
