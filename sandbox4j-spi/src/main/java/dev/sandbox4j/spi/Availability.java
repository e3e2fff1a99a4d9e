package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

/**
 * Result of {@link SandboxBackendFactory#probe}: whether the backend can be used here, and a one-line explanation
 * (the endpoint and version when available, the reason when not).
 *
 * @since 0.1
 */
public record Availability(boolean available, String detail) {
    public Availability {
        requireNonNull(detail, "detail");
    }

    public static Availability available(String detail) {
        return new Availability(true, detail);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
