package dev.sandbox4j.mcp;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolResult;
import dev.sandbox4j.tools.ToolSpec;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@link SandboxTools} into MCP tool specifications and results. Both transports
 * ({@link McpStdioServer}, {@link McpHttpEndpoint}) use it; embedders with their own MCP server can too.
 *
 * @since 0.2
 */
public final class SandboxMcp {
    private static final Logger log = LoggerFactory.getLogger(SandboxMcp.class);

    /** The name this server reports in {@code initialize}. */
    public static final String SERVER_NAME = "sandbox4j";

    /** What the server tells the client about itself in {@code initialize}. */
    public static final String INSTRUCTIONS = "Runs code in isolated, resource-limited sandboxes without network "
            + "access. Use execute_code for a single program; create_session when you need files, installed packages "
            + "or variables to persist across calls, then pass its session_id. Plots are returned as images.";

    private SandboxMcp() {}

    /** The JSON mapper of the MCP SDK (Jackson 3, found through the SDK's service loader). */
    public static McpJsonMapper jsonMapper() {
        return McpJsonDefaults.getMapper();
    }

    /** The version this server reports: the jar's implementation version, or {@code dev}. */
    public static String version() {
        String v = SandboxMcp.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * One MCP tool per {@link SandboxTools#specs() tool}. Each call runs in the scope {@code scope} returns for the
     * exchange (its MCP session, a tenant).
     */
    public static List<SyncToolSpecification> toolSpecifications(SandboxTools tools, McpJsonMapper mapper,
            Function<McpSyncServerExchange, String> scope) {
        requireNonNull(scope, "scope");
        return specifications(tools, mapper, exchange -> SessionOwner.local(scope.apply(exchange)));
    }

    /**
     * {@link #toolSpecifications} where each call runs for the owner {@code owner} returns for the exchange: a scope
     * of a tenant (its MCP session), with the principal the engine's audit events name.
     */
    public static List<SyncToolSpecification> ownedToolSpecifications(SandboxTools tools, McpJsonMapper mapper,
            Function<McpSyncServerExchange, SessionOwner> owner) {
        requireNonNull(owner, "owner");
        return specifications(tools, mapper, owner);
    }

    private static List<SyncToolSpecification> specifications(SandboxTools tools, McpJsonMapper mapper,
            Function<McpSyncServerExchange, SessionOwner> scope) {
        requireNonNull(tools, "tools");
        requireNonNull(mapper, "mapper");
        List<SyncToolSpecification> out = new ArrayList<>();
        for (ToolSpec spec : tools.specs()) {
            Tool tool = tool(spec, mapper);
            out.add(SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
                SessionOwner s;
                try {
                    s = scope.apply(exchange);
                } catch (RuntimeException e) {
                    log.warn("Cannot tell the scope of an MCP call", e);
                    return toCallToolResult(ToolResult.error("Internal error: the caller's scope is unknown."));
                }
                return toCallToolResult(tools.call(s, spec.name(), request.arguments()));
            }).build());
        }
        return out;
    }

    /** The MCP description of one tool, with its input and output schemas and hints. */
    public static Tool tool(ToolSpec spec, McpJsonMapper mapper) {
        return Tool.builder()
                .name(spec.name())
                .title(spec.title())
                .description(spec.description())
                .inputSchema(mapper, spec.inputSchema())
                .outputSchema(mapper, spec.outputSchema())
                .annotations(new ToolAnnotations(spec.title(), spec.readOnly(), spec.destructive(), spec.idempotent(),
                        false, null))
                .build();
    }

    /**
     * The MCP form of a result: the text, then each image as {@code ImageContent}; the structured map as
     * {@code structuredContent} (left out for errors, which do not match the output schema); {@code isError} as is.
     */
    public static CallToolResult toCallToolResult(ToolResult result) {
        CallToolResult.Builder b = CallToolResult.builder().addTextContent(result.text());
        for (ToolImage image : result.images()) {
            b.addContent(new ImageContent(null, image.base64(), image.mimeType()));
        }
        if (!result.isError()) {
            b.structuredContent(result.structured());
        }
        return b.isError(result.isError()).build();
    }

    /** Server capabilities: tools only (the list does not change). */
    static McpSchema.ServerCapabilities capabilities() {
        return McpSchema.ServerCapabilities.builder().tools(false).build();
    }

    static <S extends McpServer.SyncSpecification<S>> S configure(S spec, SandboxTools tools, McpJsonMapper mapper,
            Function<McpSyncServerExchange, SessionOwner> scope) {
        spec.serverInfo(SERVER_NAME, version())
                .instructions(INSTRUCTIONS)
                .capabilities(capabilities())
                .jsonMapper(mapper)
                // SandboxTools checks arguments itself, with messages that say what to do, and accepts language
                // aliases (py, js) the schema's enum does not list
                .validateToolInputs(false)
                .tools(specifications(tools, mapper, scope));
        return spec;
    }
}
