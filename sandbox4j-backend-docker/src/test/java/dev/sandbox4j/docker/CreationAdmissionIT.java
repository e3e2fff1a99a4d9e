package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The client's bound on box creations against the real engine: more sessions than the bound, opened at once, all open
 * and run, while the engine never creates more boxes at once than the bound.
 */
@Tag("docker")
class CreationAdmissionIT {
    @BeforeAll
    static void engine() {
        DockerTestSupport.requireEngine();
    }

    @AfterAll
    static void noLeftovers() {
        DockerTestSupport.assertNoLeftovers();
    }

    @Test
    void sessionsBeyondTheBoundAllOpenWhileAtMostTheBoundAreCreatedAtOnce() throws Exception {
        int bound = 2;
        int sessions = 6;
        CountingFactory engine = new CountingFactory(new DockerBackendFactory());
        try (SandboxClient client = DockerTestSupport.clientBuilder().backendFactory(engine)
                .maxConcurrentCreations(bound).creationQueue(sessions).build();
                ExecutorService callers = Executors.newFixedThreadPool(sessions)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ExecutionResult>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                int n = i;
                results.add(callers.submit(() -> {
                    go.await();
                    try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
                        return s.run("print(" + n + " * 2)", RunOptions.timeout(Duration.ofSeconds(60)));
                    }
                }));
            }
            go.countDown();
            for (int i = 0; i < sessions; i++) {
                // generous bound for a busy shared machine, not a timing assertion
                ExecutionResult r = results.get(i).get(5, TimeUnit.MINUTES);
                assertThat(r.status()).as("session %d: %s", i, r).isEqualTo(ExecutionStatus.OK);
                assertThat(r.stdout()).isEqualTo(i * 2 + "\n");
            }
        }
        assertThat(engine.creates.get()).isEqualTo(sessions);
        assertThat(engine.peak.get()).as("box creations in the engine at once").isBetween(1, bound);
    }

    /** The Docker backend, counting the {@code create} calls in flight and their peak. */
    static final class CountingFactory implements SandboxBackendFactory {
        final SandboxBackendFactory delegate;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        final AtomicInteger creates = new AtomicInteger();

        CountingFactory(SandboxBackendFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Availability probe(BackendConfig config) {
            return delegate.probe(config);
        }

        @Override
        public SandboxBackend create(BackendConfig config) {
            SandboxBackend real = delegate.create(config);
            return (SandboxBackend) Proxy.newProxyInstance(SandboxBackend.class.getClassLoader(),
                    new Class<?>[] {SandboxBackend.class}, (proxy, method, args) -> {
                        boolean create = method.getName().equals("create");
                        if (create) {
                            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                            creates.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        } finally {
                            if (create) {
                                inFlight.decrementAndGet();
                            }
                        }
                    });
        }
    }
}
