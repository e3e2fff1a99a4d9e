package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.CLIENT_CLOSED;
import static dev.sandbox4j.server.Api.caller;
import static dev.sandbox4j.server.Api.entry;
import static dev.sandbox4j.server.Api.json;

import dev.sandbox4j.Command;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.PhaseTimings;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.service.ManagedSession;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes that run programs: {@code POST /v1/execute} (a one-shot run), and a session's {@code execute},
 * {@code install} and {@code commands}; each answers with the result as one JSON document or as server-sent events.
 */
@SuppressWarnings("try") // permits and uses are held for the scope of a try block, not referenced
final class RunRoutes {
    private static final Logger log = LoggerFactory.getLogger(RunRoutes.class);
    /** Comment sent on an SSE stream while the program is silent (keeps proxies from timing out). */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private final ServerConfig config;
    private final SandboxClient client;
    private final RequestValidator validator;
    private final RunSlots slots;
    private final ServerMetrics metrics;
    private final DisconnectWatcher watcher;
    private final RuntimeConfig runtime;
    private final Bodies bodies;
    private final SessionRoutes sessions;

    RunRoutes(ServerConfig config, SandboxClient client, RequestValidator validator, RunSlots slots,
            ServerMetrics metrics, DisconnectWatcher watcher, RuntimeConfig runtime, Bodies bodies,
            SessionRoutes sessions) {
        this.config = config;
        this.client = client;
        this.validator = validator;
        this.slots = slots;
        this.metrics = metrics;
        this.watcher = watcher;
        this.runtime = runtime;
        this.bodies = bodies;
        this.sessions = sessions;
    }

    // ------------------------------------------------------------------ one-shot runs

    /** {@code POST /v1/execute}: a fresh box, one run, box removed (in the background, after the answer). */
    void execute(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        Wire.ExecuteRequest req = Wire.read(bodies.jsonBody(ctx), Wire.ExecuteRequest.class);
        RequestValidator.RunSpec spec = validator.run(req, true);
        String language = spec.language();
        entry.language = language;
        long asked = System.nanoTime();
        try (RunLimiter.Permit p = acquire(ctx, caller)) {
            long queued = System.nanoTime() - asked;
            SessionOptions options = SessionOptions.builder()
                    .limits(Api.limits(spec.memoryMb()))
                    .runtime(runtime)
                    .sessionTimeout(config.maxSessionLifetime())
                    .principal(caller.principal())
                    .build();
            boolean policyApplied = config.policy() != null || spec.policy() != null;
            runAndRespond(ctx, entry, "execute", language, queued, false, policyApplied, Map.of(), (cancel, listener) -> {
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
                    return r.plusPhases(PhaseTimings.of(PhaseTimings.Phase.ACQUIRE, Duration.ofNanos(t1 - t0)));
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

    /** {@code POST /v1/sessions/{id}/execute}. */
    void sessionExecute(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        ManagedSession ms = session(ctx);
        Wire.ExecuteRequest req = Wire.read(bodies.jsonBody(ctx), Wire.ExecuteRequest.class);
        RequestValidator.RunSpec spec = validator.run(req, false);
        String language = ms.session().language();
        if (spec.language() != null && !spec.language().equals(language)) {
            throw ApiException.invalidField("language", "session '" + ms.id() + "' runs " + language + ", not "
                    + spec.language() + "; open another session for it");
        }
        if (spec.memoryMb() != null) {
            throw ApiException.invalidField("memory_mb", "memory_mb is fixed when a session is created; "
                    + "give it to POST /v1/sessions");
        }
        long asked = System.nanoTime();
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            long queued = System.nanoTime() - asked;
            boolean policyApplied = config.policy() != null || spec.policy() != null || SessionRoutes.requestPolicy(ms) != null;
            runAndRespond(ctx, entry, "session_execute", language, queued, true, policyApplied,
                    Map.of("session_id", ms.id()), (cancel, listener) -> {
                        ExecutionResult blocked = precheck(language, spec.code(), SessionRoutes.requestPolicy(ms));
                        if (blocked == null) {
                            blocked = precheck(language, spec.code(), spec.policy());
                        }
                        if (blocked != null) {
                            return blocked;
                        }
                        long t0 = System.nanoTime();
                        spec.files().forEach(ms.session()::putFile);
                        ExecutionResult r = ms.session().run(spec.code(),
                                runOptions(spec, listener, ms.session().isStateful()));
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
        Wire.InstallRequest req = Wire.read(bodies.jsonBody(ctx), Wire.InstallRequest.class);
        List<String> libraries = validator.libraries(req.libraries(), true);
        String language = ms.session().language();
        long asked = System.nanoTime();
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            runAndRespond(ctx, entry, "install", language, System.nanoTime() - asked, true, false, Map.of("session_id", ms.id()),
                    (cancel, listener) -> {
                        long t0 = System.nanoTime();
                        ExecutionResult r = ms.session().install(libraries);
                        metrics.phase("install", language, System.nanoTime() - t0);
                        return r;
                    });
        }
    }

    /** {@code POST /v1/sessions/{id}/commands}: one command, or several in sequence. */
    void commands(Context ctx) {
        Caller caller = caller(ctx);
        AuditLog.Entry entry = entry(ctx);
        ManagedSession ms = session(ctx);
        Wire.CommandsRequest req = Wire.read(bodies.jsonBody(ctx), Wire.CommandsRequest.class);
        RequestValidator.CommandSpec spec = validator.commands(req);
        String language = ms.session().language();
        RunOptions.Builder options = RunOptions.builder().timeout(spec.timeout()).stdin(spec.stdin())
                .workdir(spec.workdir());
        long asked = System.nanoTime();
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            long queued = System.nanoTime() - asked;
            if (!spec.sequence()) {
                runAndRespond(ctx, entry, "command", language, queued, true, false, Map.of("session_id", ms.id()),
                        (cancel, listener) -> ms.session().exec(spec.commands().get(0),
                                options.listener(listener).build()));
                return;
            }
            List<Command> commands = spec.commands().stream().map(argv -> new Command(argv, null)).toList();
            RunCancellation cancel = new RunCancellation(true);
            List<ExecutionResult> results;
            try (DisconnectWatcher.Watch w = watcher.watch(ctx, cancel::cancel)) {
                results = ms.session().execSequence(commands, options.build());
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
            results = new java.util.ArrayList<>(results);
            results.set(0, results.get(0).plusPhases(PhaseTimings.of(PhaseTimings.Phase.QUEUE,
                    Duration.ofNanos(queued))));
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
    private void runAndRespond(Context ctx, AuditLog.Entry entry, String kind, String language, long queuedNanos,
            boolean interrupt, boolean policyApplied, Map<String, Object> extra, Work work) {
        boolean stream = Api.wantsStream(ctx);
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
            // waiting for a run slot (and for the session's turn) comes first
            result = result.plusPhases(PhaseTimings.of(PhaseTimings.Phase.QUEUE, Duration.ofNanos(queuedNanos)));
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
            ApiException api = ApiErrors.translate(failure, entry, metrics);
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
                .cpuTimeLimit(spec.cpuTimeLimit())
                .listener(listener)
                .build();
    }

    private RunLimiter.Permit acquire(Context ctx, Caller caller) {
        return slots.acquire(ctx, caller);
    }

    private ManagedSession session(Context ctx) {
        return sessions.session(ctx);
    }
}
