package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Options of one session: its box's limits and set-up, and its timeouts.
 *
 * <p>Timeouts come at three levels, like llm-sandbox's: the client's default run timeout, this session's
 * {@link #defaultTimeout()} (for runs that name none), a run's own {@link RunOptions#timeout()}; and
 * {@link #sessionTimeout()} bounds the whole session's life, after which it closes itself and removes its box.
 *
 * @param limits resource limits of the box
 * @param runtime image, user, network and filesystem set-up of the box
 * @param defaultTimeout timeout of runs that name none, or {@code null} for the client's default
 * @param sessionTimeout the longest the session may live, or {@code null} for the client's default
 * @since 0.1
 */
public record SessionOptions(
        ResourceLimits limits,
        RuntimeConfig runtime,
        @Nullable Duration defaultTimeout,
        @Nullable Duration sessionTimeout) {

    private static final SessionOptions DEFAULTS =
            new SessionOptions(ResourceLimits.defaults(), RuntimeConfig.defaults(), null, null);

    /** @throws IllegalArgumentException if a timeout is zero or negative */
    public SessionOptions {
        requireNonNull(limits, "limits");
        requireNonNull(runtime, "runtime");
        if (defaultTimeout != null) {
            Timeouts.checkPositive("defaultTimeout", defaultTimeout);
        }
        if (sessionTimeout != null) {
            Timeouts.checkPositive("sessionTimeout", sessionTimeout);
        }
    }

    public static SessionOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link SessionOptions}. */
    public static final class Builder {
        private ResourceLimits limits;
        private RuntimeConfig runtime;
        private @Nullable Duration defaultTimeout;
        private @Nullable Duration sessionTimeout;

        private Builder(SessionOptions from) {
            limits = from.limits;
            runtime = from.runtime;
            defaultTimeout = from.defaultTimeout;
            sessionTimeout = from.sessionTimeout;
        }

        public Builder limits(ResourceLimits limits) {
            this.limits = requireNonNull(limits, "limits");
            return this;
        }

        public Builder runtime(RuntimeConfig runtime) {
            this.runtime = requireNonNull(runtime, "runtime");
            return this;
        }

        /** Timeout of runs in this session that name none. @throws IllegalArgumentException unless positive */
        public Builder defaultTimeout(@Nullable Duration defaultTimeout) {
            if (defaultTimeout != null) {
                Timeouts.checkPositive("defaultTimeout", defaultTimeout);
            }
            this.defaultTimeout = defaultTimeout;
            return this;
        }

        /** Longest life of the session. @throws IllegalArgumentException unless positive */
        public Builder sessionTimeout(@Nullable Duration sessionTimeout) {
            if (sessionTimeout != null) {
                Timeouts.checkPositive("sessionTimeout", sessionTimeout);
            }
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        public SessionOptions build() {
            return new SessionOptions(limits, runtime, defaultTimeout, sessionTimeout);
        }
    }
}
