package dev.sandbox4j.mcp;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tools.SandboxTools;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;

/** A stdio MCP server process for {@link McpStdioIT}: {@code StdioMain <label-key> <label-value>}. */
public final class StdioMain {
    private StdioMain() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        System.setOut(System.err);
        SandboxClient.Builder b = SandboxClient.builder().backend("docker").reapOrphans(false);
        String python = System.getProperty("sandbox.image.python");
        if (python != null && !python.isBlank()) {
            b.image("python", python);
        }
        try (SandboxClient client = b.build();
                SandboxTools tools = SandboxTools.builder(client)
                        .sessionOptions(SessionOptions.builder()
                                .runtime(RuntimeConfig.builder().label(args[0], args[1]).build()).build())
                        .build()) {
            McpStdioServer.serve(tools, System.in, out);
        }
    }
}
