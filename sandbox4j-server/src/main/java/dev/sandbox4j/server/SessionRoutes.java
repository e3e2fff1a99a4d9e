package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.caller;
import static dev.sandbox4j.server.Api.entry;
import static dev.sandbox4j.server.Api.json;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.service.ManagedSession;
import dev.sandbox4j.service.SessionLimitException;
import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.service.SessionRequest;
import dev.sandbox4j.service.SessionService;
import dev.sandbox4j.text.Texts;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes of sessions: open, list, show, reset and delete, and the lookup of a request's session. */
@SuppressWarnings("try") // permits and uses are held for the scope of a try block, not referenced
final class SessionRoutes {
    private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);

    private final ServerConfig config;
    private final RequestValidator validator;
    private final RunSlots slots;
    private final SessionService sessions;
    private final ServerMetrics metrics;
    private final RuntimeConfig runtime;
    private final Bodies bodies;

    SessionRoutes(ServerConfig config, RequestValidator validator, RunSlots slots,
            SessionService sessions, ServerMetrics metrics, RuntimeConfig runtime, Bodies bodies) {
        this.config = config;
        this.validator = validator;
        this.slots = slots;
        this.sessions = sessions;
        this.metrics = metrics;
        this.runtime = runtime;
        this.bodies = bodies;
    }


    /** What the HTTP API keeps with a session it opened: the request's own policy and default timeout. */
    record RestSession(@Nullable SecurityPolicy policy, @Nullable Duration defaultTimeout) {}

    /** {@code POST /v1/sessions}. */
    void createSession(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        Wire.CreateSessionRequest req = Wire.read(bodies.jsonBody(ctx), Wire.CreateSessionRequest.class);
        RequestValidator.SessionSpec spec = validator.session(req);
        entry.language = spec.language();
        SessionOptions options = SessionOptions.builder()
                .limits(Api.limits(spec.memoryMb()))
                .runtime(runtime)
                .defaultTimeout(spec.timeout())
                .sessionTimeout(config.maxSessionLifetime())
                .principal(caller.principal())
                .stateful(spec.stateful())
                .build();
        SessionOwner owner = new SessionOwner(caller.tenant(), SessionOwner.REST, caller.principal());
        long t0 = System.nanoTime();
        ManagedSession ms;
        try {
            ms = sessions.open(new SessionRequest(owner, spec.language(), options, null, spec.idleTimeout(), 0,
                    new RestSession(spec.policy(), spec.timeout())));
        } catch (SessionLimitException e) {
            metrics.rejected("too_many_sessions");
            throw ApiException.tooManyRequests(switch (e.cap()) {
                case PRINCIPAL -> "API key '" + caller.keyId() + "' already has " + e.open() + " open sessions (its "
                        + "limit is " + e.limit() + "); close one first";
                case TENANT -> "tenant '" + caller.tenant() + "' already has " + e.open() + " open sessions (its "
                        + "limit is " + e.limit() + "); close one first";
                case SERVICE, SCOPE -> "the server has " + e.open() + " open sessions (its limit); retry later";
            }, slots.retryAfterSeconds());
        }
        metrics.phase("open", spec.language(), System.nanoTime() - t0);
        entry.sessionId = ms.id();
        ctx.header("Location", "/v1/sessions/" + ms.id());
        json(ctx, 201, toJson(ms));
    }

    /** {@code GET /v1/sessions}: the tenant's sessions, whichever front door (REST, MCP) opened them. */
    void listSessions(Context ctx) {
        List<Map<String, Object>> list = sessions.list(caller(ctx).tenant()).stream().map(SessionRoutes::toJson)
                .toList();
        json(ctx, 200, Map.of("sessions", list));
    }

    /** {@code GET /v1/sessions/{id}}. */
    void getSession(Context ctx) {
        json(ctx, 200, toJson(session(ctx)));
    }

    /** {@code DELETE /v1/sessions/{id}}. */
    void deleteSession(Context ctx) {
        ManagedSession ms = session(ctx);
        long t0 = System.nanoTime();
        sessions.close(ms, "deleted");
        metrics.phase("close", ms.session().language(), System.nanoTime() - t0);
        ctx.status(204);
    }

    /** {@code POST /v1/sessions/{id}/reset}. */
    void reset(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            ms.session().reset();
        }
        json(ctx, 200, toJson(ms));
    }

    /**
     * The request's session ({@code {id}}), noted in the audit entry.
     *
     * @throws ApiException 404 if the tenant has no such session (another tenant's is not found either)
     */
    ManagedSession session(Context ctx) {
        String id = ctx.pathParam("id");
        entry(ctx).sessionId = id;
        String tenant = caller(ctx).tenant();
        ManagedSession ms = sessions.find(tenant, id).orElseThrow(() -> ApiException.notFound(
                Problem.SESSION_NOT_FOUND, "lifetime".equals(sessions.closedReason(tenant, id).orElse(null))
                        ? "session '" + Texts.sanitize(id, 80) + "' has closed (its lifetime is over or its box failed)"
                        : "there is no session '" + Texts.sanitize(id, 80) + "'"));
        entry(ctx).language = ms.session().language();
        return ms;
    }

    /** The policy the request that opened the session gave, if any (sessions opened through MCP have none). */
    static @Nullable SecurityPolicy requestPolicy(ManagedSession ms) {
        return ms.attachment() instanceof RestSession r ? r.policy() : null;
    }

    /** A session as the API shows it. */
    static Map<String, Object> toJson(ManagedSession ms) {
        SandboxSession session = ms.session();
        Duration defaultTimeout = ms.attachment() instanceof RestSession r ? r.defaultTimeout()
                : ms.options().defaultTimeout();
        SecurityPolicy policy = requestPolicy(ms);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", session.id());
        m.put("language", session.language());
        m.put("image", session.image());
        m.put("stateful", session.isStateful());
        m.put("open", session.isOpen());
        m.put("busy", ms.isBusy());
        m.put("created_at", ms.createdAt().toString());
        m.put("last_used_at", ms.lastUsedAt().toString());
        m.put("expires_at", ms.expiresAt() != null ? ms.expiresAt().toString() : null);
        m.put("idle_timeout_s", ms.idleTimeout().toSeconds());
        m.put("timeout_ms", defaultTimeout == null ? null : defaultTimeout.toMillis());
        m.put("memory_mb", (int) ms.options().limits().memory().toMegabytes());
        m.put("policy", policy == null ? null : policy.name());
        m.put("installed_libraries", session.installedLibraries());
        return m;
    }

    private RunLimiter.Permit acquire(Context ctx, Caller caller) {
        return slots.acquire(ctx, caller);
    }
}
