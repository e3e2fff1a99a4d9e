package dev.sandbox4j.springai;

import dev.sandbox4j.tck.EngineCheck;
import java.util.ArrayList;
import java.util.List;

/**
 * Set-up of the integration tests against the real engine (see {@link EngineCheck}): skips when Docker is missing
 * (fails instead with {@code -Dsandbox.it.strict=true}), labels every box with this run's id, and finds what is left
 * behind.
 */
final class EngineSupport {
    static final String RUN_ID = EngineCheck.newRunId();

    private EngineSupport() {}

    static void requireEngine() {
        EngineCheck.requireBackend("docker");
    }

    /** {@code sandbox4j.*} properties for the real engine: Docker, this run's label, images given to the build. */
    static List<String> properties() {
        List<String> p = new ArrayList<>(List.of("sandbox4j.backend=docker", "sandbox4j.reap-orphans=false",
                "sandbox4j.labels[" + EngineCheck.RUN_LABEL + "]=" + RUN_ID));
        EngineCheck.images().forEach((lang, image) -> p.add("sandbox4j.images." + lang + "=" + image));
        return p;
    }

    static void assertNoLeftovers() {
        EngineCheck.assertNoBoxesLeft("docker", RUN_ID);
    }
}
