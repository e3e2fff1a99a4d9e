package dev.sandbox4j.kubernetes;

import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BoxSpec;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link BoxSpec} into the Pod that runs it, merging an optional Pod template under the hardening: whatever
 * the template says, the fields set here win, and template parts that would weaken the box (host namespaces, other
 * containers, hostPath volumes, sysctls, added capabilities) are refused or dropped.
 */
final class PodSpecs {
    /** Name of the container every box runs in. */
    static final String CONTAINER = "sandbox";
    /** Annotation holding all of the box's labels as JSON (label values are restricted; these are not). */
    static final String LABELS_ANNOTATION = "sandbox4j.dev/labels";
    /** Label the NetworkPolicy selects: boxes without a network carry {@code none}. */
    static final String NETWORK_LABEL = "sandbox4j.dev/network";
    /** Name of the NetworkPolicy the backend keeps in the namespace. */
    static final String NETWORK_POLICY_NAME = "sandbox4j-deny-network";

    /**
     * The box's main process (PID 1 of the container's PID namespace): a shell that reaps the zombies re-parented to
     * it. As PID 1 it ignores every signal sent from inside the box (so {@code kill -9 -1} run as the sandbox user
     * leaves it, and the Pod, alive); it ends when the Pod is deleted.
     */
    static final String REAPER = "while :; do sleep 2147483647 & wait $!; done";

    /** The volume mounted at {@code /dev/shm}. */
    static final String SHM_VOLUME = "shm";
    /** The volumes the backend owns: a template's volumes (or mounts) of these names are replaced. */
    private static final Set<String> OWN_VOLUMES = Set.of("workspace", "tmp", SHM_VOLUME);

    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private PodSpecs() {}

    /** The Pod for {@code spec}; {@code now} fixes the deadline computed from the session's expiry label. */
    static Pod pod(BoxSpec spec, KubernetesSettings settings, String namespace, Instant now) {
        ResourceLimits l = spec.limits();
        RuntimeConfig rt = spec.runtime();
        long[] ids = uidGid(rt.user());
        Pod template = settings.podTemplate();
        Pod pod = template == null ? new Pod() : JSON.clone(template);
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setStatus(null);

        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        ObjectMeta cleanMeta = new ObjectMeta();
        cleanMeta.setName(podName(spec.name()));
        cleanMeta.setNamespace(namespace);
        Map<String, String> labels = new LinkedHashMap<>();
        if (meta.getLabels() != null) {
            meta.getLabels().forEach((k, v) -> {
                if (!reserved(k)) {
                    labels.put(k, v);
                }
            });
        }
        labels.putAll(encodeLabels(spec.labels()));
        labels.put(NETWORK_LABEL, rt.networkEnabled() ? "enabled" : "none");
        cleanMeta.setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (meta.getAnnotations() != null) {
            meta.getAnnotations().forEach((k, v) -> {
                if (!reserved(k)) {
                    annotations.put(k, v);
                }
            });
        }
        annotations.put(LABELS_ANNOTATION, JSON.asJson(new LinkedHashMap<>(spec.labels())));
        cleanMeta.setAnnotations(annotations);
        pod.setMetadata(cleanMeta);

        PodSpec ps = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
        pod.setSpec(ps);
        refuseUnsafeTemplateParts(ps);
        // host namespaces, service account token, process namespace sharing: never
        ps.setHostNetwork(false);
        ps.setHostPID(false);
        ps.setHostIPC(false);
        if (Boolean.TRUE.equals(ps.getHostUsers())) {
            ps.setHostUsers(null);
        }
        ps.setShareProcessNamespace(false);
        ps.setAutomountServiceAccountToken(false);
        ps.setEnableServiceLinks(false);
        ps.setRestartPolicy("Never");
        ps.setTerminationGracePeriodSeconds(0L);
        ps.setHostname("sandbox");
        ps.setSubdomain(null);
        ps.setSetHostnameAsFQDN(null);
        ps.setInitContainers(null);
        ps.setEphemeralContainers(null);
        if (settings.runtimeClassName() != null) {
            ps.setRuntimeClassName(settings.runtimeClassName());
        } else if (rt.ociRuntime() != null && ps.getRuntimeClassName() == null) {
            // a session asking for e.g. runsc names the RuntimeClass the cluster maps to it
            ps.setRuntimeClassName(rt.ociRuntime());
        }
        Long deadline = deadlineSeconds(spec.labels(), now);
        if (deadline != null) {
            ps.setActiveDeadlineSeconds(deadline);
        }

        PodSecurityContext psc = ps.getSecurityContext() == null ? new PodSecurityContext() : ps.getSecurityContext();
        psc.setRunAsNonRoot(true);
        psc.setRunAsUser(ids[0]);
        psc.setRunAsGroup(ids[1]);
        psc.setSupplementalGroups(null);
        psc.setSysctls(null);
        psc.setSeccompProfile(runtimeDefault());
        psc.setWindowsOptions(null);
        psc.setSeLinuxOptions(null); // e.g. type spc_t would lift the confinement
        psc.setAppArmorProfile(null); // the runtime's default profile, never Unconfined
        ps.setSecurityContext(psc);

        List<Volume> volumes = new ArrayList<>();
        if (ps.getVolumes() != null) {
            for (Volume v : ps.getVolumes()) {
                if (!OWN_VOLUMES.contains(v.getName())) {
                    volumes.add(v);
                }
            }
        }
        volumes.add(emptyDir("workspace", l.workdirSize().bytes(), settings.memoryVolumes()));
        volumes.add(emptyDir("tmp", l.tmpSize().bytes(), settings.memoryVolumes()));
        // /dev/shm sized like /tmp and always in memory (as on Docker): without it the Pod shares the runtime's
        // 64 MiB sandbox /dev/shm; a memory-backed emptyDir counts against the container's memory limit
        volumes.add(emptyDir(SHM_VOLUME, l.tmpSize().bytes(), true));
        ps.setVolumes(volumes);

        Container c = ps.getContainers() == null || ps.getContainers().isEmpty() ? new Container()
                : ps.getContainers().get(0);
        c.setName(CONTAINER);
        c.setImage(spec.image());
        c.setImagePullPolicy(settings.pullPolicyFor(spec.image()));
        c.setCommand(List.of("/bin/sh", "-c", REAPER));
        c.setArgs(List.of());
        c.setWorkingDir(rt.workdir());
        c.setStdin(false);
        c.setStdinOnce(false);
        c.setTty(false);
        c.setLifecycle(null);
        c.setLivenessProbe(null);
        c.setReadinessProbe(null);
        c.setStartupProbe(null);
        c.setRestartPolicy(null);
        c.setVolumeDevices(null);
        c.setSecurityContext(containerSecurity(ids, rt.readOnlyRootFilesystem()));
        c.setResources(resources(c.getResources(), l));
        Map<String, EnvVar> env = new LinkedHashMap<>();
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                env.put(e.getName(), e);
            }
        }
        env.put("HOME", new EnvVar("HOME", rt.workdir(), null));
        env.put("LANG", new EnvVar("LANG", "C.UTF-8", null));
        rt.env().forEach((k, v) -> env.put(k, new EnvVar(k, v, null)));
        c.setEnv(new ArrayList<>(env.values()));
        c.setEnvFrom(null);
        List<VolumeMount> mounts = new ArrayList<>();
        if (c.getVolumeMounts() != null) {
            for (VolumeMount m : c.getVolumeMounts()) {
                if (!m.getMountPath().equals(rt.workdir()) && !m.getMountPath().equals("/tmp")
                        && !m.getMountPath().equals("/dev/shm") && !OWN_VOLUMES.contains(m.getName())) {
                    m.setReadOnly(true); // template volumes (config, certificates) are for reading only
                    mounts.add(m);
                }
            }
        }
        mounts.add(mount("workspace", rt.workdir()));
        mounts.add(mount("tmp", "/tmp"));
        mounts.add(mount(SHM_VOLUME, "/dev/shm"));
        c.setVolumeMounts(mounts);
        ps.setContainers(new ArrayList<>(List.of(c)));
        return pod;
    }

    /** The deny-all NetworkPolicy for Pods labelled {@code sandbox4j.dev/network=none}: no ingress, no egress. */
    static NetworkPolicy networkPolicy(String namespace) {
        return new NetworkPolicyBuilder()
                .withNewMetadata()
                .withName(NETWORK_POLICY_NAME)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "sandbox4j")
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector()
                .addToMatchLabels(NETWORK_LABEL, "none")
                .endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .endSpec()
                .build();
    }

    private static void refuseUnsafeTemplateParts(PodSpec ps) {
        if (ps.getContainers() != null && ps.getContainers().size() > 1) {
            throw new IllegalArgumentException(KubernetesSettings.POD_TEMPLATE + ": the Pod template may hold at most "
                    + "one container (the sandbox's); it has " + ps.getContainers().size());
        }
        if (ps.getInitContainers() != null && !ps.getInitContainers().isEmpty()
                || ps.getEphemeralContainers() != null && !ps.getEphemeralContainers().isEmpty()) {
            throw new IllegalArgumentException(KubernetesSettings.POD_TEMPLATE + ": init and ephemeral containers "
                    + "are not allowed in the Pod template");
        }
        if (ps.getVolumes() != null) {
            for (Volume v : ps.getVolumes()) {
                if (v.getHostPath() != null) {
                    throw new IllegalArgumentException(KubernetesSettings.POD_TEMPLATE + ": hostPath volume '"
                            + v.getName() + "' is not allowed in the Pod template");
                }
            }
        }
    }

    private static SecurityContext containerSecurity(long[] ids, boolean readOnlyRoot) {
        SecurityContext sc = new SecurityContext();
        sc.setRunAsNonRoot(true);
        sc.setRunAsUser(ids[0]);
        sc.setRunAsGroup(ids[1]);
        sc.setPrivileged(false);
        sc.setAllowPrivilegeEscalation(false);
        sc.setReadOnlyRootFilesystem(readOnlyRoot);
        Capabilities caps = new Capabilities();
        caps.setDrop(new ArrayList<>(List.of("ALL")));
        caps.setAdd(new ArrayList<>());
        sc.setCapabilities(caps);
        sc.setSeccompProfile(runtimeDefault());
        // the runtime's masked and read-only /proc and /sys paths ("Unmasked" would lift them); unlike Docker's
        // MaskedPaths, a Pod cannot add paths to that list (see docs/security.md)
        sc.setProcMount("Default");
        return sc;
    }

    private static SeccompProfile runtimeDefault() {
        SeccompProfile p = new SeccompProfile();
        p.setType("RuntimeDefault");
        return p;
    }

    /** Requests equal limits (Guaranteed QoS); resources the template adds (e.g. ephemeral-storage) are kept. */
    private static ResourceRequirements resources(@Nullable ResourceRequirements template, ResourceLimits l) {
        Map<String, Quantity> limits = new LinkedHashMap<>();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        if (template != null) {
            if (template.getLimits() != null) {
                limits.putAll(template.getLimits());
            }
            if (template.getRequests() != null) {
                requests.putAll(template.getRequests());
            }
        }
        Quantity cpu = new Quantity(Math.max(1, Math.round(l.cpus() * 1000)) + "m");
        Quantity memory = new Quantity(Long.toString(l.memory().bytes()));
        limits.put("cpu", cpu);
        limits.put("memory", memory);
        requests.put("cpu", cpu);
        requests.put("memory", memory);
        ResourceRequirements r = new ResourceRequirements();
        r.setLimits(limits);
        r.setRequests(requests);
        return r;
    }

    private static Volume emptyDir(String name, long bytes, boolean memory) {
        EmptyDirVolumeSource ed = new EmptyDirVolumeSource();
        if (memory) {
            ed.setMedium("Memory");
        }
        ed.setSizeLimit(new Quantity(Long.toString(bytes)));
        Volume v = new Volume();
        v.setName(name);
        v.setEmptyDir(ed);
        return v;
    }

    private static VolumeMount mount(String name, String path) {
        VolumeMount m = new VolumeMount();
        m.setName(name);
        m.setMountPath(path);
        return m;
    }

    /** Seconds until the session's expiry label (plus a minute's grace), or {@code null} without one. */
    static @Nullable Long deadlineSeconds(Map<String, String> labels, Instant now) {
        String expires = labels.get("dev.sandbox4j.expires");
        if (expires == null) {
            return null;
        }
        try {
            long left = Long.parseLong(expires) - now.getEpochSecond();
            return Math.max(1, left) + 60;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static long[] uidGid(String user) {
        String[] p = user.split(":");
        return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])};
    }

    /** A valid Pod name (DNS label) for a box name: lower case, {@code [a-z0-9-]}, at most 63 characters. */
    static String podName(String boxName) {
        String n = boxName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (n.length() > 63) {
            // keep the distinguishing tail (the session id)
            n = n.substring(0, 30) + "-" + n.substring(n.length() - 32);
        }
        n = n.replaceAll("^-+", "").replaceAll("-+$", "");
        return n.isEmpty() ? "sandbox4j-box" : n;
    }

    /**
     * The box's labels as Kubernetes labels: keys and values that are valid stay as they are; a value that is not
     * (e.g. an owner {@code host:pid:start}) becomes {@code h<hash>}, the same for the same value, so selectors still
     * match; a key that is not valid is left out (it stays in the {@link #LABELS_ANNOTATION} annotation).
     */
    static Map<String, String> encodeLabels(Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (validKey(k)) {
                out.put(k, encodeValue(v));
            }
        });
        return out;
    }

    static boolean validKey(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) {
            return LABEL_NAME.matcher(key).matches();
        }
        return slash <= 253 && LABEL_PREFIX.matcher(key.substring(0, slash)).matches()
                && LABEL_NAME.matcher(key.substring(slash + 1)).matches();
    }

    static String encodeValue(String value) {
        if (LABEL_VALUE.matcher(value).matches()) {
            return value;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return "h" + HexFormat.of().formatHex(d, 0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The box's labels of a Pod: from the annotation, else the Pod's own labels. */
    static Map<String, String> decodeLabels(Pod pod) {
        ObjectMeta m = pod.getMetadata();
        String json = m.getAnnotations() == null ? null : m.getAnnotations().get(LABELS_ANNOTATION);
        if (json != null) {
            try {
                Map<?, ?> parsed = JSON.unmarshal(json, Map.class);
                Map<String, String> out = new LinkedHashMap<>();
                parsed.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
                return out;
            } catch (RuntimeException e) {
                // fall back to the labels
            }
        }
        Map<String, String> out = new LinkedHashMap<>(m.getLabels() == null ? Map.of() : m.getLabels());
        out.remove(NETWORK_LABEL);
        return out;
    }

    /** Keys in our namespaces a template may not set (they are the backend's). */
    private static boolean reserved(String key) {
        return key.startsWith("dev.sandbox4j.") || key.startsWith("sandbox4j.dev/");
    }
}
