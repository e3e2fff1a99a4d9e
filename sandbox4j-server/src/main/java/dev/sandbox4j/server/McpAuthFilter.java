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

/**
 * Guards the MCP servlet ({@code /mcp}) like the REST API, with the same admission ({@link Api#admit}): the same API
 * keys (a 401 problem without a valid one), a 503 with {@code Retry-After} while shutting down, and the caller's
 * tenant handed to the MCP endpoint, which scopes sessions by it. When a client ends its MCP session
 * ({@code DELETE}), the sandbox sessions it left open are closed. A body declared larger than
 * {@link ServerConfig#maxBodySize()} is refused (413) before it is read; on the operator listener there is no MCP.
 */
final class McpAuthFilter implements Filter {
    private final Api api;
    private final McpHttpEndpoint endpoint;
    private final long maxBody;

    McpAuthFilter(Api api, McpHttpEndpoint endpoint, long maxBody) {
        this.api = api;
        this.endpoint = endpoint;
        this.maxBody = maxBody;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        Caller caller;
        boolean[] close = {false};
        try {
            if (api.onOperatorListener(req.getLocalPort())) {
                throw new ApiException(404, Problem.ROUTE_NOT_FOUND, "the operator listener serves only "
                        + Api.OPERATOR_PATHS.stream().sorted().toList());
            }
            api.checkDeclaredLength(req.getContentLengthLong(), maxBody, () -> close[0] = true);
            caller = api.admit(req.getHeader("Authorization"), req.getHeader("X-API-Key"));
        } catch (ApiException e) {
            Map<String, Object> body = Wire.problem(e, req.getRequestURI());
            res.setStatus(e.status);
            e.headers().forEach(res::setHeader);
            if (close[0]) {
                res.setHeader("Connection", "close"); // the body is not read
            }
            res.setContentType(Api.PROBLEM_JSON);
            res.getOutputStream().write(Wire.writeString(body).getBytes(StandardCharsets.UTF_8));
            return;
        }
        req.setAttribute(McpHttpEndpoint.TENANT_ATTRIBUTE, caller.tenant());
        req.setAttribute(McpHttpEndpoint.PRINCIPAL_ATTRIBUTE, caller.principal());
        chain.doFilter(request, response);
        String mcpSession = req.getHeader(McpHttpEndpoint.SESSION_HEADER);
        if ("DELETE".equals(req.getMethod()) && mcpSession != null && res.getStatus() < 300) {
            endpoint.mcpSessionEnded(caller.tenant(), mcpSession);
        }
    }
}
