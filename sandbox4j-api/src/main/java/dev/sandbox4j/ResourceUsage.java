package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What a run's program used, as the kernel counted it when the program was reaped ({@code wait4}): CPU time in user
 * and kernel mode and peak resident memory, of the program and of the children it waited for. Processes it left
 * running are not counted (they are killed when the run ends). The wall time is {@link ExecutionResult#duration()}.
 *
 * @param cpuUser CPU time spent in user mode
 * @param cpuSystem CPU time spent in the kernel on its behalf
 * @param peakMemory the largest resident set of the program (or of one child it waited for), or {@code null} where
 *     the backend cannot tell
 * @since 0.2
 */
public record ResourceUsage(Duration cpuUser, Duration cpuSystem, @Nullable DataSize peakMemory) {
    public ResourceUsage {
        requireNonNull(cpuUser, "cpuUser");
        requireNonNull(cpuSystem, "cpuSystem");
    }

    /** User and system CPU time together. */
    public Duration cpu() {
        return cpuUser.plus(cpuSystem);
    }
}
