package dev.sandbox4j.kubernetes;

import static dev.sandbox4j.kubernetes.KubernetesErrors.fail;
import static dev.sandbox4j.kubernetes.KubernetesErrors.message;
import static dev.sandbox4j.kubernetes.PodStates.imageFailure;
import static dev.sandbox4j.kubernetes.PodStates.running;
import static dev.sandbox4j.kubernetes.PodStates.startFailure;
import static dev.sandbox4j.kubernetes.PodStates.waitingReason;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxCommands;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boxes as Pods: one hardened Pod per box (see {@link PodSpecs}), programs started through the API's {@code exec}
 * (a WebSocket; stdout and stderr arrive on their own channels, the exit code on the status channel).
 *
 * <p>Kubernetes' {@code exec} cannot choose a user: every process runs as the Pod's user, which is the sandbox user
 * ({@code runtime.user()}). The box's main process is PID 1 of the container's PID namespace, which no process in the
 * box can signal, so {@link #killAll} ({@link BoxCommands#KILL_ALL} as the sandbox user) still leaves the box running, as with
 * Docker's supervisor uid.
 *
 * <p>This class owns the Pod lifecycle (create and wait until it runs, attach, list, delete) and the namespace's
 * NetworkPolicy; the Pod's spec comes from {@link PodSpecs}, what its status means from {@link PodStates}, execs and
 * their streams are {@link PodExec}s, and errors are worded by {@link KubernetesErrors}. Thread-safe; {@link #close}
 * closes the client it was given.
 */
final class KubernetesBackend implements SandboxBackend {
    private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final String namespace;
    private final String description;
    /** Containers of attached Pods that are not named {@link PodSpecs#CONTAINER}. */
    private final Map<String, String> attachedContainers = new ConcurrentHashMap<>();
    private final AtomicBoolean networkPolicyReady = new AtomicBoolean();

    KubernetesBackend(KubernetesClient client, KubernetesSettings settings, String namespace, String description) {
        this.client = client;
        this.settings = settings;
        this.namespace = namespace;
        this.description = description;
    }

    String namespace() {
        return namespace;
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * Images live on the cluster's nodes or in a registry, out of this client's sight: every image is assumed to be
     * there, and a missing one fails {@link #create} with an {@link ImageUnavailableException}.
     */
    @Override
    public boolean imageExists(String image) {
        return true;
    }

    @Override
    public Box create(BoxSpec spec) {
        if (!spec.runtime().networkEnabled()) {
            ensureNetworkPolicy();
        }
        Pod pod = PodSpecs.pod(spec, settings, namespace, Instant.now());
        String name = pod.getMetadata().getName();
        try {
            client.pods().inNamespace(namespace).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new BackendException("kubernetes", "a Pod named " + name + " already exists in namespace "
                        + namespace, e);
            }
            throw fail("create Pod " + name, e);
        }
        try {
            awaitRunning(name, spec.image());
        } catch (RuntimeException e) {
            deleteQuietly(name);
            throw e;
        }
        return new Box(name, name, spec);
    }

    private void awaitRunning(String name, String image) {
        AtomicReference<@Nullable Pod> last = new AtomicReference<>();
        long timeoutMillis = settings.startTimeout().toMillis();
        try {
            client.pods().inNamespace(namespace).withName(name).waitUntilCondition(p -> {
                last.set(p);
                return p == null || running(p) || startFailure(p) != null;
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException e) {
            if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)
                    && !String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timed out")) {
                throw fail("wait for Pod " + name, e);
            }
            Pod p = last.get();
            throw new BackendException("kubernetes", "Pod " + name + " did not start within "
                    + settings.startTimeout().toSeconds() + " s (kubernetes.startTimeout)"
                    + (p == null ? "" : ": " + waitingReason(p)), e);
        }
        Pod p = last.get();
        if (p == null) {
            throw new BackendException("kubernetes", "Pod " + name + " was deleted while it started", null);
        }
        if (running(p)) {
            return;
        }
        String failure = startFailure(p);
        if (imageFailure(p)) {
            throw new ImageUnavailableException(image, "The cluster cannot get image '" + image + "' (" + failure
                    + "); load it onto the nodes (e.g. `kind load docker-image " + image + "`), push it to a registry "
                    + "the cluster can pull from, or check kubernetes.imagePullPolicy", null);
        }
        throw new BackendException("kubernetes", "Pod " + name + " failed to start: " + failure, null);
    }

    /** Creates the namespace's deny-all NetworkPolicy once (see {@link PodSpecs#networkPolicy}). */
    private void ensureNetworkPolicy() {
        if (!settings.networkPolicy() || networkPolicyReady.get()) {
            return;
        }
        synchronized (networkPolicyReady) {
            if (networkPolicyReady.get()) {
                return;
            }
            try {
                var policies = client.network().v1().networkPolicies().inNamespace(namespace);
                if (policies.withName(PodSpecs.NETWORK_POLICY_NAME).get() == null) {
                    policies.resource(PodSpecs.networkPolicy(namespace)).create();
                    log.info("Created NetworkPolicy {} in namespace {}: sandbox Pods get no network",
                            PodSpecs.NETWORK_POLICY_NAME, namespace);
                }
                networkPolicyReady.set(true);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    networkPolicyReady.set(true);
                    return;
                }
                throw new BackendException("kubernetes", "cannot create NetworkPolicy "
                        + PodSpecs.NETWORK_POLICY_NAME + " in namespace " + namespace + " (" + message(e)
                        + "); give the service account the right to (docs/backends/kubernetes.md, RBAC) or create it "
                        + "yourself and set kubernetes.networkPolicy=skip", e);
            }
        }
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        byte[] stdin = request.stdin();
        return exec(box, request, stdin.length > 0 ? new ByteArrayInputStream(stdin) : null, sink);
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, @Nullable InputStream stdin, OutputSink sink) {
        try {
            checkUser(box, request.user());
        } catch (RuntimeException e) {
            PodExec.closeQuietly(stdin);
            throw e;
        }
        return PodExec.start(pod(box.id()).inContainer(containerOf(box)), box, request, stdin, sink);
    }

    private void checkUser(Box box, String user) {
        if (attachedContainers.containsKey(box.id()) || user.equals(box.spec().runtime().user())
                || user.equals(box.spec().supervisorUser())) {
            return;
        }
        throw new BackendException("kubernetes", "cannot run as " + user + " in " + box.name() + ": Kubernetes exec "
                + "runs every process as the Pod's user (" + box.spec().runtime().user() + ")", null);
    }

    private String containerOf(Box box) {
        return attachedContainers.getOrDefault(box.id(), PodSpecs.CONTAINER);
    }

    /** Not possible per box: a Pod's network is governed by NetworkPolicies, not switched at run time. */
    @Override
    public void setNetwork(Box box, @Nullable String network) {
        throw new UnsupportedOperationException("kubernetes backend cannot change a box's network: Pods are cut off "
                + "by the NetworkPolicy " + PodSpecs.NETWORK_POLICY_NAME + " when they start; open a session with "
                + "network enabled (and an egress policy of your own) instead, or bake libraries into the image");
    }

    /** Attaches to a running Pod: {@code name} or {@code name/container}. */
    @Override
    public Box attach(String containerId, BoxSpec template) {
        int slash = containerId.indexOf('/');
        String name = slash < 0 ? containerId : containerId.substring(0, slash);
        Pod p;
        try {
            p = pod(name).get();
        } catch (KubernetesClientException e) {
            throw fail("get Pod " + name, e);
        }
        if (p == null) {
            throw new IllegalArgumentException("no Pod '" + name + "' in namespace " + namespace);
        }
        if (!running(p)) {
            throw new IllegalArgumentException("Pod '" + name + "' is not running ("
                    + (p.getStatus() == null ? "no status" : p.getStatus().getPhase()) + ")");
        }
        List<String> containers = p.getSpec().getContainers().stream().map(c -> c.getName()).toList();
        String container = slash < 0 ? containers.get(0) : containerId.substring(slash + 1);
        if (!containers.contains(container)) {
            throw new IllegalArgumentException("Pod '" + name + "' has no container '" + container + "' (it has "
                    + containers + ")");
        }
        attachedContainers.put(name, container);
        String image = p.getSpec().getContainers().get(containers.indexOf(container)).getImage();
        return new Box(name, name, new BoxSpec(name, image == null ? template.image() : image,
                template.supervisorUser(), template.limits(), template.runtime(), PodSpecs.decodeLabels(p)));
    }

    @Override
    public boolean killAll(Box box, String user) {
        return BoxCommands.retry(this, box, user, BoxCommands.KILL_ALL, Duration.ofSeconds(15), 3);
    }

    @Override
    public long oomKillCount(Box box) {
        BoxCommands.Output r = BoxCommands.tryScript(this, box, box.spec().runtime().user(), BoxCommands.OOM_COUNT,
                Duration.ofSeconds(15));
        return r == null ? -1 : BoxCommands.oomKills(r.text());
    }

    /** Deletes the Pod at once (grace period 0). Idempotent. */
    @Override
    public void remove(String boxId) {
        try {
            pod(boxId).withGracePeriod(0).delete();
            attachedContainers.remove(boxId);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw fail("delete Pod " + boxId, e);
            }
        }
    }

    private void deleteQuietly(String name) {
        try {
            remove(name);
        } catch (RuntimeException e) {
            log.warn("could not delete Pod {}: {}", name, e.toString());
        }
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(namespace).withLabels(PodSpecs.encodeLabels(labels)).list().getItems();
        } catch (KubernetesClientException e) {
            throw fail("list Pods", e);
        }
        List<BoxInfo> out = new ArrayList<>();
        for (Pod p : pods) {
            Map<String, String> boxLabels = PodSpecs.decodeLabels(p);
            if (!boxLabels.entrySet().containsAll(labels.entrySet())) {
                continue; // a label whose key is not a valid Kubernetes label key is matched here
            }
            String created = p.getMetadata().getCreationTimestamp();
            Instant at;
            try {
                at = created == null ? Instant.EPOCH : Instant.parse(created);
            } catch (RuntimeException e) {
                at = Instant.EPOCH;
            }
            String name = p.getMetadata().getName();
            out.add(new BoxInfo(name, name, boxLabels, at, PodStates.state(p)));
        }
        return out;
    }

    /** One GET of the Pod. */
    @Override
    public boolean isRunning(Box box) {
        try {
            Pod p = pod(box.id()).get();
            return p != null && running(p);
        } catch (KubernetesClientException e) {
            throw fail("get Pod " + box.name(), e);
        }
    }

    private PodResource pod(String name) {
        return client.pods().inNamespace(namespace).withName(name);
    }

    @Override
    public void close() {
        client.close();
    }
}
