package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

/**
 * Whether a backend found on the class path can be used here, and why (not).
 *
 * @param name backend name, e.g. {@code "docker"}
 * @param available whether its probe succeeded
 * @param detail what it found (engine, version, endpoint) or why it cannot be used
 * @since 0.2
 */
public record BackendStatus(String name, boolean available, String detail) {
    public BackendStatus {
        requireNonNull(name, "name");
        requireNonNull(detail, "detail");
    }
}
