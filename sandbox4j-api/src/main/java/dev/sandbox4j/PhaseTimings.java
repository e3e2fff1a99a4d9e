package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where the time of one run went, phase by phase, as the engine (and the HTTP server) measured it where each phase
 * happens. Only measured phases are present: a run in an open session has no {@link Phase#ACQUIRE} of a box, an
 * interpreted language no {@link Phase#COMPILE}, a run without libraries no {@link Phase#INSTALL}. The phases do not
 * overlap, and their sum is at most the caller's end-to-end time (the rest is transport and bookkeeping).
 *
 * <pre>{@code
 * ExecutionResult r = session.run("print(1)");
 * Duration program = r.phases().get(PhaseTimings.Phase.RUN); // the program's wall time, as r.duration()
 * }</pre>
 *
 * @param durations the measured phases, in {@link Phase} order (an unmodifiable copy)
 * @since 0.2
 */
public record PhaseTimings(Map<Phase, Duration> durations) {
    /** No phase measured (a result built by hand, or by a backend that measures nothing). */
    public static final PhaseTimings NONE = new PhaseTimings(Map.of());

    /** The phases of a run, in the order they happen. */
    public enum Phase {
        /** Waiting for a run slot of the HTTP server (its run concurrency). */
        QUEUE,
        /**
         * Getting a box ready for the program: a box of the warm pool or a new one for a one-shot run, and waiting for
         * the box's resident runner when it is still starting.
         */
        ACQUIRE,
        /** The security policy's scan of the code. */
        POLICY,
        /** Installing the run's missing libraries. */
        INSTALL,
        /** The compile step of compiled languages (javac, g++, go build), its wall time. */
        COMPILE,
        /** The program, from its start to its exit (or kill): its wall time, the result's {@code duration}. */
        RUN,
        /** Killing what the program left behind and draining its output, before the result is returned. */
        TEARDOWN,
        /** Reading back the run's artifacts (files of the output directory, plots). */
        ARTIFACTS;

        /** The snake_case name used on the wire ({@code phases_ms}) and in metrics: {@code queue}, {@code run}, … */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @throws IllegalArgumentException if a duration is negative */
    public PhaseTimings {
        requireNonNull(durations, "durations");
        EnumMap<Phase, Duration> copy = new EnumMap<>(Phase.class);
        durations.forEach((phase, d) -> {
            requireNonNull(phase, "phase");
            requireNonNull(d, "duration of " + phase.wireName());
            if (d.isNegative()) {
                throw new IllegalArgumentException("duration of phase " + phase.wireName() + " (" + d
                        + ") must not be negative");
            }
            copy.put(phase, d);
        });
        durations = Collections.unmodifiableMap(copy);
    }

    /** One measured phase. */
    public static PhaseTimings of(Phase phase, Duration duration) {
        return new PhaseTimings(Map.of(phase, duration));
    }

    /** How long {@code phase} took, or {@code null} if it was not measured. */
    public @Nullable Duration get(Phase phase) {
        return durations.get(requireNonNull(phase, "phase"));
    }

    /** Whether no phase was measured. */
    public boolean isEmpty() {
        return durations.isEmpty();
    }

    /** The same timings with {@code duration} added to {@code phase} (which need not have been measured). */
    public PhaseTimings plus(Phase phase, Duration duration) {
        requireNonNull(phase, "phase");
        requireNonNull(duration, "duration");
        EnumMap<Phase, Duration> m = copy();
        m.merge(phase, duration, Duration::plus);
        return new PhaseTimings(m);
    }

    /** These timings and {@code other}'s together: a phase measured in both is the sum of both. */
    public PhaseTimings plus(PhaseTimings other) {
        requireNonNull(other, "other");
        if (other.isEmpty()) {
            return this;
        }
        EnumMap<Phase, Duration> m = copy();
        other.durations.forEach((p, d) -> m.merge(p, d, Duration::plus));
        return new PhaseTimings(m);
    }

    /** The sum of the measured phases. */
    public Duration total() {
        return durations.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    private EnumMap<Phase, Duration> copy() {
        EnumMap<Phase, Duration> m = new EnumMap<>(Phase.class);
        m.putAll(durations);
        return m;
    }
}
