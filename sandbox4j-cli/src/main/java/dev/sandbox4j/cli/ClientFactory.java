package dev.sandbox4j.cli;

import dev.sandbox4j.PoolConfig;
import java.util.List;
import dev.sandbox4j.SandboxClient;
import java.util.Map;

/** Creates the {@link SandboxClient} commands use; tests replace it. */
class ClientFactory {
    SandboxClient create(Map<String, String> images, boolean reapOrphans) {
        return create(images, reapOrphans, List.of());
    }

    /** A client with warm pools. */
    SandboxClient create(Map<String, String> images, boolean reapOrphans, List<PoolConfig> pools) {
        SandboxClient.Builder b = SandboxClient.builder().reapOrphans(reapOrphans);
        images.forEach(b::image);
        pools.forEach(b::pool);
        return b.build();
    }
}
