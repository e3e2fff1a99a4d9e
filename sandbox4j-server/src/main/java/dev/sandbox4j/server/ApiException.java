package dev.sandbox4j.server;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request the server refuses, turned into an RFC 9457 {@code application/problem+json} response: an HTTP status, a
 * stable problem type (see {@link Problem}), a human-readable detail and optional extension members.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final Problem type;
    final transient Map<String, Object> extensions;
    final @Nullable Long retryAfterSeconds;

    ApiException(int status, Problem type, String detail) {
        this(status, type, detail, Map.of(), null, null);
    }

    ApiException(int status, Problem type, String detail, Map<String, Object> extensions,
            @Nullable Long retryAfterSeconds, @Nullable Throwable cause) {
        super(requireNonNull(detail, "detail"), cause);
        this.status = status;
        this.type = requireNonNull(type, "type");
        this.extensions = new LinkedHashMap<>(extensions);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The headers that go with the problem document: {@code Retry-After}, and the challenge of a 401. */
    Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        if (retryAfterSeconds != null) {
            h.put("Retry-After", Long.toString(retryAfterSeconds));
        }
        if (status == 401) {
            h.put("WWW-Authenticate", "Bearer realm=\"sandbox4j\"");
        }
        return h;
    }

    static ApiException badRequest(String detail) {
        return new ApiException(400, Problem.INVALID_REQUEST, detail);
    }

    /** 400 naming the offending field of the request body. */
    static ApiException invalidField(String field, String detail) {
        return new ApiException(400, Problem.INVALID_REQUEST, detail, Map.of("field", field), null, null);
    }

    static ApiException notFound(Problem type, String detail) {
        return new ApiException(404, type, detail);
    }

    static ApiException tooLarge(String detail, long limitBytes) {
        return new ApiException(413, Problem.PAYLOAD_TOO_LARGE, detail, Map.of("limit_bytes", limitBytes), null,
                null);
    }

    static ApiException tooManyRequests(String detail, long retryAfterSeconds) {
        return new ApiException(429, Problem.TOO_MANY_REQUESTS, detail, Map.of("retry_after_s", retryAfterSeconds),
                retryAfterSeconds, null);
    }
}
