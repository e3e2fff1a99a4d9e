package dev.sandbox4j.kubernetes;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.tck.SandboxTck;
import dev.sandbox4j.tck.TckFeature;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The compatibility kit on a real Kubernetes cluster (kind, k3s, ...). It runs only when asked for, with
 * {@code SANDBOX4J_K8S_TCK=1} (or {@code -Dsandbox.k8s.tck=true}) and a kubeconfig; it is skipped otherwise, also with
 * {@code -Dsandbox.it.strict=true}, because no cluster can run on the machines CI uses. Backend properties come from
 * system properties named {@code kubernetes.*} (e.g. {@code -Dkubernetes.namespace=sandbox4j-tck}); the images must
 * be on the nodes ({@code kind load docker-image sandbox4j/python:bookworm}). See docs/backends/kubernetes.md.
 */
class KubernetesTckIT extends SandboxTck {
    private static final String RUN_LABEL = "dev.sandbox4j.run-id";
    private static final String RUN_ID = UUID.randomUUID().toString().substring(0, 8);

    private static SandboxClient client;
    private static KubernetesBackend observer;

    static boolean requested() {
        return "1".equals(System.getenv("SANDBOX4J_K8S_TCK")) || Boolean.getBoolean("sandbox.k8s.tck");
    }

    static BackendConfig config() {
        Map<String, String> props = new HashMap<>();
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("kubernetes.")) {
                props.put(k.toString(), v.toString());
            }
        });
        return new BackendConfig(props);
    }

    static final String SKIPPED = "the Kubernetes TCK needs a real cluster, which cannot run on these machines; it is "
            + "skipped even with sandbox.it.strict=true. Run it against kind/k3s with SANDBOX4J_K8S_TCK=1 and a "
            + "kubeconfig (docs/backends/kubernetes.md)";

    @BeforeAll
    static void start() {
        if (!requested()) {
            return; // each test is skipped with SKIPPED
        }
        BackendConfig config = config();
        var availability = new KubernetesBackendFactory().probe(config);
        if (!availability.available()) {
            throw new IllegalStateException("SANDBOX4J_K8S_TCK=1 but the cluster is not usable: "
                    + availability.detail());
        }
        observer = (KubernetesBackend) new KubernetesBackendFactory().create(config);
        SandboxClient.Builder b = SandboxClient.builder().backend("kubernetes").reapOrphans(false);
        config.properties().forEach(b::backendProperty);
        String image = System.getProperty("sandbox.image.python");
        if (image != null && !image.isBlank()) {
            b.image("python", image);
        }
        client = b.build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (observer != null) {
            for (BoxInfo left : observer.list(Map.of(RUN_LABEL, RUN_ID))) {
                observer.remove(left.id());
            }
            observer.close();
        }
    }

    @Override
    protected SandboxClient client() {
        Assumptions.assumeTrue(client != null, SKIPPED);
        return client;
    }

    @Override
    protected SessionOptions.Builder options() {
        return SessionOptions.builder().runtime(RuntimeConfig.builder().label(RUN_LABEL, RUN_ID).build());
    }

    @Override
    protected Set<String> liveBoxes() {
        Assumptions.assumeTrue(observer != null, SKIPPED);
        List<BoxInfo> boxes = observer.list(Map.of(RUN_LABEL, RUN_ID));
        return boxes.stream().filter(b -> !b.state().equals("removing")).map(BoxInfo::id).collect(Collectors.toSet());
    }

    @Override
    protected Duration removalGrace() {
        return Duration.ofSeconds(60);
    }

    @Override
    protected Map<TckFeature, String> unsupported() {
        Map<TckFeature, String> u = new HashMap<>();
        if (!"1".equals(System.getenv("SANDBOX4J_K8S_PIDS_LIMITED")) && !Boolean.getBoolean("sandbox.k8s.pidsLimited")) {
            u.put(TckFeature.PROCESS_LIMIT, "a Pod spec has no process limit: the kubelet's podPidsLimit bounds each "
                    + "Pod; set it on the cluster (docs/backends/kubernetes.md) and SANDBOX4J_K8S_PIDS_LIMITED=1 to run this test");
        }
        return u;
    }
}
