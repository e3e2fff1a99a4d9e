package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A session opened from the warm pool takes its box without an engine call: no inspect, no exec. */
@Tag("docker")
class PoolHandOutIT {
    @AfterAll
    static void noLeftovers() {
        DockerTestSupport.assertNoLeftovers();
    }

    @Test
    void openingASessionFromThePoolMakesNoEngineCall() {
        CountingDockerBackend.Factory counting = new CountingDockerBackend.Factory();
        PoolConfig pool = PoolConfig.builder("python").minSize(1).maxSize(2)
                .runtime(DockerTestSupport.options().build().runtime()).build();
        List<Long> nanos = new ArrayList<>();
        try (SandboxClient c = DockerTestSupport.clientBuilder().backendFactory(counting).pool(pool).build()) {
            for (int i = 0; i < 6; i++) {
                // generous: a box is created and its runner started in the background (seconds on a busy machine)
                Awaitility.await().atMost(Duration.ofMinutes(2))
                        .until(() -> c.poolStats().get(0).ready() >= 1);
                CountingDockerBackend engine = counting.backend;
                Thread me = Thread.currentThread();
                long execs = engine.execsBy(me);
                long inspects = engine.inspectsBy(me);
                long t0 = System.nanoTime();
                SandboxSession s = c.openSession("python", DockerTestSupport.options().build());
                nanos.add(System.nanoTime() - t0);
                assertThat(engine.execsBy(me) - execs).as("execs at hand-out").isZero();
                assertThat(engine.inspectsBy(me) - inspects).as("inspects at hand-out").isZero();
                assertThat(s.run("print(1)").stdout()).isEqualTo("1\n");
                s.close();
            }
            assertThat(c.poolStats().get(0).handedOut()).isEqualTo(6);
        }
        Collections.sort(nanos);
        // a figure, not an assertion: the machine is shared
        System.out.printf("pooled session open: median %.2f ms, max %.2f ms%n", nanos.get(nanos.size() / 2) / 1e6,
                nanos.get(nanos.size() - 1) / 1e6);
    }
}
