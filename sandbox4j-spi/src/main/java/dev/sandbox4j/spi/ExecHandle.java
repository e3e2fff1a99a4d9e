package dev.sandbox4j.spi;

import java.util.concurrent.CompletableFuture;

/**
 * A process started by {@link SandboxBackend#exec}.
 *
 * @since 0.1
 */
public interface ExecHandle extends AutoCloseable {
    /**
     * Completes with the process's exit code once it has exited and its output has been delivered (or abandoned
     * because processes it left behind keep the streams open). Completes exceptionally with a {@link
     * dev.sandbox4j.BackendException} if the engine fails.
     */
    CompletableFuture<Integer> exitCode();

    /** Stops delivering output and releases the stream. Idempotent. Does not kill the process. */
    @Override
    void close();
}
