package dev.sandbox4j.spi;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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
     * Like {@link #exec(Box, ExecRequest, OutputSink)}, but streams standard input from {@code stdin} (read on a
     * backend thread until it ends; {@code request.stdin()} is ignored). The process may never see end-of-file, so the
     * stream must be self-delimiting (a tar archive, length-framed data).
     *
     * @throws UnsupportedOperationException if the backend cannot stream input
     */
    default ExecHandle exec(Box box, ExecRequest request, InputStream stdin, OutputSink sink) {
        throw new UnsupportedOperationException(name() + " backend cannot stream standard input");
    }

    /**
     * Connects the box to a network ({@code network} non-null) or cuts it off from every network ({@code null}).
     * Used for library installation only: untrusted code runs without a network.
     *
     * @throws UnsupportedOperationException if the backend cannot change a box's network
     */
    default void setNetwork(Box box, @Nullable String network) {
        throw new UnsupportedOperationException(name() + " backend cannot change a box's network");
    }

    /**
     * Wraps an existing, running container that sandbox4j did not create. {@code template} carries the limits and
     * runtime settings the session assumes (the container's own settings are not changed); its name and image are
     * replaced by the container's.
     *
     * @throws IllegalArgumentException if there is no such container or it is not running
     * @throws UnsupportedOperationException if the backend cannot attach
     */
    default Box attach(String containerId, BoxSpec template) {
        throw new UnsupportedOperationException(name() + " backend cannot attach to existing containers");
    }

    /**
     * Labels of a local image, or {@code null} if there is no such image.
     */
    default @Nullable Map<String, String> imageLabels(String image) {
        return imageExists(image) ? Map.of() : null;
    }

    /**
     * Builds an image from a build context directory holding a {@code Dockerfile} (or the named file).
     *
     * @param contextDir build context
     * @param dockerfile Dockerfile path relative to the context, or {@code null} for {@code Dockerfile}
     * @param tag image reference to tag the result with
     * @param labels labels added to the image
     * @param progress receives the build's output lines
     * @return the image id
     * @throws UnsupportedOperationException if the backend cannot build images
     */
    default String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Map<String, String> labels,
            Consumer<String> progress) {
        throw new UnsupportedOperationException(name() + " backend cannot build images");
    }

    /** Removes a local image. Idempotent: a missing image is not an error. */
    default void removeImage(String image) {
        throw new UnsupportedOperationException(name() + " backend cannot remove images");
    }

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

    /**
     * Whether the box still exists and runs, checked cheaply (a warm pool asks before handing a box out). The default
     * lists the boxes carrying the box's labels; backends should answer from the box's id alone.
     *
     * @since 0.2
     */
    default boolean isRunning(Box box) {
        for (BoxInfo info : list(box.spec().labels())) {
            if (info.id().equals(box.id())) {
                return info.state().equals("running");
            }
        }
        return false;
    }

    @Override
    void close();
}
