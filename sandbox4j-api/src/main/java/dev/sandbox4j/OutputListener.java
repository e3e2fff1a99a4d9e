package dev.sandbox4j;

/**
 * Receives a run's output as it is produced, before the run ends.
 *
 * <p>Chunks arrive on a sandbox4j thread in the order the engine delivered them; keep the methods quick and do not
 * block. Only output within the run's output limit is delivered. Chunks are raw bytes: a multi-byte UTF-8
 * character may be split across two chunks. The arrays are not reused and may be kept.
 *
 * @since 0.1
 */
public interface OutputListener {
    /** A listener that ignores everything. */
    OutputListener NONE = new OutputListener() {};

    default void onStdout(byte[] chunk) {}

    default void onStderr(byte[] chunk) {}
}
