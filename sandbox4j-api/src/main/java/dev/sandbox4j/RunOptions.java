package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

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
 * @param libraries libraries to install before the run (pip, npm, Maven coordinates, Go modules, R packages; see
 *     {@link SandboxSession#install}); already installed ones are skipped
 * @param captureArtifacts whether the run's output directory ({@link SandboxSession#OUTPUT_DIR}) is emptied before
 *     the run and its files (plots included) come back as {@link ExecutionResult#artifacts()}
 * @param workdir working directory of the program (relative to the session's work directory, or absolute), or
 *     {@code null} for the work directory
 * @param compileTimeout deadline of the compile step of compiled languages (javac, g++, go build), separate from
 *     {@code timeout}; {@code null} for the default of 120 seconds
 * @param freshInterpreter whether this run starts a fresh interpreter even where the session has a fork server
 *     ({@link SessionOptions#preload()}); since 0.2
 * @param cpuTimeLimit the CPU time (user + system) the run's processes may use together, or {@code null} for no CPU
 *     limit (the default): past it they are killed and the run ends {@link ExecutionStatus#TIMED_OUT} with a kill
 *     reason that says so and cites the CPU time used. Unlike {@code timeout} (wall-clock time, which a busy machine
 *     stretches), it measures what the program consumed, as programming judges do; keep {@code timeout} as a generous
 *     backstop for programs that wait. Enforced by the resident runner (every 50 ms, to a clock tick); where a box
 *     has no runner, only the timeout applies; since 0.2
 * @since 0.1
 */
public record RunOptions(
        @Nullable Duration timeout,
        byte @Nullable [] stdin,
        List<String> args,
        Map<String, String> env,
        @Nullable DataSize outputLimit,
        OutputListener listener,
        List<String> libraries,
        boolean captureArtifacts,
        @Nullable String workdir,
        @Nullable Duration compileTimeout,
        boolean freshInterpreter,
        @Nullable Duration cpuTimeLimit) {

    private static final RunOptions DEFAULTS = new RunOptions(null, null, List.of(), Map.of(), null, OutputListener.NONE,
            List.of(), false, null, null, false, null);

    /** Options of version 0.2 before the CPU time limit. */
    public RunOptions(@Nullable Duration timeout, byte @Nullable [] stdin, List<String> args, Map<String, String> env,
            @Nullable DataSize outputLimit, OutputListener listener, List<String> libraries, boolean captureArtifacts,
            @Nullable String workdir, @Nullable Duration compileTimeout, boolean freshInterpreter) {
        this(timeout, stdin, args, env, outputLimit, listener, libraries, captureArtifacts, workdir, compileTimeout,
                freshInterpreter, null);
    }

    /** Options of version 0.1 and 0.2 before the fork server. */
    public RunOptions(@Nullable Duration timeout, byte @Nullable [] stdin, List<String> args, Map<String, String> env,
            @Nullable DataSize outputLimit, OutputListener listener, List<String> libraries, boolean captureArtifacts,
            @Nullable String workdir, @Nullable Duration compileTimeout) {
        this(timeout, stdin, args, env, outputLimit, listener, libraries, captureArtifacts, workdir, compileTimeout,
                false);
    }

    /** Options of version 0.1 (no libraries, artifacts, workdir or compile timeout). */
    public RunOptions(@Nullable Duration timeout, byte @Nullable [] stdin, List<String> args, Map<String, String> env,
            @Nullable DataSize outputLimit, OutputListener listener) {
        this(timeout, stdin, args, env, outputLimit, listener, List.of(), false, null, null);
    }

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
        libraries = List.copyOf(libraries);
        for (String lib : libraries) {
            if (lib.isBlank()) {
                throw new IllegalArgumentException("library names must not be blank");
            }
        }
        if (workdir != null && workdir.isBlank()) {
            throw new IllegalArgumentException("workdir must not be blank (use null for the work directory)");
        }
        if (compileTimeout != null) {
            Timeouts.checkPositive("compileTimeout", compileTimeout);
        }
        if (cpuTimeLimit != null) {
            Timeouts.checkPositive("cpuTimeLimit", cpuTimeLimit);
        }
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
                && listener.equals(other.listener)
                && libraries.equals(other.libraries)
                && captureArtifacts == other.captureArtifacts
                && Objects.equals(workdir, other.workdir)
                && Objects.equals(compileTimeout, other.compileTimeout)
                && freshInterpreter == other.freshInterpreter
                && Objects.equals(cpuTimeLimit, other.cpuTimeLimit);
    }

    /** Consistent with {@link #equals(Object)}; hashes {@code stdin} by content. */
    @Override
    public int hashCode() {
        return Objects.hash(timeout, Arrays.hashCode(stdin), args, env, outputLimit, listener, libraries,
                captureArtifacts, workdir, compileTimeout, freshInterpreter, cpuTimeLimit);
    }

    /** Shows {@code stdin} as its length only, never its contents. */
    @Override
    public String toString() {
        return "RunOptions[timeout=" + timeout
                + ", stdin=" + (stdin == null ? "null" : stdin.length + " bytes")
                + ", args=" + args
                + ", env=" + env
                + ", outputLimit=" + outputLimit
                + ", listener=" + listener
                + ", libraries=" + libraries
                + ", captureArtifacts=" + captureArtifacts
                + ", workdir=" + workdir
                + ", compileTimeout=" + compileTimeout
                + ", freshInterpreter=" + freshInterpreter
                + ", cpuTimeLimit=" + cpuTimeLimit + "]";
    }

    /** Builds {@link RunOptions}. */
    public static final class Builder {
        private @Nullable Duration timeout;
        private byte @Nullable [] stdin;
        private final List<String> args;
        private final Map<String, String> env;
        private @Nullable DataSize outputLimit;
        private OutputListener listener;
        private final List<String> libraries;
        private boolean captureArtifacts;
        private @Nullable String workdir;
        private @Nullable Duration compileTimeout;
        private boolean freshInterpreter;
        private @Nullable Duration cpuTimeLimit;

        private Builder(RunOptions from) {
            timeout = from.timeout;
            stdin = from.stdin;
            args = new ArrayList<>(from.args);
            env = new LinkedHashMap<>(from.env);
            outputLimit = from.outputLimit;
            listener = from.listener;
            libraries = new ArrayList<>(from.libraries);
            captureArtifacts = from.captureArtifacts;
            workdir = from.workdir;
            compileTimeout = from.compileTimeout;
            freshInterpreter = from.freshInterpreter;
            cpuTimeLimit = from.cpuTimeLimit;
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

        /** Libraries to install before the run, e.g. {@code "requests==2.32.3"} or {@code "lodash@4"}. */
        public Builder libraries(List<String> libraries) {
            this.libraries.clear();
            for (String l : libraries) {
                this.libraries.add(requireNonNull(l, "libraries element"));
            }
            return this;
        }

        /** Same as {@link #libraries(List)}. */
        public Builder libraries(String... libraries) {
            return libraries(List.of(libraries));
        }

        /** Returns plots and the files of the output directory as artifacts. Default false. */
        public Builder captureArtifacts(boolean captureArtifacts) {
            this.captureArtifacts = captureArtifacts;
            return this;
        }

        /** Working directory (relative to the work directory, or absolute); must exist in the box. */
        public Builder workdir(@Nullable String workdir) {
            this.workdir = workdir;
            return this;
        }

        /** Deadline of the compile step of compiled languages. @throws IllegalArgumentException unless positive */
        public Builder compileTimeout(@Nullable Duration compileTimeout) {
            if (compileTimeout != null) {
                Timeouts.checkPositive("compileTimeout", compileTimeout);
            }
            this.compileTimeout = compileTimeout;
            return this;
        }

        /**
         * This run starts a fresh interpreter even where the session has a fork server. Default false.
         *
         * @since 0.2
         */
        public Builder freshInterpreter(boolean fresh) {
            this.freshInterpreter = fresh;
            return this;
        }

        /**
         * The CPU time (user + system) the run's processes may use together; {@code null} (the default) for no CPU
         * limit. See {@link RunOptions#cpuTimeLimit()}.
         *
         * @throws IllegalArgumentException unless positive
         * @since 0.2
         */
        public Builder cpuTimeLimit(@Nullable Duration cpuTimeLimit) {
            if (cpuTimeLimit != null) {
                Timeouts.checkPositive("cpuTimeLimit", cpuTimeLimit);
            }
            this.cpuTimeLimit = cpuTimeLimit;
            return this;
        }

        public RunOptions build() {
            return new RunOptions(timeout, stdin, args, env, outputLimit, listener, libraries, captureArtifacts,
                    workdir, compileTimeout, freshInterpreter, cpuTimeLimit);
        }
    }
}
