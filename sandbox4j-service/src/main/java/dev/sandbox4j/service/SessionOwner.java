package dev.sandbox4j.service;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Who a managed session belongs to.
 *
 * @param tenant the tenant: it alone sees, uses and deletes the session, and its sessions count against the
 *     per-tenant cap ({@link SessionService.Builder#maxSessionsPerTenant})
 * @param scope where in the tenant it was opened: {@link #REST} for the HTTP API, {@code mcp/<session id>} for an MCP
 *     session, a conversation's id for the agent tools. Tools see only their scope's sessions; names are unique within
 *     a scope
 * @param principal who opened it, for audit events (the session's {@code SessionOptions.principal}, e.g.
 *     {@code acme/alice}) and the per-principal cap; {@code null} for the client's principal
 * @since 0.2
 */
public record SessionOwner(String tenant, String scope, @Nullable String principal) {
    /** The tenant of callers that are not authenticated: a server without API keys, an embedding application. */
    public static final String LOCAL_TENANT = "local";

    /** The scope of sessions opened through the HTTP API. */
    public static final String REST = "rest";

    /** @throws IllegalArgumentException if the tenant or scope is blank, or the principal is blank */
    public SessionOwner {
        requireNonNull(tenant, "tenant");
        requireNonNull(scope, "scope");
        if (tenant.isBlank() || scope.isBlank()) {
            throw new IllegalArgumentException("tenant and scope must not be blank");
        }
        if (principal != null && principal.isBlank()) {
            throw new IllegalArgumentException("principal must not be blank (use null for the client's)");
        }
    }

    /** A scope of the {@link #LOCAL_TENANT local tenant}, without a principal of its own. */
    public static SessionOwner local(String scope) {
        return new SessionOwner(LOCAL_TENANT, scope, null);
    }

    /** The same tenant and principal in another scope. */
    public SessionOwner inScope(String otherScope) {
        return new SessionOwner(tenant, otherScope, principal);
    }
}
