package dev.sandbox4j.springai;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code sandbox4j.*} properties of the Spring Boot auto-configuration ({@link SandboxAutoConfiguration}).
 *
 * <pre>
 * sandbox4j.backend=docker                   # default: auto-detect
 * sandbox4j.default-timeout=20s              # per run, when the tool call gives none (default 30s)
 * sandbox4j.policy=strict                    # a preset, or a policy file (YAML/JSON, from `sandbox4j policy`)
 * sandbox4j.pool.python.min-size=2           # warm pool: started boxes kept ready for python
 * sandbox4j.pool.python.max-size=8
 * sandbox4j.images.python=registry.example/python:3.12
 * sandbox4j.tools.max-sessions=4             # open sessions per conversation
 * </pre>
 *
 * @param enabled whether the auto-configuration creates anything (default true)
 * @param backend the backend to use, e.g. {@code docker}; {@code null} auto-detects
 * @param defaultTimeout per-run timeout when neither the tool call nor the session sets one (default 30 seconds)
 * @param policy a security-policy preset ({@code permissive}, {@code development}, {@code production},
 *     {@code strict}) or the path of a policy file; {@code null}: no policy (the container is the boundary)
 * @param pool warm pools by language: how many started boxes to keep ready ({@code min-size}) and the most that
 *     exist at once ({@code max-size})
 * @param images the image of a language, overriding its default
 * @param reapOrphans whether to remove boxes left behind by crashed processes when the client starts (default
 *     true)
 * @param tools settings of the tool layer
 * @since 0.2
 */
@ConfigurationProperties("sandbox4j")
public record SandboxProperties(
        @DefaultValue("true") boolean enabled,
        @Nullable String backend,
        @DefaultValue("30s") Duration defaultTimeout,
        @Nullable String policy,
        Map<String, Pool> pool,
        Map<String, String> images,
        @DefaultValue("true") boolean reapOrphans,
        @DefaultValue Tools tools) {

    private static final Set<String> PRESETS =
            Set.of("permissive", "development", "dev", "production", "prod", "strict");

    public SandboxProperties {
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("sandbox4j.default-timeout (" + defaultTimeout + ") must be positive");
        }
        pool = pool == null ? Map.of() : Map.copyOf(pool);
        images = images == null ? Map.of() : Map.copyOf(images);
        tools = tools == null ? new Tools(Tools.DEFAULT_MAX_SESSIONS) : tools;
    }

    /**
     * A warm pool of one language.
     *
     * @param minSize started boxes kept ready (default 1)
     * @param maxSize the most boxes of this pool at once, ready or in use (default 4)
     */
    public record Pool(@DefaultValue("1") int minSize, @DefaultValue("4") int maxSize) {}

    /**
     * Settings of the tool layer.
     *
     * @param maxSessions open sessions per conversation (scope) at once (default 4)
     */
    public record Tools(@DefaultValue("4") int maxSessions) {
        static final int DEFAULT_MAX_SESSIONS = 4;

        public Tools {
            if (maxSessions < 1) {
                throw new IllegalArgumentException(
                        "sandbox4j.tools.max-sessions (" + maxSessions + ") must be at least 1");
            }
        }
    }

    /**
     * Configures a client builder from these properties.
     *
     * @throws IllegalArgumentException if the policy is neither a preset nor a readable file, or a pool is invalid
     */
    public SandboxClient.Builder applyTo(SandboxClient.Builder builder) {
        if (backend != null && !backend.isBlank()) {
            builder.backend(backend);
        }
        builder.defaultTimeout(defaultTimeout).reapOrphans(reapOrphans);
        SecurityPolicy p = securityPolicy();
        if (p != null) {
            builder.policy(p);
        }
        images.forEach(builder::image);
        new LinkedHashMap<>(pool).forEach((language, size) -> builder.pool(
                PoolConfig.builder(language).minSize(size.minSize()).maxSize(size.maxSize()).build()));
        return builder;
    }

    /** The policy {@link #policy()} names, or {@code null} for none. */
    @Nullable SecurityPolicy securityPolicy() {
        if (policy == null || policy.isBlank()) {
            return null;
        }
        if (PRESETS.contains(policy.trim().toLowerCase(Locale.ROOT))) {
            return SecurityPolicy.preset(policy);
        }
        Path file = Path.of(policy.trim());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("sandbox4j.policy '" + policy
                    + "' is neither a preset (permissive, development, production, strict) nor a file");
        }
        return PolicyFiles.load(file);
    }
}
