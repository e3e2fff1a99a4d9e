package dev.sandbox4j.docker;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the {@code docker} backend: a Docker engine, rootless Docker, or Podman through its Docker-compatible
 * socket (found as described in {@link DockerClients}).
 *
 * <p>Properties: {@code docker.host} ({@code unix:///path} or {@code tcp://host:port}), {@code docker.tls.verify} and
 * {@code docker.cert.path} (TLS client certificates for {@code tcp://}), {@code docker.runtime} (the OCI runtime of
 * every box whose {@code RuntimeConfig} names none, e.g. {@code runsc} for gVisor; it must be one the engine offers;
 * else the {@code SANDBOX4J_DOCKER_RUNTIME} environment variable).
 */
public final class DockerBackendFactory implements SandboxBackendFactory {
    private static final Logger log = LoggerFactory.getLogger(DockerBackendFactory.class);

    /** Backend property: default OCI runtime of the boxes, e.g. {@code runsc}. */
    public static final String RUNTIME = "docker.runtime";
    /** Environment variable read when the {@link #RUNTIME} property is not set. */
    public static final String RUNTIME_ENV = "SANDBOX4J_DOCKER_RUNTIME";

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe(BackendConfig config) {
        DockerClients.Resolution r;
        try {
            r = DockerClients.resolve(config);
        } catch (RuntimeException e) {
            return Availability.unavailable("invalid Docker configuration: " + e.getMessage());
        }
        if (r.endpoint() == null) {
            return Availability.unavailable(unavailable(r.failures()));
        }
        return Availability.available(r.endpoint().describe());
    }

    private static String unavailable(List<String> failures) {
        return "no Docker-compatible engine answers (" + String.join("; ", failures)
                + "); start Docker with scripts/setup-engine.sh (or Podman with scripts/setup-podman.sh), or set "
                + "DOCKER_HOST / the docker.host property";
    }

    @Override
    public SandboxBackend create(BackendConfig config) {
        DockerClients.Resolution r;
        try {
            r = DockerClients.resolve(config);
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("Docker is not available",
                    List.of("docker: invalid Docker configuration: " + e.getMessage()), e);
        }
        DockerClients.Endpoint e = r.endpoint();
        if (e == null) {
            throw new BackendUnavailableException("Docker is not available", List.of("docker: "
                    + unavailable(r.failures())), null);
        }
        String runtime = defaultRuntime(config);
        log.trace("Using backend docker: {}{}", e.describe(), runtime == null ? "" : ", runtime " + runtime);
        return new DockerBackend(DockerClients.create(e.config()),
                e.describe() + (runtime == null ? "" : ", runtime " + runtime), e.podman(), runtime);
    }

    /**
     * The OCI runtime boxes get when their {@code RuntimeConfig} names none: the {@code docker.runtime} property, else
     * the {@code SANDBOX4J_DOCKER_RUNTIME} environment variable, else {@code null} (the engine's default).
     *
     * @throws IllegalArgumentException when the value is not a runtime name
     */
    /** The OCI runtime boxes run in by default ({@code docker.runtime} from the environment), or null. */
    public static @Nullable String defaultRuntime() {
        return defaultRuntime(BackendConfig.empty());
    }

    public static @Nullable String defaultRuntime(BackendConfig config) {
        return defaultRuntime(config, System.getenv());
    }

    static @Nullable String defaultRuntime(BackendConfig config, java.util.Map<String, String> env) {
        String runtime = config.get(RUNTIME);
        String from = RUNTIME;
        if (runtime == null || runtime.isBlank()) {
            runtime = env.get(RUNTIME_ENV);
            from = RUNTIME_ENV;
        }
        if (runtime == null || runtime.isBlank()) {
            return null;
        }
        runtime = runtime.strip();
        if (!runtime.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(from + " ('" + runtime
                    + "') must be a runtime name such as 'runc' or 'runsc'");
        }
        return runtime;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        List<Throwable> seen = new ArrayList<>();
        while (t.getCause() != null && t.getCause() != t && !seen.contains(t.getCause())) {
            seen.add(t);
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
