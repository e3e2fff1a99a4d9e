package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.caller;
import static dev.sandbox4j.server.Api.entry;
import static dev.sandbox4j.server.Api.json;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes of sessions: open, list, show, reset and delete, and the lookup of a request's session. */
@SuppressWarnings("try") // permits and uses are held for the scope of a try block, not referenced
final class SessionRoutes {
    private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);

    private final ServerConfig config;
    private final SandboxClient client;
    private final RequestValidator validator;
    private final RunLimiter limiter;
    private final SessionRegistry sessions;
    private final ServerMetrics metrics;
    private final RuntimeConfig runtime;
    private final Bodies bodies;

    SessionRoutes(ServerConfig config, SandboxClient client, RequestValidator validator, RunLimiter limiter,
            SessionRegistry sessions, ServerMetrics metrics, RuntimeConfig runtime, Bodies bodies) {
        this.config = config;
        this.client = client;
        this.validator = validator;
        this.limiter = limiter;
        this.sessions = sessions;
        this.metrics = metrics;
        this.runtime = runtime;
        this.bodies = bodies;
    }


    /** {@code POST /v1/sessions}. */
    void createSession(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        Wire.CreateSessionRequest req = Wire.read(bodies.jsonBody(ctx), Wire.CreateSessionRequest.class);
        RequestValidator.SessionSpec spec = validator.session(req);
        entry.language = spec.language();
        SessionRegistry.Reservation reservation;
        try {
            reservation = sessions.reserve(caller);
        } catch (ApiException e) {
            metrics.rejected("too_many_sessions");
            throw e;
        }
        try (reservation) {
            SessionOptions options = SessionOptions.builder()
                    .limits(Api.limits(spec.memoryMb()))
                    .runtime(runtime)
                    .defaultTimeout(spec.timeout())
                    .sessionTimeout(config.maxSessionLifetime())
                    .principal(caller.principal())
                    .stateful(spec.stateful())
                    .build();
            long t0 = System.nanoTime();
            SandboxSession s = client.openSession(spec.language(), options);
            metrics.phase("open", spec.language(), System.nanoTime() - t0);
            ManagedSession ms = new ManagedSession(s, caller, spec.idleTimeout(), config.maxSessionLifetime(),
                    spec.policy(), spec.timeout(), spec.memoryMb() != null ? spec.memoryMb()
                            : (int) options.limits().memory().toMegabytes());
            sessions.add(ms, reservation);
            entry.sessionId = s.id();
            log.info("Session {} ({}{}) opened for tenant {} by key {}", s.id(), s.language(),
                    s.isStateful() ? ", stateful" : "", caller.tenant(), caller.keyId());
            ctx.header("Location", "/v1/sessions/" + s.id());
            json(ctx, 201, ms.toJson());
        }
    }

    /** {@code GET /v1/sessions}. */
    void listSessions(Context ctx) {
        List<Map<String, Object>> list = sessions.list(caller(ctx)).stream().map(ManagedSession::toJson).toList();
        json(ctx, 200, Map.of("sessions", list));
    }

    /** {@code GET /v1/sessions/{id}}. */
    void getSession(Context ctx) {
        ManagedSession ms = session(ctx);
        json(ctx, 200, ms.toJson());
    }

    /** {@code DELETE /v1/sessions/{id}}. */
    void deleteSession(Context ctx) {
        Caller caller = caller(ctx);
        String id = ctx.pathParam("id");
        entry(ctx).sessionId = id;
        ManagedSession ms = sessions.get(caller, id);
        entry(ctx).language = ms.session.language();
        long t0 = System.nanoTime();
        sessions.remove(ms, "deleted");
        metrics.phase("close", ms.session.language(), System.nanoTime() - t0);
        ctx.status(204);
    }

    /** {@code POST /v1/sessions/{id}/reset}. */
    void reset(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            ms.session.reset();
        }
        json(ctx, 200, ms.toJson());
    }

    /** The request's session ({@code {id}}), noted in the audit entry. */
    ManagedSession session(Context ctx) {
        String id = ctx.pathParam("id");
        entry(ctx).sessionId = id;
        ManagedSession ms = sessions.get(caller(ctx), id);
        entry(ctx).language = ms.session.language();
        return ms;
    }

    private RunLimiter.Permit acquire(Caller caller) {
        return Api.acquire(limiter, metrics, caller);
    }
}
