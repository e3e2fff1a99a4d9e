package dev.sandbox4j.springai;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.tools.SandboxTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code sandbox4j.*} properties of the Spring Boot auto-configuration ({@link SandboxAutoConfiguration}).
 *
 * <pre>
 * sandbox4j.backend=docker                     # default: auto-detect
 * sandbox4j.default-timeout=20s                # per run, when the tool call gives none (default 30s)
 * sandbox4j.policy=strict                      # a preset, or a policy file (YAML/JSON, see `sandbox4j policy`)
 * sandbox4j.pool.python.min-size=2             # warm pool: started boxes kept ready for python
 * sandbox4j.pool.python.max-size=8
 * sandbox4j.images.python=registry.example/python:3.12
 * sandbox4j.labels[team]=agents                # on every box
 * sandbox4j.tools.max-sessions-per-scope=4     # open sessions per conversation
 * sandbox4j.tools.idle-timeout=15m
 * </pre>
 *
 * @param enabled whether the auto-configuration creates anything (default true)
 * @param backend the backend to use, e.g. {@code docker}; {@code null} auto-detects
 * @param defaultTimeout per-run timeout when neither the tool call nor the session sets one (default 30 seconds)
 * @param policy a security-policy preset ({@code permissive}, {@code development}, {@code production},
 *     {@code strict}) or the path of a policy file; {@code null}: no policy (the container is the boundary)
 * @param pool warm pools by language: started boxes kept ready ({@code min-size}) and the most that exist at once
 *     ({@code max-size}); the boxes of tool calls use them
 * @param images the image of a language, overriding its default
 * @param labels labels put on every box the tools start (and on the pooled ones)
 * @param reapOrphans whether to remove boxes left behind by crashed processes when the client starts (default
 *     true)
 * @param tools limits of the tool layer
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
        Map<String, String> labels,
        @DefaultValue("true") boolean reapOrphans,
        @DefaultValue Tools tools) {

    public SandboxProperties {
        positive("sandbox4j.default-timeout", defaultTimeout);
        pool = pool == null ? Map.of() : new TreeMap<>(pool);
        images = images == null ? Map.of() : Map.copyOf(images);
        labels = labels == null ? Map.of() : new TreeMap<>(labels);
        tools = tools == null ? Tools.defaults() : tools;
    }

    /** Properties with every default (nothing set). */
    public static SandboxProperties defaults() {
        return new SandboxProperties(true, null, SandboxClient.DEFAULT_TIMEOUT, null, null, null, null, true, null);
    }

    /**
     * A warm pool of one language.
     *
     * @param minSize started boxes kept ready (default 1)
     * @param maxSize the most boxes of this pool at once, ready or in use (default 4)
     */
    public record Pool(@DefaultValue("1") int minSize, @DefaultValue("4") int maxSize) {}

    /**
     * Limits of the tool layer ({@link SandboxTools.Builder}).
     *
     * @param maxSessionsPerScope open sessions per conversation (default 4)
     * @param maxSessions open sessions of all conversations together (default 32)
     * @param idleTimeout a session unused for this long is closed (default 15 minutes)
     * @param maxTimeout the longest timeout a model may ask for (default 5 minutes)
     * @param maxOutputChars each stream in a result is cut in the middle past this many characters (default 20000)
     */
    public record Tools(
            @DefaultValue("4") int maxSessionsPerScope,
            @DefaultValue("32") int maxSessions,
            @DefaultValue("15m") Duration idleTimeout,
            @DefaultValue("5m") Duration maxTimeout,
            @DefaultValue("20000") int maxOutputChars) {
        public Tools {
            positive("sandbox4j.tools.idle-timeout", idleTimeout);
            positive("sandbox4j.tools.max-timeout", maxTimeout);
        }

        static Tools defaults() {
            return new Tools(4, 32, Duration.ofMinutes(15), Duration.ofMinutes(5), 20_000);
        }
    }

    /**
     * Configures a client builder: backend, default timeout, policy, images and warm pools.
     *
     * @throws IllegalArgumentException if the policy is neither a preset nor a file, or a pool is invalid
     */
    public SandboxClient.Builder applyTo(SandboxClient.Builder builder) {
        if (backend != null && !backend.isBlank()) {
            builder.backend(backend.trim());
        }
        builder.defaultTimeout(defaultTimeout).reapOrphans(reapOrphans);
        SecurityPolicy p = securityPolicy();
        if (p != null) {
            builder.policy(p);
        }
        images.forEach(builder::image);
        RuntimeConfig runtime = runtime();
        pool.forEach((language, size) -> builder.pool(PoolConfig.builder(language)
                .minSize(size.minSize()).maxSize(size.maxSize()).runtime(runtime).build()));
        return builder;
    }

    /**
     * A tool-layer builder over {@code client} with these limits; its sessions and one-shot runs have the
     * {@link #labels()} (and so the same profile as the warm pools, which they then use).
     */
    public SandboxTools.Builder toolsBuilder(SandboxClient client) {
        return SandboxTools.builder(client)
                .sessionOptions(SessionOptions.builder().runtime(runtime()).build())
                .maxSessionsPerScope(tools.maxSessionsPerScope())
                .maxSessions(tools.maxSessions())
                .idleTimeout(tools.idleTimeout())
                .maxTimeout(tools.maxTimeout())
                .maxOutputChars(tools.maxOutputChars());
    }

    private RuntimeConfig runtime() {
        if (labels.isEmpty()) {
            return RuntimeConfig.defaults();
        }
        RuntimeConfig.Builder b = RuntimeConfig.builder();
        labels.forEach(b::label);
        return b.build();
    }

    /** The policy {@link #policy()} names, or {@code null} for none. */
    @Nullable SecurityPolicy securityPolicy() {
        if (policy == null || policy.isBlank()) {
            return null;
        }
        return PolicyFiles.presetOrFile(policy, Path.of(""), "sandbox4j.policy");
    }

    private static void positive(String name, @Nullable Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " (" + d + ") must be positive");
        }
    }
}
