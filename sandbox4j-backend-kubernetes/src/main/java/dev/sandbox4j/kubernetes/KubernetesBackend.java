package dev.sandbox4j.kubernetes;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxCommands;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 */
final class KubernetesBackend implements SandboxBackend {
    private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);

    /**
     * Runs a request's program the way Docker's exec would: in its working directory, with its environment added,
     * under the box's ulimits (Kubernetes has no per-exec working directory, environment or ulimits).
     * Arguments: workdir, nofile, fsize in 512-byte blocks, the number of NAME=value pairs, the pairs, then argv.
     */
    static final String EXEC_WRAPPER = """
            cd -- "$1" || exit 126
            ulimit -c 0 2>/dev/null; ulimit -n "$2" 2>/dev/null; ulimit -f "$3" 2>/dev/null
            n=$4; shift 4
            while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n-1)); done
            exec "$@"
            """;

    private static final Set<String> IMAGE_ERRORS =
            Set.of("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName");
    private static final Set<String> START_ERRORS = Set.of("CreateContainerConfigError", "CreateContainerError",
            "RunContainerError", "CrashLoopBackOff", "StartError");

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

    static boolean running(Pod p) {
        if (p.getStatus() == null || !"Running".equals(p.getStatus().getPhase())
                || p.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getRunning() != null) {
                return true;
            }
        }
        // a server that reports the phase only (older or simulated ones)
        return containerStatuses(p).isEmpty();
    }

    /** Why the Pod will not start, or {@code null} while it still may. */
    static @Nullable String startFailure(Pod p) {
        if (p.getStatus() == null) {
            return null;
        }
        String phase = p.getStatus().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return "it ended (" + phase + (p.getStatus().getReason() == null ? "" : ", " + p.getStatus().getReason())
                    + (p.getStatus().getMessage() == null ? "" : ": " + p.getStatus().getMessage()) + ")";
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() == null) {
                continue;
            }
            if (cs.getState().getWaiting() != null) {
                String reason = cs.getState().getWaiting().getReason();
                if (reason != null && (IMAGE_ERRORS.contains(reason) || START_ERRORS.contains(reason))) {
                    String msg = cs.getState().getWaiting().getMessage();
                    return reason + (msg == null ? "" : ": " + msg);
                }
            }
            if (cs.getState().getTerminated() != null) {
                var t = cs.getState().getTerminated();
                return "its container exited (" + t.getExitCode() + (t.getReason() == null ? "" : ", "
                        + t.getReason()) + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")";
            }
        }
        return null;
    }

    private static boolean imageFailure(Pod p) {
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getWaiting() != null
                    && IMAGE_ERRORS.contains(cs.getState().getWaiting().getReason())) {
                return true;
            }
        }
        return false;
    }

    /** What a Pod that is not running waits for: unschedulable, pulling, ... */
    static String waitingReason(Pod p) {
        if (p.getStatus() == null) {
            return "no status yet (is a scheduler and kubelet running?)";
        }
        List<String> reasons = new ArrayList<>();
        reasons.add("phase " + p.getStatus().getPhase());
        if (p.getStatus().getConditions() != null) {
            for (PodCondition c : p.getStatus().getConditions()) {
                if ("False".equals(c.getStatus()) && c.getMessage() != null) {
                    reasons.add(c.getType() + ": " + c.getMessage());
                }
            }
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getWaiting() != null) {
                var w = cs.getState().getWaiting();
                reasons.add(w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage()));
            }
        }
        return String.join("; ", reasons);
    }

    private static List<ContainerStatus> containerStatuses(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? List.of()
                : p.getStatus().getContainerStatuses();
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
                        + "); give the service account the right to (README: Kubernetes backend, RBAC) or create it "
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
            closeQuietly(stdin);
            throw e;
        }
        List<String> argv = wrap(request, box.spec().limits());
        PodExec handle = new PodExec(sink);
        ContainerResource container = pod(box.id()).inContainer(containerOf(box));
        TtyExecOutputErrorable io = stdin == null ? container : container.redirectingInput();
        ExecWatch watch;
        try {
            watch = io.writingOutput(handle.stdout)
                    .writingError(handle.stderr)
                    .usingListener(handle)
                    .exec(argv.toArray(String[]::new));
        } catch (KubernetesClientException e) {
            closeQuietly(stdin);
            throw fail("exec in " + box.name(), e);
        }
        handle.watch = watch;
        if (stdin != null) {
            Thread.ofVirtual().name("sandbox4j-k8s-stdin-" + box.name()).start(() -> pump(stdin, watch, handle));
        }
        handle.finish();
        return handle;
    }

    /**
     * Copies {@code stdin} into the exec's standard input until it ends, then closes that (the process sees
     * end-of-file where the API server speaks the v5 streaming protocol). Stops when the exec ends or is closed;
     * the source is closed either way, so a writer feeding it is never left blocked.
     */
    private static void pump(InputStream stdin, ExecWatch watch, PodExec handle) {
        try (InputStream in = stdin) {
            OutputStream out = watch.getInput();
            byte[] buf = new byte[64 * 1024];
            int n;
            while (!handle.exitCode().isDone() && (n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            if (!handle.exitCode().isDone()) {
                out.close();
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.debug("exec stdin stopped: {}", e.toString());
        }
    }

    private static void closeQuietly(@Nullable InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (java.io.IOException e) {
                // nothing to release
            }
        }
    }

    /** The argv that runs {@code request} through {@link #EXEC_WRAPPER}. */
    static List<String> wrap(ExecRequest request, ResourceLimits limits) {
        List<String> argv = new ArrayList<>();
        argv.add("/bin/sh");
        argv.add("-c");
        argv.add(EXEC_WRAPPER);
        argv.add("sandbox4j-exec");
        argv.add(request.workdir());
        argv.add(Integer.toString(limits.openFiles()));
        argv.add(Long.toString((limits.fileSize().bytes() + 511) / 512));
        argv.add(Integer.toString(request.env().size()));
        request.env().forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(request.argv());
        return argv;
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

    /**
     * One exec. Output is written to the sink by fabric8's serial executor, in order; the listener's {@code onClose}
     * runs on the same executor after the last output, so the exit code completes only once all output is delivered.
     */
    private static final class PodExec implements ExecHandle, ExecListener {
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        volatile @Nullable ExecWatch watch;
        private @Nullable Integer closeCode;
        private @Nullable String closeReason;
        final OutputStream stdout;
        final OutputStream stderr;

        PodExec(OutputSink sink) {
            this.stdout = new SinkStream(closed, sink, false);
            this.stderr = new SinkStream(closed, sink, true);
        }

        @Override
        public void onExit(int code, io.fabric8.kubernetes.api.model.Status status) {
            // onClose follows once the remaining output has been written
        }

        @Override
        public void onFailure(Throwable t, @Nullable Response failureResponse) {
            if (!exit.isDone()) {
                exit.completeExceptionally(new BackendException("kubernetes", "exec stream failed: "
                        + rootMessage(t), t));
            }
        }

        @Override
        public void onClose(int code, String reason) {
            synchronized (this) {
                closeCode = code;
                closeReason = reason;
            }
            finish();
        }

        /** Completes the exit code once the stream has closed and {@link #watch} is known (either may come first). */
        synchronized void finish() {
            ExecWatch w = watch;
            if (w == null || closeCode == null || exit.isDone()) {
                return;
            }
            Integer value = null;
            try {
                value = w.exitCode().getNow(null);
            } catch (RuntimeException e) {
                // no status arrived
            }
            if (value != null) {
                exit.complete(value);
            } else if (closed.get()) {
                exit.complete(-1);
            } else {
                exit.completeExceptionally(new BackendException("kubernetes", "exec stream closed without an exit "
                        + "status (" + closeCode + (closeReason == null || closeReason.isEmpty() ? "" : " "
                        + closeReason) + ")", null));
            }
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                ExecWatch w = watch;
                if (w != null) {
                    try {
                        w.close();
                    } catch (RuntimeException e) {
                        log.debug("closing exec stream: {}", e.toString());
                    }
                }
            }
        }
    }

    /** Hands each write to the sink as one chunk (copied: fabric8 may reuse its buffer). */
    private static final class SinkStream extends OutputStream {
        private final AtomicBoolean closed;
        private final OutputSink sink;
        private final boolean err;

        SinkStream(AtomicBoolean closed, OutputSink sink, boolean err) {
            this.closed = closed;
            this.sink = sink;
            this.err = err;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len == 0 || closed.get()) {
                return;
            }
            byte[] chunk = java.util.Arrays.copyOfRange(b, off, off + len);
            if (err) {
                sink.stderr(chunk);
            } else {
                sink.stdout(chunk);
            }
        }
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
            out.add(new BoxInfo(name, name, boxLabels, at, state(p)));
        }
        return out;
    }

    /** Docker-like state names, as the core's reaper expects: running, created, exited, removing, unknown. */
    static String state(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null) {
            return "removing";
        }
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (phase == null || phase.equals("Pending")) {
            return "created";
        }
        return switch (phase) {
            case "Running" -> running(p) ? "running" : "exited";
            case "Succeeded", "Failed" -> "exited";
            default -> "unknown";
        };
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

    private static BackendException fail(String what, Throwable e) {
        return new BackendException("kubernetes", what + " failed: " + message(e), e);
    }

    /** The API server's message (e.g. a 403's RBAC explanation), else the root cause. */
    static String message(Throwable e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return (k.getCode() > 0 ? "HTTP " + k.getCode() + ": " : "") + k.getStatus().getMessage();
        }
        return rootMessage(e);
    }

    static String rootMessage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            // the JDK client reports a refused connection as a bare ClosedChannelException under a ConnectException
            if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
                    || c instanceof javax.net.ssl.SSLException || c instanceof java.net.http.HttpTimeoutException) {
                return c.getClass().getSimpleName() + ": " + (c.getMessage() != null ? c.getMessage()
                        : c instanceof java.net.ConnectException ? "connection refused" : "no detail");
            }
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        client.close();
    }
}
