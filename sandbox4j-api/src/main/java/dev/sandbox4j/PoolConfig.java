package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A warm pool of boxes created, started and hardened ahead of time, so that opening a session (or a one-shot
 * {@link SandboxClient#run}) does not wait for a container to be created. Register it with
 * {@link SandboxClient.Builder#pool}.
 *
 * <p>A pool serves one <em>profile</em>: the language's image (or {@code runtime.image()}), {@link #limits()} and
 * {@link #runtime()}. A session uses a pooled box when its own profile is exactly the same, i.e. when it is opened
 * for the same language with {@link SessionOptions#limits()} and {@link SessionOptions#runtime()} equal to the
 * pool's (compiled languages get an executable work directory either way); any other session creates its box the
 * normal way. By default a pooled box is used by one session only and removed when that session closes; the pool
 * then creates a replacement in the background.
 *
 * <p><b>Recycled boxes</b> ({@link #maxUses()} &gt; 1, opt-in): a box that served a one-shot run or a session and ended
 * cleanly goes back to the pool instead, up to {@code maxUses} sessions in all, which saves the creation and start of
 * a container per run. Between two uses the pool scrubs the box and proves the scrub in the box before anyone gets it
 * again: every process of the sandbox user is killed (daemons included), the work directory, {@code /tmp} and
 * {@code /dev/shm} are emptied and get their modes back, System V shared memory, message queues and semaphores are
 * removed, POSIX message queues must be impossible ({@code msgqueue} ulimit 0, as on Docker) or none left, every
 * writable mount must be one of those emptied, the box's OOM-kill counter must be 0, and the resident runner is
 * started anew (a run cannot reach its replacement). A box whose check finds anything left is removed, never reused.
 * Not recycled either (removed as with {@code maxUses} 1): boxes of stateful sessions, of sessions that installed
 * libraries (the box was on a network), whose box was replaced, that lost their box, or where the OOM killer struck;
 * and boxes past {@code maxUses} or {@link #maxAge()} (counted from the box's creation). Recycling needs a read-only
 * root filesystem ({@link RuntimeConfig#readOnlyRootFilesystem()}), so that the emptied directories are all a run can
 * write. What stays the same across uses: the container (its id, hostname and cgroup: counters such as CPU time
 * accumulate over its uses) and whatever the image holds. With the default of 1, nothing of one session ever exists
 * in the box of another; choose recycling where throughput matters more than a new container per run.
 *
 * <p>Pooled boxes carry the usual {@code dev.sandbox4j.*} labels (owner, language, ...) plus
 * {@code dev.sandbox4j.pool=<language>}, and their own {@code dev.sandbox4j.session=pool-<random>} (labels cannot
 * change once a box exists, so a session keeps its own id and logs which pooled box it uses). They have no
 * {@code dev.sandbox4j.expires} label: a session's lifetime is still enforced by its client, and the boxes of a
 * process that died are removed like any other by the next client's orphan reaping. Closing the client removes the
 * idle boxes and those still being created.
 *
 * <pre>{@code
 * SandboxClient client = SandboxClient.builder()
 *         .pool(PoolConfig.builder("python").minSize(2).maxSize(8).build())
 *         .build();
 * client.run("python", "print(1)");   // takes a ready box: no container creation on the request's path
 * }</pre>
 *
 * @param language language id or alias (resolved by the client; an unknown one fails {@code build()})
 * @param limits resource limits of the pooled boxes (default {@link ResourceLimits#defaults()})
 * @param runtime image, user, network and filesystem set-up of the pooled boxes (default
 *     {@link RuntimeConfig#defaults()}); its labels go on the boxes
 * @param minSize how many ready boxes the pool keeps (default 1; 0 creates boxes only for waiting sessions)
 * @param maxSize the most boxes of this pool that exist at once: ready, being created, and handed out to sessions
 *     that are still open (default 4); boxes made by {@link Exhaustion#CREATE_TEMPORARY} do not count
 * @param maxAge idle boxes older than this are removed and replaced (default 10 minutes)
 * @param maxUses how many sessions (one-shot runs included) a box serves, scrubbed and verified between two (default
 *     1: each box is removed after its session; see "Recycled boxes" above; at most 1000000)
 * @param acquireTimeout how long {@link Exhaustion#WAIT} waits for a box (default 5 seconds)
 * @param exhaustion what a session does when no box is ready (default {@link Exhaustion#CREATE_TEMPORARY})
 * @param healthCheckInterval how often idle boxes are checked (dead and too old ones removed) and the pool
 *     refilled (default 30 seconds)
 * @since 0.2
 */
public record PoolConfig(
        String language,
        ResourceLimits limits,
        RuntimeConfig runtime,
        int minSize,
        int maxSize,
        Duration maxAge,
        int maxUses,
        Duration acquireTimeout,
        Exhaustion exhaustion,
        Duration healthCheckInterval) {

    /** Default {@link #minSize()}: 1. */
    public static final int DEFAULT_MIN_SIZE = 1;
    /** Default {@link #maxSize()}: 4. */
    public static final int DEFAULT_MAX_SIZE = 4;
    /** Default {@link #maxAge()}: 10 minutes. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);
    /** Default {@link #acquireTimeout()}: 5 seconds. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link #maxUses()}: 1 (a box serves one session). */
    public static final int DEFAULT_MAX_USES = 1;
    /** Default {@link #healthCheckInterval()}: 30 seconds. */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(30);
    /** The largest {@link #maxSize()} accepted. */
    static final int MAX_POOL_SIZE = 1024;
    /** The largest {@link #maxUses()} accepted. */
    static final int MAX_USES = 1_000_000;

    /** What a session does when its pool has no ready box. */
    public enum Exhaustion {
        /**
         * Waits up to {@link #acquireTimeout()} for a box (the pool creates one if it is below {@link #maxSize()},
         * else when a session of the pool closes), then throws {@link PoolExhaustedException}.
         */
        WAIT,
        /** Throws {@link PoolExhaustedException} at once. */
        FAIL_FAST,
        /** Creates a box outside the pool, the way a session without a pool does (it is not counted in maxSize). */
        CREATE_TEMPORARY
    }

    /**
     * @throws IllegalArgumentException if a size, duration or {@code maxUses} is out of range; the message names it
     */
    public PoolConfig {
        requireNonNull(language, "language");
        requireNonNull(limits, "limits");
        requireNonNull(runtime, "runtime");
        requireNonNull(maxAge, "maxAge");
        requireNonNull(acquireTimeout, "acquireTimeout");
        requireNonNull(exhaustion, "exhaustion");
        requireNonNull(healthCheckInterval, "healthCheckInterval");
        if (language.isBlank()) {
            throw new IllegalArgumentException("pool language must not be blank");
        }
        checkMinSize(minSize);
        checkMaxSize(maxSize);
        if (minSize > maxSize) {
            throw new IllegalArgumentException("pool of '" + Texts.sanitize(language, 40) + "': minSize (" + minSize
                    + ") must not exceed maxSize (" + maxSize + ")");
        }
        Timeouts.checkPositive("maxAge", maxAge);
        checkMaxUses(maxUses);
        if (maxUses > 1 && !runtime.readOnlyRootFilesystem()) {
            throw new IllegalArgumentException("pool of '" + Texts.sanitize(language, 40) + "': maxUses (" + maxUses
                    + ") above 1 needs a read-only root filesystem (a box is scrubbed between uses, and only its "
                    + "tmpfs mounts can be); set maxUses 1 or keep RuntimeConfig.readOnlyRootFilesystem(true)");
        }
        Timeouts.checkPositive("acquireTimeout", acquireTimeout);
        Timeouts.checkPositive("healthCheckInterval", healthCheckInterval);
    }

    private static void checkMinSize(int minSize) {
        if (minSize < 0 || minSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("minSize (" + minSize + ") must be between 0 and " + MAX_POOL_SIZE);
        }
    }

    private static void checkMaxSize(int maxSize) {
        if (maxSize < 1 || maxSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("maxSize (" + maxSize + ") must be between 1 and " + MAX_POOL_SIZE);
        }
    }

    private static void checkMaxUses(int maxUses) {
        if (maxUses < 1 || maxUses > MAX_USES) {
            throw new IllegalArgumentException("maxUses (" + maxUses + ") must be between 1 and " + MAX_USES);
        }
    }

    /** A pool for {@code language} with every default: 1 to 4 boxes with default limits and runtime. */
    public static PoolConfig of(String language) {
        return builder(language).build();
    }

    /** Starts from the defaults for {@code language} (an id such as {@code "python"} or an alias). */
    public static Builder builder(String language) {
        requireNonNull(language, "language");
        if (language.isBlank()) {
            throw new IllegalArgumentException("pool language must not be blank");
        }
        return new Builder(language);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link PoolConfig}. Each method validates its argument at once; {@link #build()} checks the rest. */
    public static final class Builder {
        private final String language;
        private ResourceLimits limits = ResourceLimits.defaults();
        private RuntimeConfig runtime = RuntimeConfig.defaults();
        private int minSize = DEFAULT_MIN_SIZE;
        private int maxSize = DEFAULT_MAX_SIZE;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private int maxUses = DEFAULT_MAX_USES;
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private Exhaustion exhaustion = Exhaustion.CREATE_TEMPORARY;
        private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;

        private Builder(String language) {
            this.language = language;
        }

        private Builder(PoolConfig from) {
            language = from.language;
            limits = from.limits;
            runtime = from.runtime;
            minSize = from.minSize;
            maxSize = from.maxSize;
            maxAge = from.maxAge;
            maxUses = from.maxUses;
            acquireTimeout = from.acquireTimeout;
            exhaustion = from.exhaustion;
            healthCheckInterval = from.healthCheckInterval;
        }

        /** Limits of the pooled boxes; sessions must ask for exactly these to get one. */
        public Builder limits(ResourceLimits limits) {
            this.limits = requireNonNull(limits, "limits");
            return this;
        }

        /** Runtime set-up of the pooled boxes; sessions must ask for exactly this to get one. */
        public Builder runtime(RuntimeConfig runtime) {
            this.runtime = requireNonNull(runtime, "runtime");
            return this;
        }

        /** Ready boxes to keep. @throws IllegalArgumentException unless between 0 and 1024 */
        public Builder minSize(int minSize) {
            checkMinSize(minSize);
            this.minSize = minSize;
            return this;
        }

        /** Most boxes of the pool at once. @throws IllegalArgumentException unless between 1 and 1024 */
        public Builder maxSize(int maxSize) {
            checkMaxSize(maxSize);
            this.maxSize = maxSize;
            return this;
        }

        /** Idle boxes older than this are replaced. @throws IllegalArgumentException unless positive */
        public Builder maxAge(Duration maxAge) {
            Timeouts.checkPositive("maxAge", requireNonNull(maxAge, "maxAge"));
            this.maxAge = maxAge;
            return this;
        }

        /**
         * Sessions (one-shot runs included) per box, scrubbed and verified between two; 1 (the default) removes each
         * box after its session. See "Recycled boxes" in {@link PoolConfig}.
         *
         * @throws IllegalArgumentException unless between 1 and 1000000
         */
        public Builder maxUses(int maxUses) {
            checkMaxUses(maxUses);
            this.maxUses = maxUses;
            return this;
        }

        /** How long {@link Exhaustion#WAIT} waits. @throws IllegalArgumentException unless positive */
        public Builder acquireTimeout(Duration acquireTimeout) {
            Timeouts.checkPositive("acquireTimeout", requireNonNull(acquireTimeout, "acquireTimeout"));
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /** What to do when no box is ready. */
        public Builder exhaustion(Exhaustion exhaustion) {
            this.exhaustion = requireNonNull(exhaustion, "exhaustion");
            return this;
        }

        /** How often idle boxes are checked. @throws IllegalArgumentException unless positive */
        public Builder healthCheckInterval(Duration healthCheckInterval) {
            Timeouts.checkPositive("healthCheckInterval", requireNonNull(healthCheckInterval, "healthCheckInterval"));
            this.healthCheckInterval = healthCheckInterval;
            return this;
        }

        /**
         * @throws IllegalArgumentException if {@code minSize} exceeds {@code maxSize}, or {@code maxUses} is above 1
         *     with a writable root filesystem
         */
        public PoolConfig build() {
            return new PoolConfig(language, limits, runtime, minSize, maxSize, maxAge, maxUses, acquireTimeout,
                    exhaustion, healthCheckInterval);
        }
    }
}
