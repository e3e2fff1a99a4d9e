package dev.sandbox4j.server;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;

/**
 * An API key of the HTTP service: a secret presented as {@code Authorization: Bearer <secret>} (or
 * {@code X-API-Key}), the tenant it acts for, and its own limits.
 *
 * <p>Sessions belong to the tenant: every key of a tenant sees them, keys of other tenants get 404. Limits count per
 * key; {@code 0} means "the server's limit".
 *
 * @param id name of the key in logs, audit lines and metrics (never the secret)
 * @param tenant who the key acts for
 * @param secret the key itself (at least 16 characters)
 * @param maxSessions most sessions this key may have open at once; 0 for the server's limit
 * @param maxConcurrentRuns most runs this key may have in flight at once; 0 for the server's limit
 * @since 0.2
 */
public record ApiKey(String id, String tenant, String secret, int maxSessions, int maxConcurrentRuns) {
    /** The shortest secret accepted. */
    public static final int MIN_SECRET_LENGTH = 16;

    /** @throws IllegalArgumentException if a field is blank, the secret too short or a limit negative */
    public ApiKey {
        requireNonNull(id, "id");
        requireNonNull(tenant, "tenant");
        requireNonNull(secret, "secret");
        if (!id.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("API key id '" + Texts.sanitize(id, 40)
                    + "' must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (!tenant.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("tenant '" + Texts.sanitize(tenant, 40) + "' of API key '" + id
                    + "' must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (secret.length() < MIN_SECRET_LENGTH || secret.isBlank()) {
            throw new IllegalArgumentException("API key '" + id + "' is too short (" + secret.length()
                    + " characters); use at least " + MIN_SECRET_LENGTH + ", e.g. `openssl rand -hex 24`");
        }
        if (maxSessions < 0) {
            throw new IllegalArgumentException("max_sessions (" + maxSessions + ") of API key '" + id
                    + "' must not be negative (0 = the server's limit)");
        }
        if (maxConcurrentRuns < 0) {
            throw new IllegalArgumentException("max_concurrent_runs (" + maxConcurrentRuns + ") of API key '" + id
                    + "' must not be negative (0 = the server's limit)");
        }
    }

    /** A key with the server's limits. */
    public static ApiKey of(String id, String tenant, String secret) {
        return new ApiKey(id, tenant, secret, 0, 0);
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "ApiKey[id=" + id + ", tenant=" + tenant + ", maxSessions=" + maxSessions + ", maxConcurrentRuns="
                + maxConcurrentRuns + "]";
    }
}
