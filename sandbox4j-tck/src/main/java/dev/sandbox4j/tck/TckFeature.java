package dev.sandbox4j.tck;

/**
 * Groups of {@link SandboxTck} tests a backend may declare unsupported (with a reason) when its platform cannot offer
 * them, e.g. processes in a WebAssembly interpreter. Everything not declared must pass.
 *
 * @since 0.2
 */
public enum TckFeature {
    /** Standard input reaches the program. */
    STDIN,
    /** A memory limit ends the run as {@code OOM_KILLED}. */
    MEMORY_LIMIT,
    /** A process limit contains a fork bomb. */
    PROCESS_LIMIT,
    /** Files go in and out of the box; traversal paths are refused. */
    FILES,
    /** The program cannot open network connections. */
    NETWORK_ISOLATION,
    /** Output past the limit is truncated, flagged and ends the run. */
    OUTPUT_LIMIT,
    /** A run past its timeout is killed and the session stays usable. */
    TIMEOUT,
    /** Several sessions run at once and leave nothing behind. */
    CONCURRENCY,
    /**
     * Processes a run leaves behind are killed when it ends, and no program can answer a later run in the sandbox's
     * place (the result of each run is its own).
     */
    RUN_ISOLATION
}
