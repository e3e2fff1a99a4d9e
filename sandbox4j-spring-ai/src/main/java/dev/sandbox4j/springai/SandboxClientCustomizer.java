package dev.sandbox4j.springai;

import dev.sandbox4j.SandboxClient;

/**
 * Changes the {@link SandboxClient.Builder} of the auto-configured client after the {@code sandbox4j.*} properties
 * were applied (e.g. an explicit backend factory, an install configuration, an event listener). Declare beans of
 * this type; they are applied in {@link org.springframework.core.annotation.Order order}.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface SandboxClientCustomizer {
    void customize(SandboxClient.Builder builder);
}
