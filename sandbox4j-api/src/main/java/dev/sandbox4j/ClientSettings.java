package dev.sandbox4j;

import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.policy.SecurityPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link SandboxClient.Builder} was told, handed to the {@link EngineProvider} that makes the client. Made only
 * by the builder; immutable.
 *
 * @param backendName the backend to use, or {@code null} to pick one by probing
 * @param backendFactory a backend factory to use instead of discovery, or {@code null}
 * @param backendProperties backend settings, e.g. {@code docker.host}
 * @param languages language plug-ins in addition to (or replacing, by id) the discovered ones
 * @param images language id to the image it runs in, where not the plug-in's default
 * @param reapOrphans whether to remove boxes orphaned by crashed processes when the client starts
 * @param defaultTimeout per-run timeout when neither the run nor the session sets one
 * @param policy security policy for sessions that set none, or {@code null}
 * @param eventListener where audit events go
 * @param principal who uses the client, for audit events of sessions that name none
 * @param install registries and network for library installation
 * @param pools warm pools to keep
 * @param maxConcurrentCreations boxes created and started at once (at least 1)
 * @param creationQueue creations that may wait for a slot (at least 0)
 * @since 0.2
 */
public record ClientSettings(@Nullable String backendName, @Nullable BackendPlugin backendFactory,
        Map<String, String> backendProperties, List<LanguagePlugin> languages, Map<String, String> images,
        boolean reapOrphans, Duration defaultTimeout, @Nullable SecurityPolicy policy,
        SandboxEventListener eventListener, String principal, InstallConfig install, List<PoolConfig> pools,
        int maxConcurrentCreations, int creationQueue) {
    public ClientSettings {
        if (maxConcurrentCreations < 1) {
            throw new IllegalArgumentException("maxConcurrentCreations (" + maxConcurrentCreations
                    + ") must be at least 1");
        }
        if (creationQueue < 0) {
            throw new IllegalArgumentException("creationQueue (" + creationQueue + ") must not be negative");
        }
        backendProperties = Map.copyOf(backendProperties);
        languages = List.copyOf(languages);
        images = Map.copyOf(images);
        pools = List.copyOf(pools);
    }

    /** Without bounds of their own: the default bounds on box creation ({@link SandboxClient.Builder#maxConcurrentCreations}). */
    public ClientSettings(@Nullable String backendName, @Nullable BackendPlugin backendFactory,
            Map<String, String> backendProperties, List<LanguagePlugin> languages, Map<String, String> images,
            boolean reapOrphans, Duration defaultTimeout, @Nullable SecurityPolicy policy,
            SandboxEventListener eventListener, String principal, InstallConfig install, List<PoolConfig> pools) {
        this(backendName, backendFactory, backendProperties, languages, images, reapOrphans, defaultTimeout, policy,
                eventListener, principal, install, pools, SandboxClient.Builder.defaultMaxConcurrentCreations(),
                SandboxClient.Builder.DEFAULT_CREATION_QUEUE);
    }
}
