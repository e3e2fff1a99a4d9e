package dev.sandbox4j.kubernetes;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Registers the {@code kubernetes} backend: one hardened Pod per box on a Kubernetes cluster.
 *
 * <p>Properties (all optional): {@code kubernetes.kubeconfig} (file; else {@code $KUBECONFIG}, {@code ~/.kube/config}
 * or the in-cluster service account), {@code kubernetes.context}, {@code kubernetes.namespace} (else the context's,
 * else {@code default}), {@code kubernetes.runtimeClassName} (e.g. {@code gvisor}), {@code kubernetes.podTemplate}
 * (a Pod manifest merged under the hardening), {@code kubernetes.imagePullPolicy} ({@code Never} for the locally built
 * {@code sandbox4j/*} images, else {@code IfNotPresent}),
 * {@code kubernetes.startTimeout} (seconds, 120), {@code kubernetes.volumeMedium} ({@code Memory} or {@code disk}),
 * {@code kubernetes.networkPolicy} ({@code create} or {@code skip}).
 *
 * <p>Its priority is below Docker's: it is chosen automatically only where no Docker engine answers (e.g. a service
 * running in a cluster), or explicitly with {@code backend("kubernetes")} / {@code sandbox.backend=kubernetes}.
 */
public final class KubernetesBackendFactory implements SandboxBackendFactory {
    static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Availability probe(BackendConfig config) {
        KubernetesSettings settings;
        try {
            settings = KubernetesSettings.from(config);
        } catch (IllegalArgumentException e) {
            return Availability.unavailable("invalid configuration: " + e.getMessage());
        }
        String source;
        try {
            source = configSource(settings);
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage());
        }
        if (source == null) {
            return Availability.unavailable("no kubeconfig (kubernetes.kubeconfig, $KUBECONFIG or ~/.kube/config) "
                    + "and no in-cluster service account");
        }
        Config cfg;
        try {
            cfg = config(settings, true);
        } catch (RuntimeException e) {
            return Availability.unavailable("cannot read the " + source + ": " + KubernetesErrors.rootMessage(e));
        }
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(cfg).build()) {
            VersionInfo v = client.getKubernetesVersion();
            String version = v.getGitVersion() != null ? v.getGitVersion() : "v" + v.getMajor() + "." + v.getMinor();
            return Availability.available("Kubernetes " + version + " at " + cfg.getMasterUrl()
                    + ", namespace " + namespace(settings, cfg) + " (" + source + ")");
        } catch (RuntimeException e) {
            return Availability.unavailable("cannot reach the Kubernetes API at " + cfg.getMasterUrl() + " ("
                    + KubernetesErrors.message(e) + "; " + source + ")");
        }
    }

    @Override
    public SandboxBackend create(BackendConfig config) {
        Availability a = probe(config);
        if (!a.available()) {
            throw new BackendUnavailableException("Kubernetes is not available", List.of("kubernetes: " + a.detail()),
                    null);
        }
        KubernetesSettings settings = KubernetesSettings.from(config);
        Config cfg = config(settings, false);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(cfg).build();
        return new KubernetesBackend(client, settings, namespace(settings, cfg), a.detail());
    }

    /** Where the client configuration comes from, or {@code null} if there is none. */
    static @Nullable String configSource(KubernetesSettings settings) {
        if (settings.kubeconfig() != null) {
            if (!Files.isReadable(settings.kubeconfig())) {
                throw new IllegalArgumentException(KubernetesSettings.KUBECONFIG + ": cannot read "
                        + settings.kubeconfig());
            }
            return "kubeconfig " + settings.kubeconfig();
        }
        for (String file : Config.getKubeconfigFilenames()) {
            if (Files.isReadable(Path.of(file))) {
                return "kubeconfig " + file;
            }
        }
        if (System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
            return "in-cluster service account";
        }
        return null;
    }

    static Config config(KubernetesSettings settings, boolean probe) {
        Config cfg = settings.kubeconfig() != null
                ? Config.fromKubeconfig(settings.context(), settings.kubeconfig().toFile())
                : Config.autoConfigure(settings.context());
        if (probe) {
            cfg.setConnectionTimeout(10_000);
            cfg.setRequestTimeout(10_000);
            cfg.setRequestRetryBackoffLimit(0);
        }
        return cfg;
    }

    static String namespace(KubernetesSettings settings, Config cfg) {
        if (settings.namespace() != null) {
            return settings.namespace();
        }
        return cfg.getNamespace() == null || cfg.getNamespace().isBlank() ? "default" : cfg.getNamespace();
    }
}
