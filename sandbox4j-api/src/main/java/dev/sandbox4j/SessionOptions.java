package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.SecurityPolicy;
import java.time.Duration;
import java.util.List;
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
 * @param policy security policy screening each run's code, or {@code null} for the client's (by default none)
 * @param sanitizer redacts secrets, host paths and addresses from each run's output, or {@code null} for none
 * @param principal who runs this session, for audit events (e.g. an API key id); {@code null} for the client's
 * @param install package registries and network for library installation, or {@code null} for the client's
 * @param stateful whether runs share one long-lived interpreter (a kernel, like a notebook): variables, imports and
 *     functions survive between runs, the value of the last expression and displayed figures come back as
 *     {@link ExecutionResult#cell()}. Python, JavaScript and R ({@link Sandbox4j#languages()} says which)
 * @param preload modules a fork server imports once, so that each stateless run starts as a fork of an interpreter
 *     that has them ({@code null}: the language's default, for Python {@code numpy}, {@code pandas} and
 *     {@code matplotlib.pyplot}; empty: no fork server, every run starts a fresh interpreter). Languages without a
 *     fork server ignore it; since 0.2
 * @since 0.1
 */
public record SessionOptions(
        ResourceLimits limits,
        RuntimeConfig runtime,
        @Nullable Duration defaultTimeout,
        @Nullable Duration sessionTimeout,
        @Nullable SecurityPolicy policy,
        @Nullable OutputSanitizer sanitizer,
        @Nullable String principal,
        @Nullable InstallConfig install,
        boolean stateful,
        @Nullable List<String> preload) {

    private static final SessionOptions DEFAULTS =
            new SessionOptions(ResourceLimits.defaults(), RuntimeConfig.defaults(), null, null);

    /** Options with the language's default fork server. */
    public SessionOptions(ResourceLimits limits, RuntimeConfig runtime, @Nullable Duration defaultTimeout,
            @Nullable Duration sessionTimeout, @Nullable SecurityPolicy policy, @Nullable OutputSanitizer sanitizer,
            @Nullable String principal, @Nullable InstallConfig install, boolean stateful) {
        this(limits, runtime, defaultTimeout, sessionTimeout, policy, sanitizer, principal, install, stateful, null);
    }

    /** Options without policy, sanitiser or principal. */
    public SessionOptions(ResourceLimits limits, RuntimeConfig runtime, @Nullable Duration defaultTimeout,
            @Nullable Duration sessionTimeout) {
        this(limits, runtime, defaultTimeout, sessionTimeout, null, null, null, null, false);
    }

    /** Options of version 0.1 (no installation settings). */
    public SessionOptions(ResourceLimits limits, RuntimeConfig runtime, @Nullable Duration defaultTimeout,
            @Nullable Duration sessionTimeout, @Nullable SecurityPolicy policy, @Nullable OutputSanitizer sanitizer,
            @Nullable String principal) {
        this(limits, runtime, defaultTimeout, sessionTimeout, policy, sanitizer, principal, null, false);
    }

    /** Options of a stateless session. */
    public SessionOptions(ResourceLimits limits, RuntimeConfig runtime, @Nullable Duration defaultTimeout,
            @Nullable Duration sessionTimeout, @Nullable SecurityPolicy policy, @Nullable OutputSanitizer sanitizer,
            @Nullable String principal, @Nullable InstallConfig install) {
        this(limits, runtime, defaultTimeout, sessionTimeout, policy, sanitizer, principal, install, false);
    }

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
        if (principal != null && principal.isBlank()) {
            throw new IllegalArgumentException("principal must not be blank (use null for the client's)");
        }
        if (preload != null) {
            preload = List.copyOf(preload);
            for (String m : preload) {
                if (!m.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                    throw new IllegalArgumentException("Expected a module name such as 'numpy' or 'matplotlib.pyplot'"
                            + " to preload but was '" + dev.sandbox4j.text.Texts.sanitize(m, 80) + "'");
                }
            }
        }
    }

    /** Whether stateless runs start a fresh interpreter each (no fork server). */
    public boolean freshInterpreter() {
        return preload != null && preload.isEmpty();
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
        private @Nullable SecurityPolicy policy;
        private @Nullable OutputSanitizer sanitizer;
        private @Nullable String principal;
        private @Nullable InstallConfig install;
        private boolean stateful;
        private @Nullable List<String> preload;

        private Builder(SessionOptions from) {
            limits = from.limits;
            runtime = from.runtime;
            defaultTimeout = from.defaultTimeout;
            sessionTimeout = from.sessionTimeout;
            policy = from.policy;
            sanitizer = from.sanitizer;
            principal = from.principal;
            install = from.install;
            stateful = from.stateful;
            preload = from.preload;
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

        /** Screens each run's code with this policy (a blocked run starts no process). */
        public Builder policy(@Nullable SecurityPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Redacts each run's stdout/stderr with this sanitiser. */
        public Builder sanitizer(@Nullable OutputSanitizer sanitizer) {
            this.sanitizer = sanitizer;
            return this;
        }

        /** Who runs this session, for audit events. */
        public Builder principal(@Nullable String principal) {
            this.principal = principal;
            return this;
        }

        /** Registries and network for library installation in this session. */
        public Builder install(@Nullable InstallConfig install) {
            this.install = install;
            return this;
        }

        /** Runs share one long-lived interpreter (a kernel). Default false. */
        public Builder stateful(boolean stateful) {
            this.stateful = stateful;
            return this;
        }

        /**
         * The modules a fork server imports once for this session's stateless runs (instead of the language's
         * default); each run then starts as a fork of that interpreter. See {@link SessionOptions#preload()}.
         *
         * @since 0.2
         */
        public Builder preload(String... modules) {
            this.preload = List.of(modules);
            return this;
        }

        /**
         * Every stateless run starts a fresh interpreter (no fork server): slower for programs that import large
         * libraries, but nothing is imported before the program runs. Default false.
         *
         * @since 0.2
         */
        public Builder freshInterpreter(boolean fresh) {
            this.preload = fresh ? List.of() : null;
            return this;
        }

        public SessionOptions build() {
            return new SessionOptions(limits, runtime, defaultTimeout, sessionTimeout, policy, sanitizer, principal,
                    install, stateful, preload);
        }
    }
}
