package dev.sandbox4j.cli;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.text.Texts;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT, description = "Log what the sandbox "
            + "does to stderr, one line per step: backend, box created with its limits, policy verdict, each run "
            + "and how it ended, box removed.")
    boolean verbose;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Log everything, the container "
            + "engine's HTTP traffic included (very long; for bug reports).")
    boolean debug;

    final ClientFactory clients;

    SandboxCommand(ClientFactory clients) {
        this.clients = clients;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        List<String> names = spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: "
                + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1));
    }

    private static final String LANGUAGES_SECTION = "languages";

    static CommandLine commandLine(ClientFactory clients) {
        CommandLine cl = new CommandLine(new SandboxCommand(clients), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return CommandLine.defaultFactory().create(cls);
            }
        });
        // only when help is shown: nothing may create a logger before Main has set up logging
        cl.getSubcommands().get("mcp").getHelpSectionMap().put(
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> {
                    help.commandSpec().usageMessage().description(McpCommand.describe());
                    return help.description();
                });
        // as with docker run: what follows the program (FILE, or the first argument after -c CODE) is the program's
        cl.getSubcommands().get("run").setStopAtPositional(true);
        for (String name : List.of("run", "check")) {
            CommandLine sub = cl.getSubcommands().get(name);
            sub.getHelpSectionMap().put(LANGUAGES_SECTION,
                    help -> help.createHeading("%nLanguages (id, aliases, file extensions):%n") + Registries.languageTable());
            List<String> keys = new ArrayList<>(sub.getHelpSectionKeys());
            keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING),
                    LANGUAGES_SECTION);
            sub.setHelpSectionKeys(keys);
        }
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
                case SandboxBusyException e -> "sandbox busy";
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
            return new String[] {"sandbox4j " + (v == null ? "(version unknown: not run from its jar)" : v),
                "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
