package dev.sandbox4j.spi;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * String properties handed to a backend factory, e.g. {@code docker.host=tcp://10.0.0.5:2375}. Backends fall back to
 * their usual environment variables ({@code DOCKER_HOST}, ...) for anything not set here.
 *
 * @since 0.1
 */
public record BackendConfig(Map<String, String> properties) {
    public BackendConfig {
        properties = Map.copyOf(properties);
    }

    public static BackendConfig empty() {
        return new BackendConfig(Map.of());
    }

    /** The property's value, or {@code null} when it is not set. */
    public @Nullable String get(String key) {
        return properties.get(key);
    }
}
