package dev.sandbox4j.server;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.mcp.McpHttpEndpoint;
import dev.sandbox4j.service.SessionService;
import dev.sandbox4j.tools.SandboxTools;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox4j HTTP service: REST + SSE over a {@link SandboxClient}, with API keys, limits, metrics, an audit log
 * and a web console at {@code /}.
 *
 * <pre>{@code
 * try (SandboxServer server = SandboxServer.start(ServerConfig.builder().port(8080).build())) {
 *     server.awaitShutdown();   // until close() is called, e.g. from a shutdown hook
 * }
 * }</pre>
 *
 * <p>Life cycle. {@link #start(ServerConfig)} connects to the engine, removes boxes orphaned by sandbox4j processes
 * that died (a crashed server's, for instance) and then listens. {@link #close()} is a graceful shutdown: new API
 * requests get 503, runs in flight get {@link ServerConfig#shutdownGrace()} to finish, then every session is closed
 * and every box the server created removed. Without API keys the server listens on loopback only.
 *
 * <p>Thread-safe. Requests run on virtual threads; concurrency is bounded by {@link ServerConfig#maxConcurrentRuns()}
 * (beyond it a run waits, first come first served, in a bounded queue for a bounded time,
 * {@link ServerConfig#runQueue()} and {@link ServerConfig#runQueueWait()}, then gets 429 with {@code Retry-After}),
 * shared fairly between tenants ({@link ServerConfig#tenantRunShare()}). Connections are bounded too: deadlines for request headers and bodies, a
 * minimum body rate and a limit per client address ({@link ServerConfig#requestHeaderTimeout()} and the settings
 * after it). With API keys, {@code /metrics} and {@code /readyz} belong to the operator
 * ({@link ServerConfig#operatorKey()}, {@link ServerConfig#operatorPort()}).
 *
 * @since 0.2
 */
public final class SandboxServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxServer.class);

    /** The API routes (method, path) the server answers; the OpenAPI document describes each. */
    static final List<Map.Entry<HandlerType, String>> API_ROUTES = List.of(
            Map.entry(HandlerType.POST, "/v1/execute"),
            Map.entry(HandlerType.POST, "/v1/sessions"),
            Map.entry(HandlerType.GET, "/v1/sessions"),
            Map.entry(HandlerType.GET, "/v1/sessions/{id}"),
            Map.entry(HandlerType.DELETE, "/v1/sessions/{id}"),
            Map.entry(HandlerType.POST, "/v1/sessions/{id}/execute"),
            Map.entry(HandlerType.POST, "/v1/sessions/{id}/install"),
            Map.entry(HandlerType.POST, "/v1/sessions/{id}/reset"),
            Map.entry(HandlerType.POST, "/v1/sessions/{id}/commands"),
            Map.entry(HandlerType.GET, "/v1/sessions/{id}/files"),
            Map.entry(HandlerType.PUT, "/v1/sessions/{id}/files/{path}"),
            Map.entry(HandlerType.GET, "/v1/sessions/{id}/files/{path}"),
            Map.entry(HandlerType.GET, "/v1/languages"),
            Map.entry(HandlerType.GET, "/healthz"),
            Map.entry(HandlerType.GET, "/readyz"),
            Map.entry(HandlerType.GET, "/metrics"),
            Map.entry(HandlerType.GET, "/openapi.json"));

    private final ServerConfig config;
    private final SandboxClient client;
    private final boolean ownsClient;
    private final AuditLog audit;
    private final RunLimiter limiter;
    /** Every managed session of the server, whichever door opened it (REST, /mcp): one cap, one listing, one reaper. */
    private final SessionService sessions;
    private final ServerMetrics metrics;
    private final DisconnectWatcher watcher = new DisconnectWatcher();
    private final Api api;
    private final Javalin app;
    private final String host;
    private final ScheduledExecutorService reaper;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final byte[] openApi;
    /** The MCP tools ({@code /mcp}): sessions in {@link #sessions}, scoped by tenant and MCP session. */
    private final SandboxTools mcpTools;
    private final McpHttpEndpoint mcp;
    /** Deadlines and limits of connections; made when Jetty's server is (at start). */
    private @Nullable ConnectionGuard guard;
    /** The listener of /metrics, /readyz and /healthz alone (operator_port), if configured. */
    private volatile @Nullable ServerConnector operatorConnector;

    private SandboxServer(ServerConfig config, SandboxClient client, boolean ownsClient, AuditLog audit) {
        this.config = config;
        this.client = client;
        this.ownsClient = ownsClient;
        this.audit = audit;
        this.host = effectiveHost(config);
        long tenants = config.apiKeys().stream().map(ApiKey::tenant).distinct().count();
        this.limiter = new RunLimiter(config.maxConcurrentRuns(), config.retryAfter(),
                config.effectiveTenantRunShare(), tenants > 1, config.effectiveRunQueue(), config.runQueueWait());
        Map<String, Integer> keyLimits = new HashMap<>();
        for (ApiKey k : config.apiKeys()) { // a key's cap counts its sessions through every door
            keyLimits.put(k.tenant() + "/" + k.id(), k.maxSessions() == 0 ? config.maxSessions()
                    : Math.min(k.maxSessions(), config.maxSessions()));
        }
        this.sessions = SessionService.builder(client)
                .maxSessions(config.maxSessions())
                .idleTimeout(config.sessionIdleTimeout())
                .maxLifetime(config.maxSessionLifetime())
                .principalLimit(o -> o.principal() == null ? 0 : keyLimits.getOrDefault(o.principal(), 0))
                .reaperInterval(Duration.ZERO) // the server's reaper runs it, every session_check_interval
                .build();
        this.metrics = new ServerMetrics(sessions::size, limiter::inFlight, limiter::waiting, client);
        sessions.addListener(new SessionService.Listener() {
            @Override
            public void closed(dev.sandbox4j.service.ManagedSession session, String reason, Duration took) {
                metrics.sessionClosed(reason);
            }
        });
        Authenticator auth = new Authenticator(config.apiKeys(), config.maxSessions(), config.maxConcurrentRuns());
        this.api = new Api(config, client, limiter, sessions, metrics, watcher, auth, draining::get,
                this::operatorPort);
        this.openApi = resource("openapi.json");
        this.mcpTools = SandboxTools.builder(client)
                .sessionOptions(SessionOptions.builder().runtime(Api.runtime(config)).build())
                .idleTimeout(config.sessionIdleTimeout())
                .maxTimeout(config.maxRunTimeout())
                .sessionService(sessions)
                .build();
        this.mcp = McpHttpEndpoint.create(mcpTools, MCP_PATH);
        this.app = createApp();
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox4j-session-reaper");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to the engine (the configured backend, else auto-detected), removes boxes orphaned by dead sandbox4j
     * processes, and starts listening.
     *
     * @throws dev.sandbox4j.BackendUnavailableException if no container engine can be used
     * @throws IllegalStateException if the port cannot be bound
     */
    public static SandboxServer start(ServerConfig config) {
        requireNonNull(config, "config");
        AuditLog audit = AuditLog.open(config.auditLog());
        SandboxClient client;
        try {
            SandboxClient.Builder b = clientBuilder(config, audit.libraryListener());
            client = b.build();
        } catch (RuntimeException e) {
            audit.close();
            throw e;
        }
        try {
            List<String> orphans = client.removeOrphans();
            log.info("Using {} ({}); removed {} box(es) orphaned by earlier processes", client.backendName(),
                    client.backendDescription(), orphans.size());
            return start(config, client, true, audit);
        } catch (RuntimeException e) {
            client.close();
            audit.close();
            throw e;
        }
    }

    /** The builder of the client a server makes for itself: the engine, images, pools and bounds of {@code config}. */
    static SandboxClient.Builder clientBuilder(ServerConfig config, SandboxEventListener listener) {
        SandboxClient.Builder b = SandboxClient.builder()
                .reapOrphans(false) // start(config) does it, synchronously, before the first request
                .eventListener(listener)
                .principal("sandbox4j-server")
                .defaultTimeout(config.defaultRunTimeout())
                .policy(config.policy());
        if (config.backend() != null) {
            b.backend(config.backend());
        }
        config.images().forEach(b::image);
        if (config.maxConcurrentCreations() != null) {
            b.maxConcurrentCreations(config.maxConcurrentCreations());
        }
        if (config.creationQueue() != null) {
            b.creationQueue(config.creationQueue());
        }
        RuntimeConfig runtime = Api.runtime(config);
        config.pools().forEach((language, ready) -> b.pool(PoolConfig.builder(language).minSize(ready)
                .maxSize(Math.max(ready, PoolConfig.DEFAULT_MAX_SIZE)).runtime(runtime)
                .maxUses(config.poolMaxUses().getOrDefault(language, PoolConfig.DEFAULT_MAX_USES)).build()));
        return b;
    }

    /**
     * Starts a server on an existing client (tests, embedding). The client's boxes are removed on {@link #close()}
     * only if {@code ownsClient}; the sessions the server opened always are. Orphans are not looked for.
     */
    public static SandboxServer start(ServerConfig config, SandboxClient client, boolean ownsClient) {
        return start(config, client, ownsClient, AuditLog.open(config.auditLog()));
    }

    private static SandboxServer start(ServerConfig config, SandboxClient client, boolean ownsClient,
            AuditLog audit) {
        SandboxServer server = new SandboxServer(requireNonNull(config, "config"), requireNonNull(client, "client"),
                ownsClient, audit);
        server.startListening();
        return server;
    }

    private void startListening() {
        if (!config.authEnabled()) {
            if (!host.equals(config.host())) {
                log.warn("No API keys configured: authentication is OFF, so the server listens on {} only, not on "
                        + "{} as configured. Configure API keys to listen on other interfaces.", host, config.host());
            } else {
                log.warn("No API keys configured: authentication is OFF; listening on loopback ({}) only, so only "
                        + "this machine can use the server", host);
            }
        }
        try {
            app.start(host, config.port());
        } catch (RuntimeException e) {
            shutdownComponents();
            throw new IllegalStateException("cannot listen on " + host + ":" + config.port() + ": " + e.getMessage(),
                    e);
        }
        // Jetty's default idle timeout would cut long, silent runs; the run's own timeout bounds them instead (and
        // the connection guard bounds slow request headers and bodies)
        long idle = config.maxRunTimeout().plusMinutes(2).toMillis();
        for (Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(idle);
            }
        }
        if (config.operatorPort() != null) {
            startOperatorListener();
        }
        long every = config.sessionCheckInterval().toMillis();
        reaper.scheduleWithFixedDelay(this::reap, every, every, TimeUnit.MILLISECONDS);
        log.info("sandbox4j server listening on {} ({} API key(s); at most {} runs at once, {} more waiting up to {} "
                + "ms, and {} sessions)", uri(), config.apiKeys().size(), config.maxConcurrentRuns(),
                config.effectiveRunQueue(), config.runQueueWait().toMillis(), config.maxSessions());
    }

    /** A second listener for /metrics, /readyz and /healthz (the API answers 404 there), with the same HTTP set-up. */
    private void startOperatorListener() {
        Server jetty = app.jettyServer().server();
        HttpConfiguration http = jetty.getConnectors()[0].getConnectionFactory(HttpConnectionFactory.class)
                .getHttpConfiguration();
        ServerConnector c = new ServerConnector(jetty, new HttpConnectionFactory(http));
        c.setHost(config.operatorHost());
        c.setPort(config.operatorPort());
        if (guard != null) {
            guard.attach(c);
        }
        jetty.addConnector(c);
        try {
            c.start();
        } catch (Exception e) {
            jetty.removeConnector(c);
            close();
            throw new IllegalStateException("cannot listen on " + config.operatorHost() + ":" + config.operatorPort()
                    + " (operator_port): " + e.getMessage(), e);
        }
        operatorConnector = c;
        log.info("Operator endpoints (/metrics, /readyz, /healthz) listening on {}:{}", config.operatorHost(),
                c.getLocalPort());
    }

    /** The port of the operator listener ({@link ServerConfig#operatorPort()}), or -1 if there is none. */
    public int operatorPort() {
        ServerConnector c = operatorConnector;
        return c == null ? -1 : c.getLocalPort();
    }

    private void reap() {
        try {
            sessions.reap();
        } catch (RuntimeException e) {
            log.warn("Session reaper: {}", e.toString());
        }
    }

    /** The port the server listens on (useful with port 0). */
    public int port() {
        return app.port();
    }

    /** The base URI, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + (h.equals("0.0.0.0") ? "127.0.0.1" : h) + ":" + port());
    }

    /** The interface the server listens on (loopback when no API keys are configured). */
    public String host() {
        return host;
    }

    /** Sessions open now, through the REST API and /mcp. */
    public int openSessions() {
        return sessions.size();
    }

    /**
     * Makes SIGTERM and SIGINT close the server gracefully ({@link #close()}, on a thread of its own) instead of
     * starting the JVM's shutdown at once, in which every {@link SandboxClient}'s own shutdown hook removes its boxes
     * while runs are still in flight. A second signal exits at once. For processes that run the server as their main
     * job ({@code sandbox4j serve}); a no-op where these signals cannot be handled.
     */
    public void closeOnSignals() {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signals.handle(name, number -> {
                    if (closing.get()) {
                        Runtime.getRuntime().exit(128 + number);
                        return;
                    }
                    log.info("SIG{}: shutting down gracefully (send it again to stop at once)", name);
                    Thread.ofPlatform().name("sandbox4j-signal-shutdown").start(this::close);
                });
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.debug("Cannot handle SIG{}: {}", name, e.toString());
            }
        }
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        closed.await();
    }

    /**
     * Graceful shutdown: refuses new API requests (503), waits up to {@link ServerConfig#shutdownGrace()} for runs in
     * flight, closes every session (removing its box), stops listening and, if it owns the client, closes it (removing
     * every box it created). Idempotent; a second caller waits for the first.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            draining.set(true);
            limiter.close(); // runs waiting for a slot get 503 now rather than a slot later
            log.info("Shutting down: waiting up to {} ms for {} run(s) in flight", config.shutdownGrace().toMillis(),
                    limiter.inFlight());
            long end = System.nanoTime() + config.shutdownGrace().toNanos();
            while (limiter.inFlight() > 0 && System.nanoTime() < end) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            reaper.shutdownNow();
            int n = sessions.size();
            mcp.close();
            mcpTools.close();
            sessions.close(); // REST and MCP sessions alike
            if (ownsClient) {
                client.close(); // also ends one-shot runs still going
            }
            try {
                app.stop();
            } catch (RuntimeException e) {
                log.warn("Stopping the HTTP server: {}", e.toString());
            }
            log.info("Stopped: closed {} session(s){}", n, ownsClient ? " and removed every box of this server" : "");
        } finally {
            shutdownComponents();
            closed.countDown();
        }
    }

    private void shutdownComponents() {
        reaper.shutdownNow();
        watcher.close();
        metrics.close();
        audit.close();
    }

    /** Loopback unless API keys are configured. */
    static String effectiveHost(ServerConfig config) {
        if (config.authEnabled() || isLoopback(config.host())) {
            return config.host();
        }
        return "127.0.0.1";
    }

    static boolean isLoopback(String host) {
        try {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ routes

    /** Where the MCP streamable HTTP endpoint answers. */
    static final String MCP_PATH = "/mcp";

    private Javalin createApp() {
        return Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = !Boolean.getBoolean("sandbox4j.platformThreads");
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = config.maxBodySize().bytes();
            cfg.http.prefer405over404 = true;
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jetty.modifyHttpConfiguration(h -> {
                h.setSendServerVersion(false);
                h.setSendXPoweredBy(false);
            });
            cfg.jetty.modifyServer(s -> {
                s.setStopTimeout(Duration.ofSeconds(5).toMillis());
                // slow headers and bodies, connections per address: before anything else sees the request
                ConnectionGuard g = new ConnectionGuard(s, config, metrics::rejected);
                s.addBean(g);
                s.insertHandler(g.handler());
                guard = g;
            });
            // MCP's streamable HTTP transport is the SDK's servlet, next to Javalin's; the filter applies our API keys
            cfg.jetty.modifyServletContextHandler(h -> {
                FilterHolder filter = new FilterHolder(new McpAuthFilter(api, mcp, config.maxBodySize().bytes()));
                filter.setAsyncSupported(true);
                h.addFilter(filter, MCP_PATH, EnumSet.of(DispatcherType.REQUEST));
                ServletHolder servlet = new ServletHolder("mcp", mcp.servlet());
                servlet.setAsyncSupported(true);
                h.addServlet(servlet, MCP_PATH);
            });
            cfg.requestLogger.http(this::logRequest);

            cfg.routes.before(api::begin);
            cfg.routes.before("/v1/*", api::authenticate);
            cfg.routes.before("/metrics", api::authenticateOperator);
            cfg.routes.before("/readyz", api::authenticateOperator);

            cfg.routes.post("/v1/execute", api.runs()::execute);
            cfg.routes.post("/v1/sessions", api.sessions()::createSession);
            cfg.routes.get("/v1/sessions", api.sessions()::listSessions);
            cfg.routes.get("/v1/sessions/{id}", api.sessions()::getSession);
            cfg.routes.delete("/v1/sessions/{id}", api.sessions()::deleteSession);
            cfg.routes.post("/v1/sessions/{id}/execute", api.runs()::sessionExecute);
            cfg.routes.post("/v1/sessions/{id}/install", api.runs()::install);
            cfg.routes.post("/v1/sessions/{id}/reset", api.sessions()::reset);
            cfg.routes.post("/v1/sessions/{id}/commands", api.runs()::commands);
            cfg.routes.get("/v1/sessions/{id}/files", api.files()::listFiles);
            cfg.routes.put("/v1/sessions/{id}/files/<path>", api.files()::putFile);
            cfg.routes.get("/v1/sessions/{id}/files/<path>", api.files()::getFile);
            cfg.routes.get("/v1/languages", api::languages);
            cfg.routes.get("/healthz", api::healthz);
            cfg.routes.get("/readyz", api::readyz);
            cfg.routes.get("/metrics", api::metrics);
            cfg.routes.get("/openapi.json", ctx -> ctx.status(200).contentType(Api.JSON).result(openApi));
            cfg.routes.get("/", ctx -> console(ctx, "index.html", "text/html; charset=utf-8"));
            cfg.routes.get("/console/console.js", ctx -> console(ctx, "console.js",
                    "text/javascript; charset=utf-8"));
            cfg.routes.get("/console/console.css", ctx -> console(ctx, "console.css", "text/css; charset=utf-8"));

            cfg.routes.exception(Exception.class, (e, ctx) -> Api.problem(ctx,
                    ApiErrors.translate(e, Api.entry(ctx), metrics)));
            // the client hung up while its run waited for a slot: nobody to answer (recorded as 499)
            cfg.routes.exception(RunLimiter.Abandoned.class, (e, ctx) -> {
                ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE);
                ctx.status(Api.CLIENT_CLOSED);
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.attribute(Api.PROBLEM_WRITTEN) == null) {
                    Api.problem(ctx, new ApiException(404, Problem.ROUTE_NOT_FOUND, "no resource at "
                            + ctx.method() + " " + dev.sandbox4j.text.Texts.sanitize(ctx.path(), 200)
                            + "; see /openapi.json"));
                }
            });
            cfg.routes.error(405, ctx -> {
                if (ctx.attribute(Api.PROBLEM_WRITTEN) == null) {
                    Api.problem(ctx, new ApiException(405, Problem.METHOD_NOT_ALLOWED, ctx.method()
                            + " is not allowed on " + dev.sandbox4j.text.Texts.sanitize(ctx.path(), 200)));
                }
            });
        });
    }

    /** The console's files: static, no secrets; a strict CSP so output shown in it can never run as script. */
    private void console(Context ctx, String file, String type) {
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(type).result(resource("console/" + file));
    }

    private static byte[] resource(String name) {
        try (InputStream in = SandboxServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void logRequest(Context ctx, @Nullable Float ms) {
        try {
            AuditLog.Entry e = Api.entry(ctx);
            int status = e.cancelled && !e.streamed ? Api.CLIENT_CLOSED : ctx.statusCode();
            long millis = ms == null ? 0 : Math.round(ms);
            String route;
            try {
                route = ctx.endpoint().path;
            } catch (RuntimeException ex) {
                route = "unmatched";
            }
            metrics.request(ctx.method().name(), route, status, millis * 1_000_000L);
            audit.write(e, ctx.method().name(), ctx.path(), status, millis, ctx.ip());
        } catch (RuntimeException ex) {
            log.warn("Could not audit a request: {}", ex.toString());
        }
    }
}
