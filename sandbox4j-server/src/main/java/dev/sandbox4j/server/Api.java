package dev.sandbox4j.server;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.Command;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The request handlers of the HTTP API. Stateless apart from the shared, thread-safe components it is given. */
@SuppressWarnings("try") // permits and uses are held for the scope of a try block, not referenced
final class Api {
    private static final Logger log = LoggerFactory.getLogger(Api.class);

    static final String ENTRY = "sandbox4j.audit-entry";
    static final String CALLER = "sandbox4j.caller";
    static final String PROBLEM_WRITTEN = "sandbox4j.problem-written";
    static final String JSON = "application/json";
    static final String PROBLEM_JSON = "application/problem+json";
    /** Comment sent on an SSE stream while the program is silent (keeps proxies from timing out). */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** How much of an oversized body is read and thrown away so the client sees the 413 (beyond: close). */
    static final long DRAIN_LIMIT = 64L * 1024 * 1024;
    /** Status recorded (not sent: nobody listens) for requests whose client hung up mid-run, as nginx does. */
    static final int CLIENT_CLOSED = 499;

    private final ServerConfig config;
    private final SandboxClient client;
    private final RequestValidator validator;
    private final RunLimiter limiter;
    private final SessionRegistry sessions;
    private final ServerMetrics metrics;
    private final DisconnectWatcher watcher;
    private final Authenticator auth;
    private final RuntimeConfig runtime;
    private final BooleanSupplier draining;
    private final LanguagesCache languages;
    /** The local port of the operator listener, -1 if there is none. */
    private final IntSupplier operatorPort;
    private final byte @Nullable [] operatorKeySha256;

    Api(ServerConfig config, SandboxClient client, RunLimiter limiter, SessionRegistry sessions,
            ServerMetrics metrics, DisconnectWatcher watcher, Authenticator auth, BooleanSupplier draining,
            IntSupplier operatorPort) {
        this.config = config;
        this.client = client;
        this.validator = new RequestValidator(client, config);
        this.limiter = limiter;
        this.sessions = sessions;
        this.metrics = metrics;
        this.watcher = watcher;
        this.auth = auth;
        this.draining = draining;
        this.runtime = runtime(config);
        this.languages = new LanguagesCache(client);
        this.operatorPort = operatorPort;
        this.operatorKeySha256 = config.operatorKey() == null ? null
                : Authenticator.sha256(config.operatorKey()).getBytes(StandardCharsets.US_ASCII);
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

    // ------------------------------------------------------------------ one-shot runs

    /** {@code POST /v1/execute}: a fresh box, one run, box removed (in the background, after the answer). */
    void execute(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        Wire.ExecuteRequest req = Wire.read(jsonBody(ctx), Wire.ExecuteRequest.class);
        RequestValidator.RunSpec spec = validator.run(req, true);
        String language = spec.language();
        entry.language = language;
        try (RunLimiter.Permit p = acquire(caller)) {
            SessionOptions options = SessionOptions.builder()
                    .limits(limits(spec.memoryMb()))
                    .runtime(runtime)
                    .sessionTimeout(config.maxSessionLifetime())
                    .principal(caller.principal())
                    .build();
            boolean policyApplied = config.policy() != null || spec.policy() != null;
            runAndRespond(ctx, entry, "execute", language, false, policyApplied, Map.of(), (cancel, listener) -> {
                ExecutionResult blocked = precheck(language, spec.code(), spec.policy());
                if (blocked != null) {
                    return blocked;
                }
                long t0 = System.nanoTime();
                SandboxSession s = client.openSession(language, options);
                long t1 = System.nanoTime();
                metrics.phase("open", language, t1 - t0);
                entry.sessionId = s.id();
                try {
                    cancel.onCancel(s::close);
                    spec.files().forEach(s::putFile);
                    ExecutionResult r = s.run(spec.code(), runOptions(spec, listener, false));
                    metrics.phase("run", language, System.nanoTime() - t1);
                    return r;
                } finally {
                    // the answer does not wait for the box's removal; shutdown (client.close) waits for it
                    Thread.ofVirtual().name("sandbox4j-close-" + s.id()).start(() -> {
                        long t2 = System.nanoTime();
                        s.close();
                        metrics.phase("close", language, System.nanoTime() - t2);
                    });
                }
            });
        }
    }

    // ------------------------------------------------------------------ sessions

    /** {@code POST /v1/sessions}. */
    void createSession(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        Wire.CreateSessionRequest req = Wire.read(jsonBody(ctx), Wire.CreateSessionRequest.class);
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
                    .limits(limits(spec.memoryMb()))
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

    /** {@code POST /v1/sessions/{id}/execute}. */
    void sessionExecute(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        ManagedSession ms = session(ctx);
        Wire.ExecuteRequest req = Wire.read(jsonBody(ctx), Wire.ExecuteRequest.class);
        RequestValidator.RunSpec spec = validator.run(req, false);
        String language = ms.session.language();
        if (spec.language() != null && !spec.language().equals(language)) {
            throw ApiException.invalidField("language", "session '" + ms.id() + "' runs " + language + ", not "
                    + spec.language() + "; open another session for it");
        }
        if (spec.memoryMb() != null) {
            throw ApiException.invalidField("memory_mb", "memory_mb is fixed when a session is created; "
                    + "give it to POST /v1/sessions");
        }
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            boolean policyApplied = config.policy() != null || spec.policy() != null || ms.requestPolicy != null;
            runAndRespond(ctx, entry, "session_execute", language, true, policyApplied,
                    Map.of("session_id", ms.id()), (cancel, listener) -> {
                        ExecutionResult blocked = precheck(language, spec.code(), ms.requestPolicy);
                        if (blocked == null) {
                            blocked = precheck(language, spec.code(), spec.policy());
                        }
                        if (blocked != null) {
                            return blocked;
                        }
                        long t0 = System.nanoTime();
                        spec.files().forEach(ms.session::putFile);
                        ExecutionResult r = ms.session.run(spec.code(),
                                runOptions(spec, listener, ms.session.isStateful()));
                        metrics.phase("run", language, System.nanoTime() - t0);
                        return r;
                    });
        }
    }

    /** {@code POST /v1/sessions/{id}/install}. */
    void install(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        ManagedSession ms = session(ctx);
        Wire.InstallRequest req = Wire.read(jsonBody(ctx), Wire.InstallRequest.class);
        List<String> libraries = validator.libraries(req.libraries(), true);
        String language = ms.session.language();
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            runAndRespond(ctx, entry, "install", language, true, false, Map.of("session_id", ms.id()),
                    (cancel, listener) -> {
                        long t0 = System.nanoTime();
                        ExecutionResult r = ms.session.install(libraries);
                        metrics.phase("install", language, System.nanoTime() - t0);
                        return r;
                    });
        }
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

    /** {@code POST /v1/sessions/{id}/commands}: one command, or several in sequence. */
    void commands(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        ManagedSession ms = session(ctx);
        Wire.CommandsRequest req = Wire.read(jsonBody(ctx), Wire.CommandsRequest.class);
        RequestValidator.CommandSpec spec = validator.commands(req);
        String language = ms.session.language();
        RunOptions.Builder options = RunOptions.builder().timeout(spec.timeout()).stdin(spec.stdin())
                .workdir(spec.workdir());
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            if (!spec.sequence()) {
                runAndRespond(ctx, entry, "command", language, true, false, Map.of("session_id", ms.id()),
                        (cancel, listener) -> ms.session.exec(spec.commands().get(0),
                                options.listener(listener).build()));
                return;
            }
            List<Command> commands = spec.commands().stream().map(argv -> new Command(argv, null)).toList();
            RunCancellation cancel = new RunCancellation(true);
            List<ExecutionResult> results;
            try (DisconnectWatcher.Watch w = watcher.watch(ctx, cancel::cancel)) {
                results = ms.session.execSequence(commands, options.build());
            } catch (RuntimeException e) {
                if (cancel.isCancelled()) {
                    entry.cancelled = true;
                    ctx.status(CLIENT_CLOSED);
                    return;
                }
                throw e;
            } finally {
                cancel.finish();
            }
            results.forEach(r -> metrics.run("command", language, r));
            ExecutionResult last = results.get(results.size() - 1);
            entry.runStatus = last.status().wireName();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("session_id", ms.id());
            body.put("status", last.status().wireName());
            body.put("results", results.stream().map(Wire::result).toList());
            json(ctx, 200, body);
        }
    }

    // ------------------------------------------------------------------ files

    /** {@code PUT /v1/sessions/{id}/files/{path}}: the body is the file's bytes. */
    void putFile(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String path = RequestValidator.path("path", ctx.pathParam("path"));
        byte[] content = body(ctx, config.maxFileSize().bytes(), "file", "max_file_size");
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            ms.session.putFile(path, content);
        } catch (IllegalArgumentException e) {
            throw invalidPath(e); // e.g. a symbolic link the box made that leads outside /workspace and /tmp
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("path", path);
        body.put("size", content.length);
        json(ctx, 201, body);
    }

    /** {@code GET /v1/sessions/{id}/files/{path}}: the file's bytes. */
    void getFile(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String path = RequestValidator.path("path", ctx.pathParam("path"));
        byte[] content;
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            content = ms.session.getFile(path, config.maxFileSize());
        } catch (FileTooLargeException big) {
            long limit = big.limit().bytes();
            throw tooLarge("file '" + Texts.sanitize(path, 120) + "' is "
                    + (big.size().isPresent() ? big.size().getAsLong() : "more than " + limit) + " bytes; downloads "
                    + "are limited to " + limit + " bytes (max_file_size)", limit);
        } catch (IllegalArgumentException e) {
            throw invalidPath(e); // e.g. a symbolic link the box made that leads outside /workspace and /tmp
        }
        ctx.status(200).contentType("application/octet-stream").result(content);
    }

    private static ApiException invalidPath(IllegalArgumentException e) {
        return new ApiException(400, Problem.INVALID_PATH, message(e), Map.of("field", "path"), null, e);
    }

    /** {@code GET /v1/sessions/{id}/files?dir=}: the entries of a directory (not recursive). */
    void listFiles(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String dir = ctx.queryParam("dir");
        dir = dir == null || dir.isEmpty() ? "." : RequestValidator.path("dir", dir);
        ExecutionResult r;
        try (RunLimiter.Permit p = acquire(caller); ManagedSession.Use u = ms.use()) {
            r = ms.session.exec(List.of("/bin/sh", "-c", LIST_SCRIPT, "list", dir, runtime.workdir()),
                    RunOptions.builder().timeout(Duration.ofSeconds(30)).outputLimit(DataSize.ofMegabytes(4)).build());
        }
        if (r.exitCode() == 2) {
            throw ApiException.notFound(Problem.FILE_NOT_FOUND, "there is no directory '"
                    + Texts.sanitize(dir, 120) + "' in session '" + ms.id() + "'");
        }
        if (r.exitCode() == 3) {
            throw new ApiException(400, Problem.INVALID_PATH, "'" + Texts.sanitize(dir, 120)
                    + "' is not a directory", Map.of("field", "dir"), null, null);
        }
        if (r.exitCode() == 4) {
            throw new ApiException(400, Problem.INVALID_PATH, "'" + Texts.sanitize(dir, 120) + "' "
                    + Texts.sanitize(r.stderr().strip(), 160) + " (through a symbolic link in the box), outside "
                    + runtime.workdir() + " and /tmp", Map.of("field", "dir"), null, null);
        }
        if (r.status() != ExecutionStatus.OK && r.status() != ExecutionStatus.OUTPUT_LIMIT) {
            throw new BackendException(client.backendName(), "listing '" + Texts.sanitize(dir, 120) + "' failed ("
                    + r.status().wireName() + "): " + Texts.sanitize(r.stderr(), 300), null);
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        for (String line : r.stdout().split("\0")) {
            String[] f = line.split("\t", 4);
            if (f.length < 4) {
                continue;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", f[3]);
            e.put("path", dir.equals(".") ? f[3] : (dir.endsWith("/") ? dir : dir + "/") + f[3]);
            e.put("type", switch (f[0]) {
                case "f" -> "file";
                case "d" -> "directory";
                case "l" -> "symlink";
                default -> "other";
            });
            e.put("size", parseLong(f[1]));
            e.put("modified_at", epochToIso(f[2]));
            entries.add(e);
        }
        entries.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", ms.id());
        body.put("dir", dir);
        body.put("entries", entries);
        body.put("truncated", r.stdoutTruncated());
        json(ctx, 200, body);
    }

    /**
     * Lists directory $1's entries as type, size, mtime and name, NUL-terminated; exit 2 missing, 3 not a directory, 4
     * it resolves (through a link the box made) outside $2 (the work directory) and /tmp. {@code cd -P} pins the
     * directory, so the check holds for what {@code find} lists.
     */
    static final String LIST_SCRIPT = "if [ -d \"$1\" ] && [ ! -L \"$1\" ]; then "
            + "cd -P -- \"$1\" || exit 1; r=$(pwd -P); case \"$r\" in \"$2\"|\"$2\"/*|/tmp|/tmp/*) ;; "
            + "*) echo \"resolves to $r\" >&2; exit 4;; esac; "
            + "exec find . -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%T@\\t%f\\0'; "
            + "elif [ -e \"$1\" ] || [ -L \"$1\" ]; then echo 'not a directory' >&2; exit 3; "
            + "else echo 'no such directory' >&2; exit 2; fi";

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static @Nullable String epochToIso(String s) {
        try {
            double d = Double.parseDouble(s);
            return Instant.ofEpochMilli((long) (d * 1000)).toString();
        } catch (NumberFormatException e) {
            return null;
        }
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
        json(ctx, engineProblem == null ? 200 : 503, m);
    }

    /** {@code GET /metrics}: Prometheus text format. */
    void metrics(Context ctx) {
        ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    // ------------------------------------------------------------------ the run machinery

    /** The work of one run; it may register how to cancel it, and streams output to the listener. */
    @FunctionalInterface
    interface Work {
        ExecutionResult run(RunCancellation cancel, OutputListener listener);
    }

    /**
     * Runs {@code work} and answers with its result: as one JSON document, or as server-sent events when the client
     * accepts {@code text/event-stream}. If the client hangs up meanwhile, the run is cancelled and nothing is sent.
     */
    private void runAndRespond(Context ctx, AuditLog.Entry entry, String kind, String language, boolean interrupt,
            boolean policyApplied, Map<String, Object> extra, Work work) {
        boolean stream = wantsStream(ctx);
        RunCancellation cancel = new RunCancellation(interrupt);
        SseStream sse = null;
        ExecutionResult result = null;
        RuntimeException failure = null;
        try (DisconnectWatcher.Watch w = watcher.watch(ctx, cancel::cancel)) {
            OutputListener listener = OutputListener.NONE;
            if (stream) {
                entry.streamed = true;
                ctx.status(200);
                ctx.res().setContentType("text/event-stream; charset=utf-8");
                ctx.res().setHeader("Cache-Control", "no-cache");
                ctx.res().setHeader("X-Accel-Buffering", "no");
                ctx.res().flushBuffer();
                sse = new SseStream(ctx.res().getOutputStream(), cancel::cancel, HEARTBEAT);
                listener = sse;
            }
            try {
                result = work.run(cancel, listener);
            } catch (RuntimeException e) {
                failure = e;
            }
        } catch (IOException e) {
            cancel.cancel(); // the stream could not even start: the client is gone
        } finally {
            cancel.finish();
        }
        if (result != null) {
            metrics.run(kind, language, result);
            entry.runStatus = result.status().wireName();
            entry.violations = result.violations().size();
            if (policyApplied) {
                entry.policy = result.status() == ExecutionStatus.BLOCKED_BY_POLICY ? "blocked" : "allowed";
            }
        }
        if (cancel.isCancelled() || (sse != null && sse.isBroken())) {
            entry.cancelled = true;
            log.info("Request {} ({} {}): the client hung up; the run was cancelled", entry.requestId, kind, language);
            if (sse == null) {
                ctx.status(CLIENT_CLOSED);
            }
            return;
        }
        if (failure != null) {
            if (sse == null) {
                throw failure;
            }
            ApiException api = translate(failure, entry);
            entry.problem = api.type.slug;
            sse.finish("error", Wire.problem(api, ctx.path()));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>(extra);
        body.putAll(Wire.result(result));
        if (sse != null) {
            sse.finish("result", body);
        } else {
            json(ctx, 200, body);
        }
    }

    /** The request's own policy check (on top of the server's, which the session applies itself). */
    private @Nullable ExecutionResult precheck(String language, String code, @Nullable SecurityPolicy policy) {
        if (policy == null) {
            return null;
        }
        PolicyVerdict v = client.check(language, code, policy);
        if (v.allowed()) {
            return null;
        }
        return ExecutionResult.blockedByPolicy(v);
    }

    private RunOptions runOptions(RequestValidator.RunSpec spec, OutputListener listener, boolean stateful) {
        boolean capture = spec.captureArtifacts() != null ? spec.captureArtifacts() : !stateful;
        return RunOptions.builder()
                .timeout(spec.timeout())
                .stdin(spec.stdin())
                .args(spec.args())
                .libraries(spec.libraries())
                .captureArtifacts(capture)
                .listener(listener)
                .build();
    }

    private static ResourceLimits limits(@Nullable Integer memoryMb) {
        return memoryMb == null ? ResourceLimits.defaults()
                : ResourceLimits.defaults().toBuilder().memory(DataSize.ofMegabytes(memoryMb)).build();
    }

    private RunLimiter.Permit acquire(Caller caller) {
        try {
            return limiter.acquire(caller);
        } catch (ApiException e) {
            metrics.rejected("too_many_runs");
            throw e;
        }
    }

    private ManagedSession session(Context ctx) {
        String id = ctx.pathParam("id");
        entry(ctx).sessionId = id;
        ManagedSession ms = sessions.get(caller(ctx), id);
        entry(ctx).language = ms.session.language();
        return ms;
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

    // ------------------------------------------------------------------ bodies and responses

    private byte[] jsonBody(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type != null && !type.isBlank() && !type.toLowerCase(Locale.ROOT).contains("json")) {
            drain(ctx, 0);
            throw new ApiException(415, Problem.UNSUPPORTED_MEDIA_TYPE, "Expected Content-Type application/json but "
                    + "was '" + Texts.sanitize(type, 80) + "'");
        }
        return body(ctx, config.maxBodySize().bytes(), "request body", "max_body_size");
    }

    /**
     * Reads the request body, at most {@code max} bytes.
     *
     * @throws ApiException 413 when it is larger (the rest is read and dropped, up to {@link #DRAIN_LIMIT}, so the
     *     client gets to see the answer)
     */
    private byte[] body(Context ctx, long max, String what, String setting) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            if (declared <= DRAIN_LIMIT) {
                drain(ctx, 0); // it is on its way: take it, so the client gets to read the answer
            } else {
                ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE); // do not wait for it
            }
            throw tooLarge(what + " is " + declared + " bytes; the limit is " + max + " bytes (" + setting + ")", max);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), max));
            byte[] buf = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > max) {
                    drain(ctx, total);
                    throw tooLarge(what + " is larger than the limit of " + max + " bytes (" + setting + ")", max);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new ApiException(400, Problem.INVALID_REQUEST, "could not read the request body: "
                    + Texts.sanitize(String.valueOf(e.getMessage()), 200), Map.of(), null, e);
        }
    }

    private ApiException tooLarge(String detail, long limit) {
        metrics.rejected("too_large");
        return ApiException.tooLarge(detail, limit);
    }

    /** Reads and drops the rest of the body (bounded), or marks the connection to be closed. */
    private static void drain(Context ctx, long alreadyRead) {
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] buf = new byte[65536];
            long total = alreadyRead;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > DRAIN_LIMIT) {
                    ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE);
        }
    }

    static void json(Context ctx, int status, Object body) {
        if (Boolean.TRUE.equals(ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION))) {
            ctx.header("Connection", "close");
        }
        ctx.status(status).contentType(JSON).result(Wire.write(body));
    }

    /** Writes a problem document (RFC 9457). */
    static void problem(Context ctx, ApiException e) {
        AuditLog.Entry entry = entry(ctx);
        entry.problem = e.type.slug;
        e.headers().forEach(ctx::header);
        if (Boolean.TRUE.equals(ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION))) {
            ctx.header("Connection", "close");
        }
        Map<String, Object> body = Wire.problem(e, ctx.path());
        body.put("request_id", entry.requestId);
        ctx.attribute(PROBLEM_WRITTEN, Boolean.TRUE);
        ctx.status(e.status).contentType(PROBLEM_JSON).result(Wire.write(body));
    }

    /** Maps anything a handler throws to a problem: caller mistakes 4xx, sandbox failures 5xx (one type each). */
    static ApiException translate(Throwable t, AuditLog.Entry entry) {
        if (t instanceof ApiException e) {
            return e;
        }
        if (t instanceof SandboxException se) {
            return switch (se) {
                case BackendUnavailableException e -> new ApiException(503, Problem.BACKEND_UNAVAILABLE,
                        message(e), Map.of(), 5L, e);
                case ImageUnavailableException e -> new ApiException(503, Problem.IMAGE_UNAVAILABLE, message(e));
                case BackendException e -> new ApiException(502, Problem.BACKEND_ERROR, message(e));
                case SessionClosedException e -> new ApiException(410, Problem.SESSION_CLOSED, message(e));
                case PoolExhaustedException e -> new ApiException(429, Problem.POOL_EXHAUSTED, message(e),
                        Map.of("retry_after_s", 1L), 1L, e);
            };
        }
        if (t instanceof IllegalArgumentException e) {
            return new ApiException(400, Problem.INVALID_REQUEST, message(e), Map.of(), null, e);
        }
        if (t instanceof UnsupportedOperationException e) {
            return new ApiException(400, Problem.UNSUPPORTED, message(e), Map.of(), null, e);
        }
        if (t instanceof UncheckedIOException e && e.getCause() instanceof NoSuchFileException nf) {
            return new ApiException(404, Problem.FILE_NOT_FOUND, "there is no file '"
                    + Texts.sanitize(String.valueOf(nf.getFile()), 200) + "'", Map.of(), null, e);
        }
        if (t instanceof UncheckedIOException e) {
            return new ApiException(400, Problem.INVALID_REQUEST, message(e), Map.of(), null, e);
        }
        log.error("Request {} failed", entry.requestId, t);
        return new ApiException(500, Problem.INTERNAL_ERROR, "the server failed unexpectedly; the log has the "
                + "details under request id " + entry.requestId, Map.of(), null, t);
    }

    private static String message(Throwable e) {
        return Texts.sanitize(e.getMessage() == null ? e.toString() : e.getMessage(), 1000);
    }

    /** {@code GET /v1/languages} answers from a cache: asking the engine about every image each time is too slow. */
    static final class LanguagesCache {
        private static final long TTL_NANOS = Duration.ofSeconds(10).toNanos();
        private final SandboxClient client;
        private volatile long at = Long.MIN_VALUE;
        private volatile List<Map<String, Object>> value = List.of();
        private volatile @Nullable String problem;

        LanguagesCache(SandboxClient client) {
            this.client = client;
        }

        List<Map<String, Object>> get() {
            refresh();
            return value;
        }

        @Nullable String engineProblem() {
            refresh();
            return problem;
        }

        private synchronized void refresh() {
            long now = System.nanoTime();
            if (at != Long.MIN_VALUE && now - at < TTL_NANOS) {
                return;
            }
            List<Map<String, Object>> list = new ArrayList<>();
            String p = null;
            for (String id : client.languages()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", id);
                m.put("image", client.imageFor(id));
                boolean available = false;
                if (p == null) {
                    try {
                        available = client.imageAvailable(id);
                    } catch (RuntimeException e) {
                        p = Texts.sanitize(String.valueOf(e.getMessage()), 300);
                    }
                }
                m.put("available", available);
                list.add(m);
            }
            value = List.copyOf(list);
            problem = p;
            at = now;
        }
    }
}
