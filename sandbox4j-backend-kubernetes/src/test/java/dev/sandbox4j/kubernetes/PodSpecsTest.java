package dev.sandbox4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.BoxSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodSpecsTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    static BoxSpec spec(Map<String, String> labels) {
        return new BoxSpec("sandbox4j-python-Abc_123", "sandbox4j/python:bookworm", "65533:65533",
                ResourceLimits.defaults().toBuilder().memory(DataSize.ofMegabytes(256)).cpus(0.5).build(),
                RuntimeConfig.defaults().toBuilder().env("FOO", "bar").build(), labels);
    }

    private static Pod pod(BoxSpec spec, KubernetesSettings settings) {
        return PodSpecs.pod(spec, settings, "sandboxes", NOW);
    }

    private static KubernetesSettings withTemplate(String yaml) {
        KubernetesSettings d = KubernetesSettings.defaults();
        return new KubernetesSettings(d.namespace(), d.context(), d.kubeconfig(), d.runtimeClassName(),
                KubernetesSettings.parseTemplate(yaml, "test"), d.imagePullPolicy(), d.startTimeout(),
                d.memoryVolumes(), d.networkPolicy());
    }

    @Test
    void podIsHardened() {
        Pod p = pod(spec(Map.of("dev.sandbox4j.managed", "true")), KubernetesSettings.defaults());
        assertThat(p.getMetadata().getName()).isEqualTo("sandbox4j-python-abc-123");
        assertThat(p.getMetadata().getNamespace()).isEqualTo("sandboxes");
        PodSpec s = p.getSpec();
        assertThat(s.getAutomountServiceAccountToken()).isFalse();
        assertThat(s.getRestartPolicy()).isEqualTo("Never");
        assertThat(s.getHostNetwork()).isFalse();
        assertThat(s.getHostPID()).isFalse();
        assertThat(s.getHostIPC()).isFalse();
        assertThat(s.getShareProcessNamespace()).isFalse();
        assertThat(s.getEnableServiceLinks()).isFalse();
        assertThat(s.getActiveDeadlineSeconds()).isNull(); // no session lifetime label
        assertThat(s.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(s.getSecurityContext().getRunAsUser()).isEqualTo(65534L);
        assertThat(s.getSecurityContext().getRunAsGroup()).isEqualTo(65534L);
        assertThat(s.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(s.getContainers()).hasSize(1);
        Container c = s.getContainers().get(0);
        assertThat(c.getName()).isEqualTo("sandbox");
        assertThat(c.getImage()).isEqualTo("sandbox4j/python:bookworm");
        assertThat(c.getImagePullPolicy()).isEqualTo("Never"); // a locally built sandbox4j/* image
        assertThat(c.getCommand()).containsExactly("/bin/sh", "-c", PodSpecs.REAPER);
        assertThat(c.getWorkingDir()).isEqualTo("/workspace");
        assertHardened(c.getSecurityContext(), true);
        assertThat(c.getResources().getLimits()).containsEntry("cpu", new Quantity("500m"))
                .containsEntry("memory", new Quantity(Long.toString(256L << 20)));
        assertThat(c.getResources().getRequests()).isEqualTo(c.getResources().getLimits());
        assertThat(c.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .contains(org.assertj.core.groups.Tuple.tuple("HOME", "/workspace"),
                        org.assertj.core.groups.Tuple.tuple("FOO", "bar"));
        assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + "=" + m.getMountPath())
                .containsExactly("workspace=/workspace", "tmp=/tmp", "shm=/dev/shm");
        Volume ws = s.getVolumes().stream().filter(v -> v.getName().equals("workspace")).findFirst().orElseThrow();
        assertThat(ws.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(ws.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity(Long.toString(256L << 20)));
        Volume tmp = s.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
        assertThat(tmp.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity(Long.toString(64L << 20)));
        Volume shm = s.getVolumes().stream().filter(v -> v.getName().equals("shm")).findFirst().orElseThrow();
        assertThat(shm.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(shm.getEmptyDir().getSizeLimit()).as("/dev/shm is sized like /tmp")
                .isEqualTo(new Quantity(Long.toString(64L << 20)));
        assertThat(p.getMetadata().getLabels()).containsEntry("dev.sandbox4j.managed", "true")
                .containsEntry(PodSpecs.NETWORK_LABEL, "none");
    }

    private static void assertHardened(SecurityContext sc, boolean readOnlyRoot) {
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getRunAsUser()).isEqualTo(65534L);
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getReadOnlyRootFilesystem()).isEqualTo(readOnlyRoot);
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isEmpty();
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(sc.getProcMount()).as("the runtime's masked paths stay").isEqualTo("Default");
    }

    @Test
    void diskVolumesRuntimeClassPullPolicyAndDeadline() {
        KubernetesSettings s = KubernetesSettings.from(new BackendConfig(Map.of(
                "kubernetes.volumeMedium", "disk",
                "kubernetes.runtimeClassName", "gvisor",
                "kubernetes.imagePullPolicy", "Never")));
        Pod p = pod(spec(Map.of("dev.sandbox4j.expires", Long.toString(NOW.getEpochSecond() + 600))), s);
        assertThat(p.getSpec().getRuntimeClassName()).isEqualTo("gvisor");
        assertThat(p.getSpec().getContainers().get(0).getImagePullPolicy()).isEqualTo("Never");
        assertThat(p.getSpec().getVolumes()).filteredOn(v -> !v.getName().equals("shm"))
                .hasSize(2).allSatisfy(v -> assertThat(v.getEmptyDir().getMedium()).isNull());
        assertThat(p.getSpec().getVolumes()).filteredOn(v -> v.getName().equals("shm"))
                .singleElement().satisfies(v -> assertThat(v.getEmptyDir().getMedium()).isEqualTo("Memory"));
        assertThat(p.getSpec().getActiveDeadlineSeconds()).isEqualTo(660L);
    }

    @Test
    void networkEnabledBoxesAreNotSelectedByThePolicy() {
        BoxSpec s = spec(Map.of());
        BoxSpec networked = new BoxSpec(s.name(), s.image(), s.supervisorUser(), s.limits(),
                s.runtime().toBuilder().networkEnabled(true).build(), s.labels());
        assertThat(pod(networked, KubernetesSettings.defaults()).getMetadata().getLabels())
                .containsEntry(PodSpecs.NETWORK_LABEL, "enabled");
        NetworkPolicy np = PodSpecs.networkPolicy("ns");
        assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsExactly(Map.entry(PodSpecs.NETWORK_LABEL,
                "none"));
        assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(np.getSpec().getEgress()).isNullOrEmpty();
        assertThat(np.getSpec().getIngress()).isNullOrEmpty();
    }

    static final String HOSTILE_TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: not-ours
              labels:
                team: ml
                dev.sandbox4j.managed: "false"
              annotations:
                cost-center: "42"
            spec:
              hostNetwork: true
              hostPID: true
              hostIPC: true
              shareProcessNamespace: true
              automountServiceAccountToken: true
              serviceAccountName: builder
              restartPolicy: Always
              runtimeClassName: kata
              nodeSelector:
                pool: sandboxes
              tolerations:
              - key: sandbox
                operator: Exists
              securityContext:
                runAsUser: 0
                runAsNonRoot: false
                supplementalGroups: [0]
                sysctls:
                - name: kernel.msgmax
                  value: "65536"
                seccompProfile:
                  type: Unconfined
                seLinuxOptions:
                  type: spc_t
              volumes:
              - name: certs
                configMap:
                  name: ca-bundle
              - name: workspace
                persistentVolumeClaim:
                  claimName: shared
              containers:
              - name: main
                image: evil:latest
                imagePullPolicy: Always
                command: ["/bin/bash"]
                env:
                - name: TEAM
                  value: ml
                - name: HOME
                  value: /root
                securityContext:
                  privileged: true
                  runAsUser: 0
                  allowPrivilegeEscalation: true
                  readOnlyRootFilesystem: false
                  capabilities:
                    add: [SYS_ADMIN, NET_ADMIN]
                  seccompProfile:
                    type: Unconfined
                  procMount: Unmasked
                resources:
                  limits:
                    memory: 64Gi
                    cpu: "16"
                    ephemeral-storage: 1Gi
                volumeMounts:
                - name: certs
                  mountPath: /etc/certs
                - name: workspace
                  mountPath: /workspace
                livenessProbe:
                  exec:
                    command: ["true"]
                lifecycle:
                  postStart:
                    exec:
                      command: ["sh", "-c", "echo pwned"]
            """;

    @Test
    void templateMergeCannotRemoveHardening() {
        Pod p = pod(spec(Map.of("dev.sandbox4j.managed", "true")), withTemplate(HOSTILE_TEMPLATE));
        // what the template may add is kept
        assertThat(p.getMetadata().getLabels()).containsEntry("team", "ml")
                .containsEntry("dev.sandbox4j.managed", "true");
        assertThat(p.getMetadata().getAnnotations()).containsEntry("cost-center", "42");
        assertThat(p.getSpec().getNodeSelector()).containsEntry("pool", "sandboxes");
        assertThat(p.getSpec().getTolerations()).hasSize(1);
        assertThat(p.getSpec().getRuntimeClassName()).isEqualTo("kata");
        assertThat(p.getSpec().getServiceAccountName()).isEqualTo("builder");
        // the hardening wins
        assertThat(p.getMetadata().getName()).isEqualTo("sandbox4j-python-abc-123");
        PodSpec s = p.getSpec();
        assertThat(s.getHostNetwork()).isFalse();
        assertThat(s.getHostPID()).isFalse();
        assertThat(s.getHostIPC()).isFalse();
        assertThat(s.getShareProcessNamespace()).isFalse();
        assertThat(s.getAutomountServiceAccountToken()).isFalse();
        assertThat(s.getRestartPolicy()).isEqualTo("Never");
        assertThat(s.getSecurityContext().getRunAsUser()).isEqualTo(65534L);
        assertThat(s.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(s.getSecurityContext().getSupplementalGroups()).isNullOrEmpty();
        assertThat(s.getSecurityContext().getSysctls()).isNullOrEmpty();
        assertThat(s.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(s.getSecurityContext().getSeLinuxOptions()).isNull();
        Container c = s.getContainers().get(0);
        assertThat(c.getName()).isEqualTo("sandbox");
        assertThat(c.getImage()).isEqualTo("sandbox4j/python:bookworm");
        assertThat(c.getImagePullPolicy()).isEqualTo("Never"); // not the template's Always
        assertThat(c.getCommand()).containsExactly("/bin/sh", "-c", PodSpecs.REAPER);
        assertHardened(c.getSecurityContext(), true);
        assertThat(c.getLivenessProbe()).isNull();
        assertThat(c.getLifecycle()).isNull();
        assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity(Long.toString(256L << 20)))
                .containsEntry("cpu", new Quantity("500m"))
                .containsEntry("ephemeral-storage", new Quantity("1Gi"));
        assertThat(c.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .contains(org.assertj.core.groups.Tuple.tuple("TEAM", "ml"),
                        org.assertj.core.groups.Tuple.tuple("HOME", "/workspace"));
        // the template's own workspace volume is replaced by ours; its other volumes are mounted read-only
        assertThat(s.getVolumes()).extracting(Volume::getName).containsExactly("certs", "workspace", "tmp", "shm");
        assertThat(s.getVolumes().get(1).getEmptyDir()).isNotNull();
        assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + "=" + m.getMountPath() + ":"
                + Boolean.TRUE.equals(m.getReadOnly()))
                .containsExactly("certs=/etc/certs:true", "workspace=/workspace:false", "tmp=/tmp:false",
                        "shm=/dev/shm:false");
    }

    @Test
    void devShmIsTheBackendsSizedMemoryVolumeWhateverTheTemplateSays() {
        Pod p = pod(spec(Map.of()), withTemplate("""
                apiVersion: v1
                kind: Pod
                spec:
                  volumes:
                  - name: shm
                    emptyDir: {medium: Memory}
                  - name: dshm
                    emptyDir: {medium: Memory}
                  containers:
                  - name: sandbox
                    volumeMounts:
                    - name: dshm
                      mountPath: /dev/shm
                """));
        PodSpec s = p.getSpec();
        Container c = s.getContainers().get(0);
        assertThat(c.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/dev/shm"))
                .singleElement().satisfies(m -> assertThat(m.getName()).isEqualTo("shm"));
        assertThat(s.getVolumes()).filteredOn(v -> v.getName().equals("shm")).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit())
                        .isEqualTo(new Quantity(Long.toString(64L << 20))));
    }

    @Test
    void pullPolicyDefaultsToNeverOnlyForLocallyBuiltImages() {
        KubernetesSettings d = KubernetesSettings.defaults();
        assertThat(d.pullPolicyFor("sandbox4j/python:bookworm")).isEqualTo("Never");
        assertThat(d.pullPolicyFor("registry.example.com/python:3.12")).isEqualTo("IfNotPresent");
        KubernetesSettings always = KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.imagePullPolicy",
                "Always")));
        assertThat(always.pullPolicyFor("sandbox4j/python:bookworm")).isEqualTo("Always");
    }

    @Test
    void configuredRuntimeClassBeatsTheTemplates() {
        KubernetesSettings t = withTemplate(HOSTILE_TEMPLATE);
        KubernetesSettings s = new KubernetesSettings(null, null, null, "gvisor", t.podTemplate(), "Never",
                Duration.ofSeconds(5), true, true);
        assertThat(pod(spec(Map.of()), s).getSpec().getRuntimeClassName()).isEqualTo("gvisor");
    }

    @Test
    void templateIsNotChangedByBuildingPods() {
        KubernetesSettings t = withTemplate(HOSTILE_TEMPLATE);
        pod(spec(Map.of()), t);
        assertThat(t.podTemplate().getSpec().getHostNetwork()).isTrue();
        assertThat(t.podTemplate().getSpec().getContainers().get(0).getName()).isEqualTo("main");
    }

    @Test
    void unsafeTemplatesAreRefused() {
        assertThatThrownBy(() -> pod(spec(Map.of()), withTemplate("""
                kind: Pod
                apiVersion: v1
                spec:
                  containers:
                  - name: a
                  - name: sidecar
                """))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one container");
        assertThatThrownBy(() -> pod(spec(Map.of()), withTemplate("""
                kind: Pod
                apiVersion: v1
                spec:
                  initContainers:
                  - name: init
                """))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init and ephemeral");
        assertThatThrownBy(() -> pod(spec(Map.of()), withTemplate("""
                kind: Pod
                apiVersion: v1
                spec:
                  volumes:
                  - name: root
                    hostPath:
                      path: /
                """))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hostPath");
        assertThatThrownBy(() -> KubernetesSettings.parseTemplate("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: x
                """, "cm.yaml")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one Pod");
        assertThatThrownBy(() -> KubernetesSettings.parseTemplate("{not yaml: [", "bad.yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.yaml");
    }

    @Test
    void templateFileIsRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pod.yaml");
        Files.writeString(f, HOSTILE_TEMPLATE);
        KubernetesSettings s = KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.podTemplate",
                f.toString())));
        assertThat(s.podTemplate().getSpec().getNodeSelector()).containsEntry("pool", "sandboxes");
        assertThatThrownBy(() -> KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.podTemplate",
                dir.resolve("missing.yaml").toString()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read");
    }

    @Test
    void badSettingsAreExplained() {
        assertThatThrownBy(() -> KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.namespace", "Bad_NS"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kubernetes.namespace");
        assertThatThrownBy(() -> KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.imagePullPolicy",
                "Sometimes")))).hasMessageContaining("IfNotPresent, Always or Never");
        assertThatThrownBy(() -> KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.startTimeout",
                "soon")))).hasMessageContaining("kubernetes.startTimeout");
        assertThatThrownBy(() -> KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.volumeMedium",
                "ssd")))).hasMessageContaining("Memory or disk");
        assertThat(KubernetesSettings.from(new BackendConfig(Map.of("kubernetes.startTimeout", "30"))).startTimeout())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(KubernetesSettings.from(BackendConfig.empty())).isEqualTo(KubernetesSettings.defaults());
    }

    @Test
    void labelsThatKubernetesRefusesAreEncodedAndKeptInAnAnnotation() {
        Map<String, String> labels = Map.of(
                "dev.sandbox4j.owner", "host:123:456",
                "dev.sandbox4j.created", "2026-11-23T12:00:00Z",
                "dev.sandbox4j.managed", "true",
                "bad key!", "x");
        Pod p = pod(spec(labels), KubernetesSettings.defaults());
        Map<String, String> k8s = p.getMetadata().getLabels();
        assertThat(k8s).containsEntry("dev.sandbox4j.managed", "true").doesNotContainKey("bad key!");
        assertThat(k8s.get("dev.sandbox4j.owner")).matches("h[0-9a-f]{40}")
                .isEqualTo(PodSpecs.encodeValue("host:123:456"))
                .isNotEqualTo(PodSpecs.encodeValue("host:123:457"));
        assertThat(PodSpecs.decodeLabels(p)).isEqualTo(labels);
    }

    @Test
    void longNamesAreShortenedKeepingTheirTail() {
        String name = PodSpecs.podName("sandbox4j-javascript-" + "x".repeat(60) + "-0123456789abcdef");
        assertThat(name).hasSizeLessThanOrEqualTo(63).endsWith("0123456789abcdef").startsWith("sandbox4j-");
        assertThat(PodSpecs.podName("--A.B--")).isEqualTo("a-b");
    }
}
