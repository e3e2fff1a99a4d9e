package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import java.util.Map;

/**
 * Everything a backend needs to create and start one box.
 *
 * <p>The box's main process must run as {@code supervisorUser} (never as {@code runtime.user()}, the uid untrusted
 * code runs as), so that {@link SandboxBackend#killAll} can kill every untrusted process without stopping the box.
 *
 * @param name         unique container name
 * @param image        image reference
 * @param supervisorUser numeric {@code uid:gid} of the box's own long-lived process
 * @param limits       resource limits to enforce
 * @param runtime      isolation settings (untrusted user, network, rootfs, workdir, runtime, env)
 * @param labels       labels to put on the box (ownership, session id, ...)
 * @since 0.1
 */
public record BoxSpec(
        String name,
        String image,
        String supervisorUser,
        ResourceLimits limits,
        RuntimeConfig runtime,
        Map<String, String> labels) {
    public BoxSpec {
        requireNonNull(name, "name");
        requireNonNull(image, "image");
        requireNonNull(supervisorUser, "supervisorUser");
        requireNonNull(limits, "limits");
        requireNonNull(runtime, "runtime");
        labels = Map.copyOf(labels);
    }
}
