package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

/**
 * A started box, as returned by {@link SandboxBackend#create}.
 *
 * @param id   the engine's id for it
 * @param name its unique name
 * @param spec what it was created from
 * @since 0.1
 */
public record Box(String id, String name, BoxSpec spec) {
    public Box {
        requireNonNull(id, "id");
        requireNonNull(name, "name");
        requireNonNull(spec, "spec");
    }
}
