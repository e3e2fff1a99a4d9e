package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

/**
 * A snapshot of one warm pool ({@link SandboxClient#poolStats()}), e.g. for metrics. The counters grow from the
 * client's start.
 *
 * @param language canonical language id of the pool, e.g. {@code python}
 * @param image image of its boxes
 * @param ready boxes ready to be handed out now
 * @param inUse boxes handed out to sessions that are still open
 * @param created boxes the pool created so far
 * @param handedOut boxes handed out to sessions so far
 * @param misses sessions of the pool's profile that found no ready box
 * @param temporaries boxes created outside the pool because none was ready ({@link PoolConfig.Exhaustion#CREATE_TEMPORARY})
 * @param removedUnhealthy idle boxes removed because they no longer ran
 * @param removedExpired idle boxes removed because they were older than {@link PoolConfig#maxAge()}
 * @param recycled boxes given back to the pool after a session, scrubbed and verified clean
 *     ({@link PoolConfig#maxUses()} &gt; 1)
 * @param scrubFailures boxes removed instead because their scrub failed or found something left
 * @since 0.2
 */
public record PoolStats(
        String language,
        String image,
        int ready,
        int inUse,
        long created,
        long handedOut,
        long misses,
        long temporaries,
        long removedUnhealthy,
        long removedExpired,
        long recycled,
        long scrubFailures) {
    public PoolStats {
        requireNonNull(language, "language");
        requireNonNull(image, "image");
    }

    /** A snapshot without the recycling counters (both 0). */
    public PoolStats(String language, String image, int ready, int inUse, long created, long handedOut, long misses,
            long temporaries, long removedUnhealthy, long removedExpired) {
        this(language, image, ready, inUse, created, handedOut, misses, temporaries, removedUnhealthy, removedExpired,
                0, 0);
    }
}
