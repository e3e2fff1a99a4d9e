package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A warm pool had no box for a session: none was ready and the pool's {@link PoolConfig#exhaustion()} is
 * {@link PoolConfig.Exhaustion#FAIL_FAST}, or it is {@link PoolConfig.Exhaustion#WAIT} and none became ready within
 * {@link PoolConfig#acquireTimeout()}. Nothing was created; trying again later may succeed.
 *
 * @since 0.2
 */
public final class PoolExhaustedException extends SandboxException {
    private final String language;
    private final @Nullable Duration waited;

    public PoolExhaustedException(String language, @Nullable Duration waited, String message) {
        super(message, null);
        this.language = requireNonNull(language, "language");
        this.waited = waited;
    }

    /** Canonical language id of the pool, e.g. {@code python}. */
    public String language() {
        return language;
    }

    /** How long the session waited ({@link PoolConfig#acquireTimeout()}), or {@code null} if it failed fast. */
    public @Nullable Duration waited() {
        return waited;
    }
}
