package dev.sandbox4j.spi;

/**
 * Receives a running process's output as it arrives. Called from a backend thread, one chunk at a time, in order.
 *
 * @since 0.1
 */
public interface OutputSink {
    void stdout(byte[] chunk);

    void stderr(byte[] chunk);
}
