package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.entry;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.text.Texts;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Problem documents (RFC 9457): what a handler throws, mapped to a status and one type per exception subtype. */
final class ApiErrors {
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {}

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
        ctx.attribute(Api.PROBLEM_WRITTEN, Boolean.TRUE);
        ctx.status(e.status).contentType(Api.PROBLEM_JSON).result(Wire.write(body));
    }

    /**
     * {@link #translate(Throwable, AuditLog.Entry)}, counting the library's refusals for capacity in
     * {@code sandbox_requests_rejected_total}: {@code too_many_creations} ({@link SandboxBusyException}: as many boxes
     * are being created as the client may, and its creation queue is full) and {@code pool_exhausted}.
     */
    static ApiException translate(Throwable t, AuditLog.Entry entry, ServerMetrics metrics) {
        ApiException api = translate(t, entry);
        if (t instanceof SandboxBusyException) {
            metrics.rejected("too_many_creations");
        } else if (t instanceof PoolExhaustedException) {
            metrics.rejected("pool_exhausted");
        }
        return api;
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
                // as many boxes are being created as the engine sustains, and the queue for it is full
                case SandboxBusyException e -> new ApiException(429, Problem.TOO_MANY_REQUESTS, message(e),
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

    static String message(Throwable e) {
        return Texts.sanitize(e.getMessage() == null ? e.toString() : e.getMessage(), 1000);
    }


    /** A path the session refused (e.g. a symbolic link the box made that leads outside /workspace and /tmp). */
    static ApiException invalidPath(IllegalArgumentException e) {
        return new ApiException(400, Problem.INVALID_PATH, message(e), Map.of("field", "path"), null, e);
    }
}
