package dev.sandbox4j.langchain4j;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.EngineCheck;

/**
 * Set-up of the integration tests against the real engine (see {@link EngineCheck}): skips when Docker is missing
 * (fails instead with {@code -Dsandbox.it.strict=true}), labels every box with this run's id, and finds what is left
 * behind.
 */
final class EngineSupport {
    static final String RUN_ID = EngineCheck.newRunId();

    private EngineSupport() {}

    static SandboxClient client() {
        return EngineCheck.clientBuilder("docker").build();
    }

    /** Session options whose boxes carry the run-id label. */
    static SessionOptions options() {
        return SessionOptions.builder()
                .runtime(RuntimeConfig.builder().label(EngineCheck.RUN_LABEL, RUN_ID).build())
                .build();
    }

    static void assertNoLeftovers() {
        EngineCheck.assertNoBoxesLeft("docker", RUN_ID);
    }
}
