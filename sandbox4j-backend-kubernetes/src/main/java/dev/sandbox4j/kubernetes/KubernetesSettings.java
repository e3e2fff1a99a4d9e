package dev.sandbox4j.kubernetes;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.spi.BackendConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The backend's settings, read from {@link BackendConfig} properties ({@code kubernetes.*}).
 *
 * @param namespace namespace the Pods go to, or {@code null} for the kubeconfig context's (else {@code default})
 * @param context kubeconfig context, or {@code null} for the current one
 * @param kubeconfig kubeconfig file, or {@code null} for {@code $KUBECONFIG}, {@code ~/.kube/config} or in-cluster
 * @param runtimeClassName RuntimeClass for every Pod (e.g. {@code gvisor}, {@code kata}), or {@code null}
 * @param podTemplate Pod merged under the hardening (scheduling, annotations, pull secrets...), or {@code null}
 * @param imagePullPolicy {@code IfNotPresent}, {@code Always} or {@code Never}; {@code null} for {@code Never} for the
 *     locally built {@code sandbox4j/*} images (they are in no registry: load them onto the nodes) and
 *     {@code IfNotPresent} for any other
 * @param startTimeout how long {@code create} waits for the Pod to run
 * @param memoryVolumes whether {@code /workspace} and {@code /tmp} are memory-backed (tmpfs; they count against
 *     the memory limit, as on Docker) instead of node disk
 * @param networkPolicy whether the backend creates its deny-all NetworkPolicy in the namespace when it is missing
 */
record KubernetesSettings(
        @Nullable String namespace,
        @Nullable String context,
        @Nullable Path kubeconfig,
        @Nullable String runtimeClassName,
        @Nullable Pod podTemplate,
        @Nullable String imagePullPolicy,
        Duration startTimeout,
        boolean memoryVolumes,
        boolean networkPolicy) {

    static final String NAMESPACE = "kubernetes.namespace";
    static final String CONTEXT = "kubernetes.context";
    static final String KUBECONFIG = "kubernetes.kubeconfig";
    static final String RUNTIME_CLASS = "kubernetes.runtimeClassName";
    static final String POD_TEMPLATE = "kubernetes.podTemplate";
    static final String PULL_POLICY = "kubernetes.imagePullPolicy";
    static final String START_TIMEOUT = "kubernetes.startTimeout";
    static final String VOLUME_MEDIUM = "kubernetes.volumeMedium";
    static final String NETWORK_POLICY = "kubernetes.networkPolicy";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Set<String> PULL_POLICIES = Set.of("IfNotPresent", "Always", "Never");

    KubernetesSettings {
        requireNonNull(startTimeout, "startTimeout");
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException(NAMESPACE + " ('" + namespace + "') must be a namespace name (lower "
                    + "case letters, digits and '-', at most 63 characters)");
        }
        if (runtimeClassName != null && !DNS_SUBDOMAIN.matcher(runtimeClassName).matches()) {
            throw new IllegalArgumentException(RUNTIME_CLASS + " ('" + runtimeClassName + "') must be a RuntimeClass "
                    + "name such as gvisor or kata");
        }
        if (imagePullPolicy != null && !PULL_POLICIES.contains(imagePullPolicy)) {
            throw new IllegalArgumentException(PULL_POLICY + " ('" + imagePullPolicy
                    + "') must be IfNotPresent, Always or Never");
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException(START_TIMEOUT + " (" + startTimeout + ") must be positive");
        }
    }

    static KubernetesSettings defaults() {
        return new KubernetesSettings(null, null, null, null, null, null, Duration.ofMinutes(2), true, true);
    }

    /**
     * Reads the {@code kubernetes.*} properties.
     *
     * @throws IllegalArgumentException for a malformed property or a pod template that cannot be read
     */
    static KubernetesSettings from(BackendConfig config) {
        String kubeconfig = blankToNull(config.get(KUBECONFIG));
        String template = blankToNull(config.get(POD_TEMPLATE));
        String medium = blankToNull(config.get(VOLUME_MEDIUM));
        if (medium != null && !medium.equalsIgnoreCase("Memory") && !medium.equalsIgnoreCase("disk")) {
            throw new IllegalArgumentException(VOLUME_MEDIUM + " ('" + medium + "') must be Memory or disk");
        }
        String policy = blankToNull(config.get(NETWORK_POLICY));
        if (policy != null && !policy.equals("create") && !policy.equals("skip")) {
            throw new IllegalArgumentException(NETWORK_POLICY + " ('" + policy + "') must be create or skip");
        }
        String pull = blankToNull(config.get(PULL_POLICY));
        return new KubernetesSettings(
                blankToNull(config.get(NAMESPACE)),
                blankToNull(config.get(CONTEXT)),
                kubeconfig == null ? null : Path.of(kubeconfig),
                blankToNull(config.get(RUNTIME_CLASS)),
                template == null ? null : readTemplate(Path.of(template)),
                pull,
                duration(config.get(START_TIMEOUT), Duration.ofMinutes(2)),
                medium == null || medium.equalsIgnoreCase("Memory"),
                policy == null || policy.equals("create"));
    }

    /** The pull policy for {@code image}: the configured one, else see {@link #imagePullPolicy()}. */
    String pullPolicyFor(String image) {
        if (imagePullPolicy != null) {
            return imagePullPolicy;
        }
        return image.startsWith("sandbox4j/") ? "Never" : "IfNotPresent";
    }

    /** Reads a Pod manifest (YAML or JSON). */
    static Pod readTemplate(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(POD_TEMPLATE + ": cannot read " + file + " (" + e + ")", e);
        }
        return parseTemplate(text, file.toString());
    }

    static Pod parseTemplate(String text, String where) {
        Object parsed;
        try {
            parsed = new KubernetesSerialization().unmarshal(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(POD_TEMPLATE + ": " + where + " is not a Kubernetes manifest ("
                    + e.getMessage() + ")", e);
        }
        if (!(parsed instanceof Pod pod)) {
            throw new IllegalArgumentException(POD_TEMPLATE + ": " + where + " must hold one Pod (kind: Pod), not "
                    + (parsed == null ? "nothing" : parsed.getClass().getSimpleName()));
        }
        return pod;
    }

    /** Seconds ({@code 90}) or an ISO-8601 duration ({@code PT90S}). */
    private static Duration duration(@Nullable String text, Duration fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        String t = text.strip();
        try {
            return t.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(t)) : Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(START_TIMEOUT + " ('" + t + "') must be seconds (e.g. 120) or an "
                    + "ISO-8601 duration (e.g. PT2M)", e);
        }
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
