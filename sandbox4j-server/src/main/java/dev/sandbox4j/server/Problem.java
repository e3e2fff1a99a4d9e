package dev.sandbox4j.server;

/**
 * The stable problem types of the HTTP API ({@code type} of RFC 9457 problem details). Each has its own URI under
 * {@link #BASE} that never changes meaning; clients switch on it rather than on the human-readable text.
 */
enum Problem {
    INVALID_JSON("invalid-json", "Request body is not valid JSON"),
    INVALID_REQUEST("invalid-request", "Invalid request"),
    UNKNOWN_LANGUAGE("unknown-language", "Unknown language"),
    INVALID_PATH("invalid-path", "Invalid file path"),
    UNSUPPORTED("unsupported", "Not supported"),
    UNAUTHORIZED("unauthorized", "Missing or invalid API key"),
    SESSION_NOT_FOUND("session-not-found", "No such session"),
    FILE_NOT_FOUND("file-not-found", "No such file"),
    ROUTE_NOT_FOUND("not-found", "No such resource"),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type"),
    PAYLOAD_TOO_LARGE("payload-too-large", "Payload too large"),
    TOO_MANY_REQUESTS("too-many-requests", "Too many requests"),
    SESSION_CLOSED("session-closed", "Session closed"),
    POOL_EXHAUSTED("pool-exhausted", "No box available"),
    BACKEND_UNAVAILABLE("backend-unavailable", "Container engine unavailable"),
    IMAGE_UNAVAILABLE("image-unavailable", "Runtime image missing"),
    BACKEND_ERROR("backend-error", "Container engine error"),
    SHUTTING_DOWN("shutting-down", "Server is shutting down"),
    INTERNAL_ERROR("internal-error", "Internal server error");

    /** Prefix of every problem type URI. */
    static final String BASE = "https://sandbox4j.dev/problems/";

    final String slug;
    final String title;

    Problem(String slug, String title) {
        this.slug = slug;
        this.title = title;
    }

    String uri() {
        return BASE + slug;
    }
}
