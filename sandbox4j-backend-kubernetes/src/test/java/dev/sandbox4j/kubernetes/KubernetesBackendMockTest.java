package dev.sandbox4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend against fabric8's mock API server in CRUD mode (Pods and NetworkPolicies are stored and listed as a real
 * server would), with expectations for what CRUD cannot show (exec streams). The tests play the kubelet: they move
 * the Pods' status the way a node would.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesBackendMockTest {
    static final String NS = "sandboxes";
    /** The mock server logs every request at INFO (through java.util.logging); keep the build log readable. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    // one server for the class (stopping a mock server can take seconds on a loaded machine); tearDown empties it
    static KubernetesMockServer server;
    static KubernetesClient client;

    private KubernetesBackend backend;

    @BeforeEach
    void setUp() {
        backend = new KubernetesBackend(client, settings(Duration.ofMinutes(2)), NS, "mock");
    }

    @AfterEach
    void tearDown() {
        client.pods().inNamespace(NS).delete();
        client.network().v1().networkPolicies().inNamespace(NS).delete();
    }

    static KubernetesSettings settings(Duration startTimeout) {
        return new KubernetesSettings(NS, null, null, null, null, "IfNotPresent", startTimeout, true, true);
    }

    private static BoxSpec spec(String name, Map<String, String> extraLabels) {
        Map<String, String> labels = new HashMap<>(Map.of("dev.sandbox4j.managed", "true",
                "dev.sandbox4j.session", name, "dev.sandbox4j.owner", "ci-host:4242:99"));
        labels.putAll(extraLabels);
        BoxSpec s = PodSpecsTest.spec(labels);
        return new BoxSpec(name, s.image(), s.supervisorUser(), s.limits(), s.runtime(), s.labels());
    }

    /** Waits until the Pod exists, then sets its status as a kubelet would. */
    private Pod kubelet(String name, PodStatus status) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(NS).withName(name).get() != null);
        Pod p = client.pods().inNamespace(NS).withName(name).get();
        p.setStatus(status);
        return client.pods().inNamespace(NS).resource(p).updateStatus();
    }

    static PodStatus running() {
        return new PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withReady(true)
                        .withNewState().withNewRunning().withStartedAt("2026-11-23T12:00:00Z").endRunning().endState()
                        .build())
                .build();
    }

    /**
     * Creates a box on a thread of its own: on two cores the common pool has one thread, and blocking it in create
     * would starve the client's own asynchronous work.
     */
    private CompletableFuture<Box> createAsync(String name, Map<String, String> labels) {
        CompletableFuture<Box> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(backend.create(spec(name, labels)));
            } catch (Throwable t) {
                f.completeExceptionally(new java.util.concurrent.CompletionException(t));
            }
        });
        return f;
    }

    private Box createRunning(String name, Map<String, String> labels) {
        CompletableFuture<Box> created = createAsync(name, labels);
        kubelet(name, running());
        return created.join();
    }

    @Test
    void createWaitsForRunningAndLeavesAHardenedLabelledPod() {
        CompletableFuture<Box> created = createAsync("box-a", Map.of());
        await().atMost(Duration.ofSeconds(60))
                .until(() -> client.pods().inNamespace(NS).withName("box-a").get() != null);
        assertThat(created).isNotDone(); // still Pending: no status yet
        kubelet("box-a", new PodStatusBuilder().withPhase("Pending").build());
        assertThat(created).isNotDone();
        kubelet("box-a", running());
        Box box = created.join();
        assertThat(box.id()).isEqualTo("box-a");

        Pod p = client.pods().inNamespace(NS).withName("box-a").get();
        assertThat(p.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(p.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(p.getSpec().getContainers().get(0).getSecurityContext().getCapabilities().getDrop())
                .containsExactly("ALL");
        assertThat(p.getSpec().getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(p.getMetadata().getLabels()).containsEntry("dev.sandbox4j.session", "box-a")
                .containsEntry("dev.sandbox4j.managed", "true")
                .containsEntry(PodSpecs.NETWORK_LABEL, "none");
        NetworkPolicy np = client.network().v1().networkPolicies().inNamespace(NS)
                .withName(PodSpecs.NETWORK_POLICY_NAME).get();
        assertThat(np).isNotNull();
        assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsEntry(PodSpecs.NETWORK_LABEL, "none");
        assertThat(backend.isRunning(box)).isTrue();
    }

    @Test
    void listFindsBoxesByLabelsWithTheirOriginalValues() {
        createRunning("box-a", Map.of());
        createRunning("box-b", Map.of("dev.sandbox4j.owner", "other-host:1:2"));
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("unrelated")
                .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x")
                .endContainer().endSpec().build()).create();

        assertThat(backend.list(Map.of("dev.sandbox4j.managed", "true"))).extracting(BoxInfo::id)
                .containsExactlyInAnyOrder("box-a", "box-b");
        List<BoxInfo> byOwner = backend.list(Map.of("dev.sandbox4j.owner", "other-host:1:2"));
        assertThat(byOwner).extracting(BoxInfo::id).containsExactly("box-b");
        assertThat(byOwner.get(0).labels()).containsEntry("dev.sandbox4j.owner", "other-host:1:2");
        assertThat(byOwner.get(0).state()).isEqualTo("running");
        assertThat(byOwner.get(0).created()).isAfter(Instant.EPOCH);
        assertThat(backend.list(Map.of("dev.sandbox4j.session", "nope"))).isEmpty();
    }

    @Test
    void removeDeletesThePodAndIsIdempotent() {
        Box box = createRunning("box-a", Map.of());
        backend.remove(box.id());
        assertThat(client.pods().inNamespace(NS).withName("box-a").get()).isNull();
        assertThat(backend.isRunning(box)).isFalse();
        backend.remove(box.id());
        assertThat(backend.list(Map.of("dev.sandbox4j.managed", "true"))).isEmpty();
    }

    @Test
    void podThatEndsIsNoLongerRunning() {
        Box box = createRunning("box-a", Map.of());
        kubelet("box-a", new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded").build());
        assertThat(backend.isRunning(box)).isFalse();
        assertThat(backend.list(Map.of("dev.sandbox4j.session", "box-a"))).extracting(BoxInfo::state)
                .containsExactly("exited");
    }

    @Test
    void imageThatCannotBePulledFailsCreateAndLeavesNothing() {
        CompletableFuture<Box> created = createAsync("box-a", Map.of());
        kubelet("box-a", new PodStatusBuilder().withPhase("Pending")
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withNewState().withNewWaiting()
                        .withReason("ErrImageNeverPull").withMessage("image is not present with pull policy Never")
                        .endWaiting().endState().build())
                .build());
        assertThatThrownBy(created::join).hasCauseInstanceOf(ImageUnavailableException.class)
                .cause().hasMessageContaining("sandbox4j/python:bookworm").hasMessageContaining("ErrImageNeverPull")
                .hasMessageContaining("kind load docker-image");
        assertThat(client.pods().inNamespace(NS).withName("box-a").get()).isNull();
    }

    @Test
    void podThatIsNeverScheduledTimesOutAndIsDeleted() {
        backend = new KubernetesBackend(client, settings(Duration.ofSeconds(2)), NS, "mock");
        CompletableFuture<Box> created = createAsync("box-a", Map.of());
        assertThatThrownBy(() -> created.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(BackendException.class)
                .hasMessageContaining("did not start within 2 s (kubernetes.startTimeout)");
        assertThat(client.pods().inNamespace(NS).withName("box-a").get()).isNull();
    }

    @Test
    void containerThatCannotStartFailsCreate() {
        CompletableFuture<Box> created = createAsync("box-a", Map.of());
        kubelet("box-a", new PodStatusBuilder().withPhase("Pending")
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withNewState().withNewWaiting()
                        .withReason("CreateContainerConfigError")
                        .withMessage("container has runAsNonRoot and image will run as root").endWaiting().endState()
                        .build())
                .build());
        assertThatThrownBy(created::join).cause().isInstanceOf(BackendException.class)
                .hasMessageContaining("runAsNonRoot");
        assertThat(client.pods().inNamespace(NS).withName("box-a").get()).isNull();
    }

    /** A backend for a {@link SandboxClient} of its own (the client closes it, and with it its own API client). */
    private SandboxBackendFactory ownBackend() {
        KubernetesClient own = server.createClient();
        return new SandboxBackendFactory() {
            @Override
            public String name() {
                return "kubernetes";
            }

            @Override
            public Availability probe(BackendConfig config) {
                return Availability.available("mock");
            }

            @Override
            public SandboxBackend create(BackendConfig config) {
                return new KubernetesBackend(own, settings(Duration.ofMinutes(2)), NS, "mock");
            }
        };
    }

    /** The core's warm pool fills itself with Pods and hands one to a session, which deletes it on close. */
    @Test
    void corePoolHandsOutPods() {
        io.fabric8.kubernetes.client.Watch kubelet = client.pods().inNamespace(NS).watch(
                new io.fabric8.kubernetes.client.Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        if (action == Action.ADDED && pod.getStatus() == null) {
                            pod.setStatus(running());
                            client.pods().inNamespace(NS).resource(pod).updateStatus();
                        }
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
                });
        try (SandboxClient sc = SandboxClient.builder().backendFactory(ownBackend()).reapOrphans(false)
                .pool(dev.sandbox4j.PoolConfig.builder("python").minSize(1).maxSize(1).build()).build()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> sc.poolStats().get(0).ready() == 1);
            List<String> pooled = client.pods().inNamespace(NS).list().getItems().stream()
                    .map(p -> p.getMetadata().getName()).toList();
            assertThat(pooled).hasSize(1);
            try (var session = sc.openSession("python")) {
                assertThat(session.id()).isNotBlank();
                assertThat(sc.poolStats().get(0).handedOut()).isEqualTo(1);
                assertThat(client.pods().inNamespace(NS).withName(pooled.get(0)).get()).isNotNull();
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> client.pods().inNamespace(NS).withName(pooled.get(0)).get() == null);
        } finally {
            kubelet.close();
        }
    }

    /** The reaper of the core finds orphaned Pods through list() and removes them through remove(). */
    @Test
    void coreReaperRemovesOrphanedPods() {
        createRunning("alive", Map.of("dev.sandbox4j.owner", "other-host:1:2"));
        createRunning("ended", Map.of("dev.sandbox4j.owner", "other-host:1:2"));
        kubelet("ended", new PodStatusBuilder().withPhase("Failed").build());
        createRunning("expired", Map.of("dev.sandbox4j.owner", "other-host:1:2",
                "dev.sandbox4j.expires", Long.toString(Instant.now().getEpochSecond() - 5)));

        SandboxBackendFactory factory = ownBackend();
        try (SandboxClient sc = SandboxClient.builder().backendFactory(factory).reapOrphans(false).build()) {
            assertThat(sc.removeOrphans()).containsExactlyInAnyOrder("ended", "expired");
        }
        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly("alive");
    }

    /**
     * Answers one exec at {@code path} with {@code messages}, 50 ms apart: the mock server closes the socket as soon
     * as nothing is pending, so messages emitted together can be cut off (a real API server sends the status last).
     */
    private void emit(String path, Object... messages) {
        var session = server.expect().get().withPath(path).andUpgradeToWebSocket().open();
        long delay = 50;
        for (Object m : messages) {
            session = session.waitFor(delay).andEmit(m);
            delay += 50;
        }
        session.done().once();
    }

    private String execPath(String pod, List<String> argv, boolean stdin) {
        StringBuilder q = new StringBuilder();
        for (String a : argv) {
            q.append("command=").append(URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20")).append('&');
        }
        q.append("container=sandbox&");
        if (stdin) {
            q.append("stdin=true&");
        }
        q.append("stdout=true&stderr=true");
        return "/api/v1/namespaces/" + NS + "/pods/" + pod + "/exec?" + q;
    }

    private static final class Collected implements OutputSink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void stdout(byte[] chunk) {
            out.writeBytes(chunk);
        }

        @Override
        public synchronized void stderr(byte[] chunk) {
            err.writeBytes(chunk);
        }
    }

    @Test
    void execStreamsStdoutAndStderrSeparatelyAndReportsTheExitCode() throws Exception {
        Box box = createRunning("box-a", Map.of());
        ExecRequest req = new ExecRequest(List.of("python3", "-c", "print(1)"), Map.of("A", "b c"), "65534:65534",
                "/workspace", new byte[0]);
        emit(execPath("box-a", PodExec.wrap(req, box.spec().limits()), false),
                new OutputStreamMessage("hello\n"), new ErrorStreamMessage("warning\n"),
                        new StatusStreamMessage(3));
        Collected sink = new Collected();
        try (ExecHandle h = backend.exec(box, req, sink)) {
            assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isEqualTo(3);
        }
        assertThat(sink.out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(sink.err.toString(StandardCharsets.UTF_8)).isEqualTo("warning\n");
    }

    @Test
    void execWithAStdinStreamAsksForStdinAndReleasesTheStream() throws Exception {
        Box box = createRunning("box-a", Map.of());
        ExecRequest req = new ExecRequest(List.of("cat"), Map.of(), "65534:65534", "/workspace", new byte[0]);
        // the mock server answers the stdin frame (channel 0, then the bytes) with the exit status
        server.expect().get().withPath(execPath("box-a", PodExec.wrap(req, box.spec().limits()), true))
                .andUpgradeToWebSocket()
                .open(new OutputStreamMessage("echoed"))
                .expect("\u0000input").andEmit(new StatusStreamMessage(0)).once()
                .done().once();
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        java.io.InputStream source = new java.io.ByteArrayInputStream("input".getBytes(StandardCharsets.UTF_8)) {
            @Override
            public void close() {
                released.set(true);
            }
        };
        Collected sink = new Collected();
        try (ExecHandle h = backend.exec(box, req, source, sink)) {
            assertThat(h.exitCode().get(20, TimeUnit.SECONDS)).isZero();
        }
        assertThat(sink.out.toString(StandardCharsets.UTF_8)).isEqualTo("echoed");
        await().atMost(Duration.ofSeconds(60)).untilTrue(released);
    }

    @Test
    void killAllAndOomCountRunTheirScriptsAsThePodUser() {
        Box box = createRunning("box-a", Map.of());
        ExecRequest kill = new ExecRequest(List.of("/bin/sh", "-c", dev.sandbox4j.spi.BoxCommands.KILL_ALL), Map.of(),
                "65534:65534", "/", new byte[0]);
        emit(execPath("box-a", PodExec.wrap(kill, box.spec().limits()), false),
                new StatusStreamMessage(0));
        ExecRequest oom = new ExecRequest(List.of("/bin/sh", "-c", dev.sandbox4j.spi.BoxCommands.OOM_COUNT), Map.of(),
                "65534:65534", "/", new byte[0]);
        emit(execPath("box-a", PodExec.wrap(oom, box.spec().limits()), false),
                new OutputStreamMessage("low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n"), new StatusStreamMessage(0));
        assertThat(backend.killAll(box, "65534:65534")).isTrue();
        assertThat(backend.oomKillCount(box)).isEqualTo(2);
    }

    @Test
    void execAsAnotherUserIsRefused() {
        Box box = createRunning("box-a", Map.of());
        ExecRequest req = new ExecRequest(List.of("id"), Map.of(), "1000:1000", "/", new byte[0]);
        assertThatThrownBy(() -> backend.exec(box, req, new Collected())).isInstanceOf(BackendException.class)
                .hasMessageContaining("runs every process as the Pod's user");
    }

    @Test
    void attachWrapsARunningPodAndRefusesMissingOnes() {
        createRunning("box-a", Map.of());
        BoxSpec template = spec("ignored", Map.of());
        Box attached = backend.attach("box-a", template);
        assertThat(attached.id()).isEqualTo("box-a");
        assertThat(attached.spec().labels()).containsEntry("dev.sandbox4j.session", "box-a");
        assertThatThrownBy(() -> backend.attach("nope", template)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Pod 'nope'");
        assertThatThrownBy(() -> backend.attach("box-a/other", template)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no container 'other'");
    }

    @Test
    void networkCannotBeSwitched() {
        Box box = createRunning("box-a", Map.of());
        assertThatThrownBy(() -> backend.setNetwork(box, "bridge")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("NetworkPolicy");
    }

    @Test
    void factoryProbesTheApiServerNamedInAKubeconfig(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                    insecure-skip-tls-verify: true
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    user: tester
                    namespace: team-a
                current-context: mock
                users:
                - name: tester
                  user:
                    token: abc
                """.formatted(client.getMasterUrl().toString()));
        KubernetesBackendFactory f = new KubernetesBackendFactory();
        Availability a = f.probe(new BackendConfig(Map.of("kubernetes.kubeconfig", kubeconfig.toString())));
        assertThat(a.available()).as(a.detail()).isTrue();
        // the mock server answers /version itself (v0.0)
        assertThat(a.detail()).matches("Kubernetes v[0-9.]+ at " + java.util.regex.Pattern.quote(
                client.getMasterUrl().toString()) + ", namespace team-a \\(kubeconfig .*config\\)");
        try (SandboxBackend b = f.create(new BackendConfig(Map.of("kubernetes.kubeconfig", kubeconfig.toString(),
                "kubernetes.namespace", NS)))) {
            assertThat(b.name()).isEqualTo("kubernetes");
            assertThat(((KubernetesBackend) b).namespace()).isEqualTo(NS);
        }
    }

    @Test
    void factoryExplainsWhatIsMissing(@TempDir Path dir) {
        KubernetesBackendFactory f = new KubernetesBackendFactory();
        Availability missing = f.probe(new BackendConfig(Map.of("kubernetes.kubeconfig",
                dir.resolve("nope").toString())));
        assertThat(missing.available()).isFalse();
        assertThat(missing.detail()).contains("cannot read");
        Availability bad = f.probe(new BackendConfig(Map.of("kubernetes.imagePullPolicy", "Sometimes")));
        assertThat(bad.available()).isFalse();
        assertThat(bad.detail()).startsWith("invalid configuration");
        assertThat(f.priority()).isLessThan(100); // below docker
    }
}
