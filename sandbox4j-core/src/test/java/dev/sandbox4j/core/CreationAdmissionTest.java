package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's bound on box creations ({@code maxConcurrentCreations}, {@code creationQueue}), on a fake engine. */
class CreationAdmissionTest {
    /** Generous bound on waiting for other threads on a busy shared machine; never a timing assertion. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final WarmPoolTest.PoolBackend backend = new WarmPoolTest.PoolBackend();
    private final List<SandboxClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        backend.gate.countDown();
        clients.forEach(SandboxClient::close);
        assertThat(backend.live).as("boxes left after the clients closed").isEmpty();
    }

    private DefaultSandboxClient client(int maxConcurrentCreations, int creationQueue, PoolConfig... pools) {
        SandboxClient.Builder b = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .eventListener(SandboxEventListener.NONE).maxConcurrentCreations(maxConcurrentCreations)
                .creationQueue(creationQueue);
        for (PoolConfig p : pools) {
            b.pool(p);
        }
        SandboxClient c = b.build();
        clients.add(c);
        return (DefaultSandboxClient) c;
    }

    @Test
    void createsAtMostTheBoundAtOnceQueuesTheRestAndRefusesBeyondTheQueue() throws Exception {
        DefaultSandboxClient client = client(2, 2);
        backend.gate = new CountDownLatch(1); // every create() blocks until we open the gate
        List<CompletableFuture<SandboxSession>> opening = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            opening.add(CompletableFuture.supplyAsync(() -> client.openSession("python"),
                    r -> Thread.ofVirtual().start(r)));
        }
        await().atMost(PATIENCE).until(() -> backend.blocked.get() == 2 && client.creationsWaiting() == 2);
        assertThat(backend.blocked.get()).as("creations in the engine at once").isEqualTo(2);

        assertThatThrownBy(() -> client.openSession("python"))
                .isInstanceOf(SandboxBusyException.class)
                .hasMessageContaining("maxConcurrentCreations 2, creationQueue 2");
        assertThatThrownBy(() -> client.run("python", "print(1)"))
                .as("a one-shot run needs a box too").isInstanceOf(SandboxBusyException.class);

        backend.gate.countDown();
        for (CompletableFuture<SandboxSession> f : opening) {
            try (SandboxSession s = f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                assertThat(s.isOpen()).isTrue();
            }
        }
        assertThat(backend.creates.get()).isEqualTo(4);
        assertThat(client.creationsWaiting()).isZero();
    }

    @Test
    void poolRefillsTakeTheirTurnButNoPlaceInTheQueue() throws Exception {
        backend.gate = new CountDownLatch(1);
        DefaultSandboxClient client = client(1, 0, PoolConfig.builder("python").minSize(2).maxSize(2).build());
        // one refill creates, the other waits its turn (refills may wait although the queue has no place)
        await().atMost(PATIENCE).until(() -> backend.blocked.get() == 1 && client.creationsWaiting() == 1);

        backend.gate.countDown();
        await().atMost(PATIENCE).until(() -> client.poolStats().get(0).ready() == 2);
        assertThat(backend.creates.get()).isEqualTo(2);
    }

    @Test
    void closingTheClientFailsSessionsWaitingForTheirTurn() throws Exception {
        DefaultSandboxClient client = client(1, 4);
        backend.gate = new CountDownLatch(1);
        CompletableFuture<SandboxSession> first = CompletableFuture.supplyAsync(() -> client.openSession("python"),
                r -> Thread.ofVirtual().start(r));
        await().atMost(PATIENCE).until(() -> backend.blocked.get() == 1);
        CompletableFuture<SandboxSession> second = CompletableFuture.supplyAsync(() -> client.openSession("python"),
                r -> Thread.ofVirtual().start(r));
        await().atMost(PATIENCE).until(() -> client.creationsWaiting() == 1);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close, r -> Thread.ofVirtual().start(r));
        assertThatThrownBy(() -> second.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SessionClosedException.class);
        backend.gate.countDown();
        assertThatThrownBy(() -> first.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SessionClosedException.class);
        closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void builderRejectsNonsenseBoundsAndDefaultsToTheMachine() {
        assertThatThrownBy(() -> SandboxClient.builder().maxConcurrentCreations(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxConcurrentCreations (0) must be at least 1");
        assertThatThrownBy(() -> SandboxClient.builder().creationQueue(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("creationQueue (-1) must not be negative");
        assertThat(SandboxClient.builder().settings().maxConcurrentCreations())
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));
        assertThat(SandboxClient.builder().settings().creationQueue())
                .isEqualTo(SandboxClient.Builder.DEFAULT_CREATION_QUEUE);
    }
}
