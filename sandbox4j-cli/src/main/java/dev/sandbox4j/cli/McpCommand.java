package dev.sandbox4j.cli;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.mcp.McpStdioServer;
import dev.sandbox4j.tools.SandboxTools;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sandbox4j mcp}: an MCP server on stdin/stdout for agents (Claude Desktop, IDEs, the MCP Inspector). It exits
 * when stdin closes, removing every box it started; it logs to stderr only.
 */
@Command(mixinStandardHelpOptions = true,
        name = "mcp",
        sortOptions = false, // the description comes from describe(): it lists the tools of the tool catalog
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stdin closed, the server stopped",
            "2:invalid usage",
            "125:the sandbox itself failed (no container engine, ...)"
        },
        footer = {"", "Claude Desktop (claude_desktop_config.json):",
            "  {\"mcpServers\": {\"sandbox4j\": {\"command\": \"/path/to/sandbox4j/bin/sandbox4j\", \"args\": [\"mcp\"]}}}",
            "", "Try it with the MCP Inspector:",
            "  npx -y @modelcontextprotocol/inspector --cli bin/sandbox4j mcp --method tools/list"})
final class McpCommand implements Callable<Integer> {
    /** The description of {@code mcp}: each element one paragraph, wrapped by picocli. */
    static String[] describe() {
        return new String[] {"Serve the sandbox tools to an MCP client over stdin/stdout (the MCP stdio transport). "
                + "Tools: " + String.join(", ", Registries.tools()) + ". The server exits when stdin closes and "
                + "removes every box it started.",
            "Logs go to stderr (more with --verbose); stdout carries only MCP messages."};
    }

    @ParentCommand
    SandboxCommand parent;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "15m",
            converter = Converters.DurationConverter.class,
            description = "Close a session after this long without use (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "4",
            description = "At most N sessions open at once (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(names = "--max-timeout", paramLabel = "DURATION", defaultValue = "5m",
            converter = Converters.DurationConverter.class,
            description = "The longest run timeout a client may ask for (default: ${DEFAULT-VALUE}).")
    Duration maxTimeout;

    @Option(names = "--image", paramLabel = "LANG=IMAGE", description = "Run LANG in IMAGE (repeatable).")
    Map<String, String> images = Map.of();

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Extra label on every box (repeatable).")
    Map<String, String> labels = Map.of();

    @Override
    public Integer call() throws Exception {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("--max-sessions (" + maxSessions + ") must be at least 1");
        }
        // stdout belongs to the protocol: anything else that prints goes to stderr
        OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        InputStream protocolIn = new FileInputStream(FileDescriptor.in);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        RuntimeConfig.Builder runtime = RuntimeConfig.builder();
        labels.forEach(runtime::label);
        try (SandboxClient client = parent.clients.create(images, true);
                SandboxTools tools = SandboxTools.builder(client)
                        .sessionOptions(SessionOptions.builder().runtime(runtime.build()).build())
                        .idleTimeout(idleTimeout)
                        .maxSessionsPerScope(maxSessions)
                        .maxSessions(maxSessions)
                        .maxTimeout(maxTimeout)
                        .build()) {
            McpStdioServer.serve(tools, protocolIn, protocolOut);
        }
        return 0;
    }
}
