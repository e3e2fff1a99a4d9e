package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.internal.Texts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Options of one run: timeout, standard input, arguments, extra environment, output limit, streaming listener.
 *
 * <pre>{@code
 * session.run("print(input())", RunOptions.builder().timeout(Duration.ofSeconds(5)).stdin("hi\n").build());
 * }</pre>
 *
 * @param timeout deadline of the run, or {@code null} for the session's default
 * @param stdin what the program reads on standard input (it then sees end of file), or {@code null} for none
 * @param args arguments passed to the program
 * @param env extra environment variables for this run
 * @param outputLimit per-stream output limit for this run, or {@code null} for the session's
 * @param listener receives output while the run goes on
 * @since 0.1
 */
public record RunOptions(
        @Nullable Duration timeout,
        byte @Nullable [] stdin,
        List<String> args,
        Map<String, String> env,
        @Nullable DataSize outputLimit,
        OutputListener listener) {

    private static final RunOptions DEFAULTS = new RunOptions(null, null, List.of(), Map.of(), null, OutputListener.NONE);

    /** @throws IllegalArgumentException if the timeout is not positive or an environment name is malformed */
    public RunOptions {
        if (timeout != null) {
            Timeouts.checkPositive("timeout", timeout);
        }
        args = List.copyOf(args);
        env = Map.copyOf(env);
        for (String name : env.keySet()) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("environment variable name '"
                        + Texts.sanitize(name, 40) + "' is not valid");
            }
        }
        if (outputLimit != null) {
            ResourceLimits.checkOutputLimit(outputLimit);
        }
        requireNonNull(listener, "listener");
        stdin = stdin == null ? null : stdin.clone();
    }

    /** No options: the session's timeout and limits, no stdin, no arguments. */
    public static RunOptions defaults() {
        return DEFAULTS;
    }

    /** Shorthand for the defaults with a timeout. */
    public static RunOptions timeout(Duration timeout) {
        return builder().timeout(timeout).build();
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public byte @Nullable [] stdin() {
        return stdin == null ? null : stdin.clone();
    }

    /** Compares all components; {@code stdin} by content. */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof RunOptions other
                && Objects.equals(timeout, other.timeout)
                && Arrays.equals(stdin, other.stdin)
                && args.equals(other.args)
                && env.equals(other.env)
                && Objects.equals(outputLimit, other.outputLimit)
                && listener.equals(other.listener);
    }

    /** Consistent with {@link #equals(Object)}; hashes {@code stdin} by content. */
    @Override
    public int hashCode() {
        return Objects.hash(timeout, Arrays.hashCode(stdin), args, env, outputLimit, listener);
    }

    /** Shows {@code stdin} as its length only, never its contents. */
    @Override
    public String toString() {
        return "RunOptions[timeout=" + timeout
                + ", stdin=" + (stdin == null ? "null" : stdin.length + " bytes")
                + ", args=" + args
                + ", env=" + env
                + ", outputLimit=" + outputLimit
                + ", listener=" + listener + "]";
    }

    /** Builds {@link RunOptions}. */
    public static final class Builder {
        private @Nullable Duration timeout;
        private byte @Nullable [] stdin;
        private final List<String> args;
        private final Map<String, String> env;
        private @Nullable DataSize outputLimit;
        private OutputListener listener;

        private Builder(RunOptions from) {
            timeout = from.timeout;
            stdin = from.stdin;
            args = new ArrayList<>(from.args);
            env = new LinkedHashMap<>(from.env);
            outputLimit = from.outputLimit;
            listener = from.listener;
        }

        /** @throws IllegalArgumentException unless positive */
        public Builder timeout(@Nullable Duration timeout) {
            if (timeout != null) {
                Timeouts.checkPositive("timeout", timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Standard input as bytes; the array is copied, so later changes to it do not affect the options. */
        public Builder stdin(byte @Nullable [] stdin) {
            this.stdin = stdin == null ? null : stdin.clone();
            return this;
        }

        /** Standard input as UTF-8 text. */
        public Builder stdin(String stdin) {
            this.stdin = stdin.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        public Builder args(List<String> args) {
            this.args.clear();
            for (String a : args) {
                this.args.add(requireNonNull(a, "args element"));
            }
            return this;
        }

        public Builder env(String name, String value) {
            env.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
            return this;
        }

        public Builder outputLimit(@Nullable DataSize outputLimit) {
            this.outputLimit = outputLimit;
            return this;
        }

        public Builder listener(OutputListener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        public RunOptions build() {
            return new RunOptions(timeout, stdin, args, env, outputLimit, listener);
        }
    }
}
