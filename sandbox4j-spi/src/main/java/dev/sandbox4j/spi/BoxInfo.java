package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * A box as listed by {@link SandboxBackend#list}, e.g. to find boxes orphaned by a crashed process.
 *
 * @since 0.1
 */
public record BoxInfo(String id, String name, Map<String, String> labels, Instant created, String state) {
    public BoxInfo {
        requireNonNull(id, "id");
        requireNonNull(name, "name");
        labels = Map.copyOf(labels);
        requireNonNull(created, "created");
        requireNonNull(state, "state");
    }
}
