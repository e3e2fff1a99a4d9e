package dev.sandbox4j.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Maps the key a request presents ({@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}) to a
 * {@link Caller}. Keys are looked up by their SHA-256, and compared in constant time, so lookup time does not depend on
 * how much of a guess is right. Thread-safe and immutable.
 */
final class Authenticator {
    private final Map<String, ApiKey> bySha256;
    private final int serverMaxSessions;
    private final int serverMaxRuns;

    Authenticator(List<ApiKey> keys, int serverMaxSessions, int serverMaxRuns) {
        this.bySha256 = keys.stream().collect(Collectors.toUnmodifiableMap(k -> sha256(k.secret()),
                Function.identity()));
        this.serverMaxSessions = serverMaxSessions;
        this.serverMaxRuns = serverMaxRuns;
    }

    boolean enabled() {
        return !bySha256.isEmpty();
    }

    /** The key in {@code X-API-Key}, else in {@code Authorization: Bearer}, or null if there is none. */
    static @Nullable String presented(@Nullable String authorization, @Nullable String apiKeyHeader) {
        String presented = null;
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            presented = apiKeyHeader.trim();
        } else if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim();
        }
        return presented == null || presented.isEmpty() ? null : presented;
    }

    /**
     * The caller presenting these headers.
     *
     * @throws ApiException 401 if keys are configured and none or a wrong one was presented
     */
    Caller authenticate(@Nullable String authorization, @Nullable String apiKeyHeader) {
        if (!enabled()) {
            return new Caller(Caller.LOCAL, Caller.LOCAL, serverMaxSessions, serverMaxRuns);
        }
        String presented = presented(authorization, apiKeyHeader);
        if (presented == null) {
            throw new ApiException(401, Problem.UNAUTHORIZED,
                    "this server requires an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
        }
        String hash = sha256(presented);
        ApiKey key = bySha256.get(hash);
        if (key == null || !MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                sha256(key.secret()).getBytes(StandardCharsets.US_ASCII))) {
            throw new ApiException(401, Problem.UNAUTHORIZED, "the API key is not valid");
        }
        return new Caller(key.id(), key.tenant(),
                key.maxSessions() == 0 ? serverMaxSessions : Math.min(key.maxSessions(), serverMaxSessions),
                key.maxConcurrentRuns() == 0 ? serverMaxRuns : Math.min(key.maxConcurrentRuns(), serverMaxRuns));
    }

    /** A key's SHA-256 in hex: keys are compared by their hashes, in constant time. */
    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
