package dev.sandbox4j.mcp;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.tools.SandboxTools;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox tools over MCP's streamable HTTP transport, as a servlet to mount in a servlet container (Jetty 12
 * ee10 in the HTTP service). Authentication is the container's job: put a filter in front of the servlet that
 * rejects unauthenticated requests and stores the caller's tenant with {@link #TENANT_ATTRIBUTE} (and its principal with
 * {@link #PRINCIPAL_ATTRIBUTE}); each MCP session's sandbox sessions then belong to the tenant, in the scope
 * {@code mcp/<MCP session id>} ({@link SessionOwner}), so neither another tenant nor another MCP session of the same
 * tenant can use them as tools. With tools on a shared {@link dev.sandbox4j.service.SessionService}, the tenant's other
 * front doors (the REST API) list and delete them, and the same caps count them.
 *
 * <pre>{@code
 * McpHttpEndpoint mcp = McpHttpEndpoint.create(tools, "/mcp");
 * ServletHolder holder = new ServletHolder(mcp.servlet());
 * holder.setAsyncSupported(true);
 * contextHandler.addServlet(holder, "/mcp");
 * }</pre>
 *
 * <p>When a client ends its MCP session ({@code DELETE} with {@code Mcp-Session-Id}), the filter should call
 * {@link #mcpSessionEnded} so the sandbox sessions it left open are closed at once; sessions of a client that just
 * disappears expire after the tools' idle timeout.
 *
 * @since 0.2
 */
public final class McpHttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(McpHttpEndpoint.class);

    /** Request attribute (a {@code String}) naming the authenticated caller's tenant. */
    public static final String TENANT_ATTRIBUTE = "dev.sandbox4j.mcp.tenant";

    /** Request attribute (a {@code String}) naming the caller's principal (audit events, per-principal caps). */
    public static final String PRINCIPAL_ATTRIBUTE = "dev.sandbox4j.mcp.principal";

    private static final String TENANT_KEY = "tenant";
    private static final String PRINCIPAL_KEY = "principal";

    /** The header carrying the MCP session id on streamable HTTP. */
    public static final String SESSION_HEADER = "Mcp-Session-Id";

    private final HttpServletStreamableServerTransportProvider transport;
    private final McpSyncServer server;
    private final SandboxTools tools;

    private McpHttpEndpoint(HttpServletStreamableServerTransportProvider transport, McpSyncServer server,
            SandboxTools tools) {
        this.transport = transport;
        this.server = server;
        this.tools = tools;
    }

    /**
     * An endpoint that answers at {@code path} (e.g. {@code /mcp}, the servlet's mapping).
     *
     * @param tools the tools to serve; the endpoint never closes them
     */
    public static McpHttpEndpoint create(SandboxTools tools, String path) {
        requireNonNull(tools, "tools");
        requireNonNull(path, "path");
        McpJsonMapper mapper = SandboxMcp.jsonMapper();
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(mapper)
                .mcpEndpoint(path)
                .keepAliveInterval(Duration.ofSeconds(30))
                .contextExtractor(McpHttpEndpoint::context)
                .build();
        Function<McpSyncServerExchange, SessionOwner> scope = McpHttpEndpoint::owner;
        McpSyncServer server = SandboxMcp.configure(McpServer.sync(transport), tools, mapper, scope).build();
        log.info("MCP streamable HTTP endpoint at {} ({} tools)", path, tools.specs().size());
        return new McpHttpEndpoint(transport, server, tools);
    }

    /** The servlet to mount; it needs async support. */
    public HttpServlet servlet() {
        return transport;
    }

    /**
     * Closes the sandbox sessions an ended MCP session left open.
     *
     * @param tenant the tenant that owned it (as given in {@link #TENANT_ATTRIBUTE}), or {@code null}
     * @return how many sandbox sessions were closed
     */
    public int mcpSessionEnded(@Nullable String tenant, String mcpSessionId) {
        int n = tools.closeScope(owner(tenant, null, mcpSessionId));
        if (n > 0) {
            log.info("MCP session {} ended: closed {} sandbox session(s)", mcpSessionId, n);
        }
        return n;
    }

    /** Ends every MCP session and stops the server (not the tools). Idempotent. */
    @Override
    public void close() {
        try {
            server.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("Closing the MCP server: {}", e.toString());
        }
    }

    private static McpTransportContext context(HttpServletRequest request) {
        Map<String, Object> m = new HashMap<>();
        if (request.getAttribute(TENANT_ATTRIBUTE) instanceof String t) {
            m.put(TENANT_KEY, t);
        }
        if (request.getAttribute(PRINCIPAL_ATTRIBUTE) instanceof String p) {
            m.put(PRINCIPAL_KEY, p);
        }
        return m.isEmpty() ? McpTransportContext.EMPTY : McpTransportContext.create(m);
    }

    private static SessionOwner owner(McpSyncServerExchange exchange) {
        McpTransportContext c = exchange.transportContext();
        String session = exchange.sessionId();
        if (session == null || session.isBlank()) {
            throw new IllegalStateException("MCP call without a session id");
        }
        return owner(c != null && c.get(TENANT_KEY) instanceof String t ? t : null,
                c != null && c.get(PRINCIPAL_KEY) instanceof String p ? p : null, session);
    }

    /** The owner of an MCP session's sandbox sessions: the tenant (the local one without), scope {@code mcp/<id>}. */
    static SessionOwner owner(@Nullable String tenant, @Nullable String principal, String mcpSessionId) {
        return new SessionOwner(tenant == null || tenant.isBlank() ? SessionOwner.LOCAL_TENANT : tenant,
                "mcp/" + mcpSessionId, principal == null || principal.isBlank() ? null : principal);
    }
}
