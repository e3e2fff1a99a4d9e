package dev.sandbox4j.spi;

import java.util.List;
import java.util.Map;

/**
 * A connection to one container engine. Thread-safe. Every method throws {@link dev.sandbox4j.BackendException}
 * when the engine fails.
 *
 * @since 0.1
 */
public interface SandboxBackend extends AutoCloseable {
    /** Backend name, e.g. {@code "docker"}. */
    String name();

    /** One line for logs and {@code doctor}: engine, version, endpoint. */
    String describe();

    /** Whether the image exists locally. */
    boolean imageExists(String image);

    /**
     * Creates and starts a box. On failure nothing is left behind.
     *
     * @throws dev.sandbox4j.ImageUnavailableException when the image is missing
     */
    Box create(BoxSpec spec);

    /** Starts a process in the box and streams its output to {@code sink}. */
    ExecHandle exec(Box box, ExecRequest request, OutputSink sink);

    /**
     * Kills every process running as {@code user} in the box, including daemonised and re-parented ones and those
     * forking while they are killed. The box itself keeps running.
     *
     * @return true if nothing of that user is left
     */
    boolean killAll(Box box, String user);

    /** How many processes the kernel's OOM killer has killed in this box so far, or -1 if unknown. */
    long oomKillCount(Box box);

    /** Removes the box (killing what runs in it). Idempotent: a box that is already gone is not an error. */
    void remove(String boxId);

    /** Boxes (running or not) whose labels include all of {@code labels}. */
    List<BoxInfo> list(Map<String, String> labels);

    @Override
    void close();
}
