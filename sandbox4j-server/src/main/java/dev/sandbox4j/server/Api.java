package dev.sandbox4j.server;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.service.SessionService;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP API's filters (request ids, the operator listener, authentication, early 413s), its service endpoints
 * ({@code /v1/languages}, {@code /healthz}, {@code /readyz}, {@code /metrics}) and what every route shares (the
 * request's caller and audit entry, JSON answers, run permits). The routes themselves are {@link RunRoutes},
 * {@link SessionRoutes} and {@link FileRoutes}; errors are {@link ApiErrors}. Stateless apart from the shared,
 * thread-safe components it is given.
 */
final class Api {
    static final String ENTRY = "sandbox4j.audit-entry";
    static final String CALLER = "sandbox4j.caller";
    static final String PROBLEM_WRITTEN = "sandbox4j.problem-written";
    static final String JSON = "application/json";
    static final String PROBLEM_JSON = "application/problem+json";
    /** Comment sent on an SSE stream while the program is silent (keeps proxies from timing out). */
    /** Status recorded (not sent: nobody listens) for requests whose client hung up mid-run, as nginx does. */
    static final int CLIENT_CLOSED = 499;

    private final ServerConfig config;
    private final SandboxClient client;
    private final RunLimiter limiter;
    private final SessionService sessions;
    private final Authenticator auth;
    private final BooleanSupplier draining;
    private final LanguagesCache languages;
    private final ServerMetrics metrics;
    /** The local port of the operator listener, -1 if there is none. */
    private final IntSupplier operatorPort;
    private final byte @Nullable [] operatorKeySha256;
    private final RunRoutes runs;
    private final SessionRoutes sessionRoutes;
    private final FileRoutes files;

    Api(ServerConfig config, SandboxClient client, RunLimiter limiter, SessionService sessions,
            ServerMetrics metrics, DisconnectWatcher watcher, Authenticator auth, BooleanSupplier draining,
            IntSupplier operatorPort) {
        this.config = config;
        this.client = client;
        this.limiter = limiter;
        this.sessions = sessions;
        this.metrics = metrics;
        this.auth = auth;
        this.draining = draining;
        this.languages = new LanguagesCache(client);
        this.operatorPort = operatorPort;
        this.operatorKeySha256 = config.operatorKey() == null ? null
                : Authenticator.sha256(config.operatorKey()).getBytes(StandardCharsets.US_ASCII);
        RequestValidator validator = new RequestValidator(client, config);
        RuntimeConfig runtime = runtime(config);
        Bodies bodies = new Bodies(config, metrics);
        RunSlots slots = new RunSlots(limiter, metrics, watcher);
        this.sessionRoutes = new SessionRoutes(config, validator, slots, sessions, metrics, runtime, bodies);
        this.runs = new RunRoutes(config, client, validator, slots, metrics, watcher, runtime, bodies,
                sessionRoutes);
        this.files = new FileRoutes(config, slots, bodies, sessionRoutes);
    }

    RunRoutes runs() {
        return runs;
    }

    SessionRoutes sessions() {
        return sessionRoutes;
    }

    FileRoutes files() {
        return files;
    }

    /** The box set-up of every session the server opens (default hardening plus the configured labels). */
    static RuntimeConfig runtime(ServerConfig config) {
        RuntimeConfig.Builder rb = RuntimeConfig.builder();
        config.labels().forEach(rb::label);
        return rb.build();
    }

    // ------------------------------------------------------------------ filters

    /** The routes the operator listener serves; everything else is 404 there. */
    static final Set<String> OPERATOR_PATHS = Set.of("/metrics", "/readyz", "/healthz");

    /**
     * Every request: an id and an audit entry; 404 for anything but the operator endpoints on the operator listener;
     * 413 at once when the declared body is larger than any route accepts (without waiting for a body that may never
     * come).
     */
    void begin(Context ctx) {
        String id = UUID.randomUUID().toString();
        ctx.attribute(ENTRY, new AuditLog.Entry(id));
        ctx.header("X-Request-Id", id);
        if (onOperatorListener(ctx.req().getLocalPort()) && !OPERATOR_PATHS.contains(ctx.path())) {
            throw new ApiException(404, Problem.ROUTE_NOT_FOUND, "the operator listener serves only "
                    + OPERATOR_PATHS.stream().sorted().toList());
        }
        checkDeclaredLength(ctx.req().getContentLengthLong(), Math.max(config.maxBodySize().bytes(),
                config.maxFileSize().bytes()), () -> ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE));
    }

    boolean onOperatorListener(int localPort) {
        int p = operatorPort.getAsInt();
        return p > 0 && p == localPort;
    }

    /**
     * Refuses a request whose declared {@code Content-Length} exceeds {@code max}, before any of its body is read.
     *
     * @param close marks the connection to be closed (the body is not read)
     * @throws ApiException 413
     */
    void checkDeclaredLength(long declared, long max, Runnable close) {
        if (declared > max) {
            close.run();
            throw tooLarge("the request body is " + declared + " bytes; this server accepts at most " + max
                    + " bytes (max_body_size, max_file_size)", max);
        }
    }

    /**
     * {@code /metrics} and {@code /readyz}: the operator's, not a tenant's. Open on the operator listener, without
     * API keys (loopback only) and with {@code open_operator_endpoints}; else they need the operator key.
     *
     * @throws ApiException 401 without the operator key
     */
    void authenticateOperator(Context ctx) {
        if (onOperatorListener(ctx.req().getLocalPort()) || !auth.enabled() || config.openOperatorEndpoints()) {
            return;
        }
        String presented = Authenticator.presented(ctx.header("Authorization"), ctx.header("X-API-Key"));
        if (operatorKeySha256 != null && presented != null && MessageDigest.isEqual(operatorKeySha256,
                Authenticator.sha256(presented).getBytes(StandardCharsets.US_ASCII))) {
            return;
        }
        throw new ApiException(401, Problem.UNAUTHORIZED, ctx.path() + " is for the server's operator: "
                + (config.operatorKey() != null ? "send the operator key (operator_key)"
                        : "configure operator_key or operator_port (or open_operator_endpoints: true)")
                + "; API keys are not accepted here");
    }

    /** {@code /v1/*}: refuses requests while shutting down, and authenticates. */
    void authenticate(Context ctx) {
        AuditLog.Entry entry = entry(ctx);
        Caller caller = admit(ctx.header("Authorization"), ctx.header("X-API-Key"));
        entry.tenant = caller.tenant();
        entry.keyId = caller.keyId();
        ctx.attribute(CALLER, caller);
    }

    /**
     * Admits a request to the REST API or to {@code /mcp}: the caller its API key names.
     *
     * @throws ApiException 503 (with a {@code Retry-After}) while the server is shutting down, 401 without a valid
     *     key
     */
    Caller admit(@Nullable String authorization, @Nullable String apiKey) {
        if (draining.getAsBoolean()) {
            throw new ApiException(503, Problem.SHUTTING_DOWN, "the server is shutting down; retry on another "
                    + "instance or later", Map.of(), limiter.retryAfterSeconds(), null);
        }
        return auth.authenticate(authorization, apiKey);
    }

    // ------------------------------------------------------------------ service endpoints

    /** {@code GET /v1/languages}. */
    void languages(Context ctx) {
        json(ctx, 200, Map.of("languages", languages.get()));
    }

    /** {@code GET /healthz}: the process is up. */
    void healthz(Context ctx) {
        json(ctx, 200, Map.of("status", "ok"));
    }

    /** {@code GET /readyz}: ready to take work (not shutting down, engine answering). */
    void readyz(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (draining.getAsBoolean()) {
            m.put("status", "shutting_down");
            json(ctx, 503, m);
            return;
        }
        String engineProblem = languages.engineProblem();
        m.put("status", engineProblem == null ? "ready" : "engine_unavailable");
        m.put("backend", client.backendName());
        if (engineProblem != null) {
            m.put("detail", engineProblem);
        }
        m.put("sessions", sessions.size());
        m.put("runs_in_flight", limiter.inFlight());
        m.put("runs_waiting", limiter.waiting());
        json(ctx, engineProblem == null ? 200 : 503, m);
    }

    /** {@code GET /metrics}: Prometheus text format. */
    void metrics(Context ctx) {
        ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private ApiException tooLarge(String detail, long limit) {
        metrics.rejected("too_large");
        return ApiException.tooLarge(detail, limit);
    }

    // ------------------------------------------------------------------ shared by the routes

    static ResourceLimits limits(@Nullable Integer memoryMb) {
        return memoryMb == null ? ResourceLimits.defaults()
                : ResourceLimits.defaults().toBuilder().memory(DataSize.ofMegabytes(memoryMb)).build();
    }

    static boolean wantsStream(Context ctx) {
        return AcceptHeader.prefersEventStream(ctx.header("Accept"));
    }

    static Caller caller(Context ctx) {
        Caller c = ctx.attribute(CALLER);
        if (c == null) {
            throw new IllegalStateException("no caller: the authentication filter did not run");
        }
        return c;
    }

    static AuditLog.Entry entry(Context ctx) {
        AuditLog.Entry e = ctx.attribute(ENTRY);
        if (e == null) {
            e = new AuditLog.Entry(UUID.randomUUID().toString());
            ctx.attribute(ENTRY, e);
        }
        return e;
    }

    static void json(Context ctx, int status, Object body) {
        if (Boolean.TRUE.equals(ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION))) {
            ctx.header("Connection", "close");
        }
        ctx.status(status).contentType(JSON).result(Wire.write(body));
    }


    /** Writes a problem document (RFC 9457); see {@link ApiErrors#problem}. */
    static void problem(Context ctx, ApiException e) {
        ApiErrors.problem(ctx, e);
    }
}
