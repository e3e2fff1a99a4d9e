package dev.sandbox4j.cli;

import dev.sandbox4j.SandboxClient;
import java.util.Map;

/** Creates the {@link SandboxClient} commands use; tests replace it. */
class ClientFactory {
    SandboxClient create(Map<String, String> images, boolean reapOrphans) {
        SandboxClient.Builder b = SandboxClient.builder().reapOrphans(reapOrphans);
        images.forEach(b::image);
        return b.build();
    }
}
