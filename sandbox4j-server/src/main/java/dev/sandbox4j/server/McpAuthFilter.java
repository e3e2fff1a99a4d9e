package dev.sandbox4j.server;

import dev.sandbox4j.mcp.McpHttpEndpoint;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Guards the MCP servlet ({@code /mcp}) like the REST API: the same API keys (a 401 problem without a valid one),
 * a 503 while shutting down, and the caller's tenant handed to the MCP endpoint, which scopes sessions by it. When a
 * client ends its MCP session ({@code DELETE}), the sandbox sessions it left open are closed.
 */
final class McpAuthFilter implements Filter {
    private final Authenticator auth;
    private final BooleanSupplier draining;
    private final McpHttpEndpoint endpoint;

    McpAuthFilter(Authenticator auth, BooleanSupplier draining, McpHttpEndpoint endpoint) {
        this.auth = auth;
        this.draining = draining;
        this.endpoint = endpoint;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        Caller caller;
        try {
            if (draining.getAsBoolean()) {
                throw new ApiException(503, Problem.SHUTTING_DOWN, "the server is shutting down; retry on another "
                        + "instance or later");
            }
            caller = auth.authenticate(req.getHeader("Authorization"), req.getHeader("X-API-Key"));
        } catch (ApiException e) {
            Map<String, Object> body = Wire.problem(e, req.getRequestURI());
            res.setStatus(e.status);
            if (e.status == 401) {
                res.setHeader("WWW-Authenticate", "Bearer realm=\"sandbox4j\"");
            }
            res.setContentType(Api.PROBLEM_JSON);
            res.getOutputStream().write(Wire.writeString(body).getBytes(StandardCharsets.UTF_8));
            return;
        }
        req.setAttribute(McpHttpEndpoint.TENANT_ATTRIBUTE, caller.tenant());
        chain.doFilter(request, response);
        String mcpSession = req.getHeader(McpHttpEndpoint.SESSION_HEADER);
        if ("DELETE".equals(req.getMethod()) && mcpSession != null && res.getStatus() < 300) {
            endpoint.mcpSessionEnded(caller.tenant(), mcpSession);
        }
    }
}
