package dev.sandbox4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.VersionComponent;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.sandbox4j.spi.BackendConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Finds the engine and creates docker-java clients for it.
 *
 * <p>An explicit endpoint is used alone: the {@code docker.host} property, else {@code DOCKER_HOST} (or a docker-java
 * properties file / Docker context that names one). Without one, these sockets are tried in order and the first
 * that answers wins: {@code /var/run/docker.sock}, rootless Docker's {@code $XDG_RUNTIME_DIR/docker.sock}, rootless
 * Podman's {@code $XDG_RUNTIME_DIR/podman/podman.sock}, rootful Podman's {@code /run/podman/podman.sock}.
 *
 * <p>TLS ({@code tcp://} endpoints): the {@code docker.tls.verify} and {@code docker.cert.path} properties, else
 * {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH}; the directory holds {@code ca.pem}, {@code cert.pem} and
 * {@code key.pem} as the docker CLI expects.
 */
public final class DockerClients {
    /** Backend property: the endpoint, {@code unix:///path} or {@code tcp://host:port}. */
    public static final String HOST = "docker.host";
    /** Backend property: {@code true}/{@code 1} to talk TLS with client certificates to a {@code tcp://} endpoint. */
    public static final String TLS_VERIFY = "docker.tls.verify";
    /** Backend property: directory with {@code ca.pem}, {@code cert.pem} and {@code key.pem}. */
    public static final String CERT_PATH = "docker.cert.path";

    static final String DOCKER_SOCKET = "unix:///var/run/docker.sock";
    static final String PODMAN_SOCKET = "unix:///run/podman/podman.sock";

    private DockerClients() {}

    /** One place the engine may be, and why it is on the list. */
    record Candidate(String host, String source) {}

    /** An engine that answered: its config, where it was found, and its version. */
    record Endpoint(DockerClientConfig config, String source, Version version) {
        boolean podman() {
            return isPodman(version);
        }

        /** One line for logs and {@code doctor}, e.g. {@code Podman 4.3.1 (API 1.41) at unix:///run/podman/podman.sock}. */
        String describe() {
            return (podman() ? "Podman " + podmanVersion(version) : "Docker " + version.getVersion()) + " (API "
                    + version.getApiVersion() + ") at " + config.getDockerHost()
                    + (config.getSSLConfig() != null ? " (TLS)" : "");
        }
    }

    /** The places to try, in order. */
    static List<Candidate> candidates(BackendConfig config, Map<String, String> env) {
        String host = config.get(HOST);
        if (host != null && !host.isBlank()) {
            return List.of(new Candidate(host.strip(), HOST + " property"));
        }
        String fromEnv = env.get("DOCKER_HOST");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return List.of(new Candidate(fromEnv.strip(), "DOCKER_HOST"));
        }
        DefaultDockerClientConfig.Builder defaults = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (System.getenv("DOCKER_HOST") == null && defaults.isDockerHostSetExplicitly()) {
            // ~/.docker-java.properties, a system property or the current Docker context (docker-java also reads the
            // process's DOCKER_HOST, which the caller's environment map has already answered for)
            return List.of(new Candidate(defaults.build().getDockerHost().toString(), "docker-java configuration"));
        }
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate(DOCKER_SOCKET, "Docker socket"));
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && xdg.startsWith("/")) {
            String dir = xdg.endsWith("/") ? xdg.substring(0, xdg.length() - 1) : xdg;
            out.add(new Candidate("unix://" + dir + "/docker.sock", "rootless Docker socket"));
            out.add(new Candidate("unix://" + dir + "/podman/podman.sock", "rootless Podman socket"));
        }
        out.add(new Candidate(PODMAN_SOCKET, "Podman socket"));
        return out;
    }

    /**
     * The client configuration for one endpoint, with TLS from the properties (or the environment).
     *
     * @throws IllegalArgumentException for a malformed endpoint or an incomplete certificate directory
     */
    static DockerClientConfig config(BackendConfig config, String host, Map<String, String> env) {
        URI uri;
        try {
            uri = URI.create(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Expected the Docker endpoint as unix:///path or tcp://host:port but "
                    + "was '" + host + "'", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("unix") && !scheme.equals("tcp") && !scheme.equals("npipe")) {
            throw new IllegalArgumentException("Expected the Docker endpoint as unix:///path or tcp://host:port but "
                    + "was '" + host + "'");
        }
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host);
        String verify = firstSet(config.get(TLS_VERIFY), env.get("DOCKER_TLS_VERIFY"));
        boolean tls = verify != null && !verify.equals("0") && !verify.equalsIgnoreCase("false");
        b.withDockerTlsVerify(tls);
        if (tls) {
            if (!scheme.equals("tcp")) {
                throw new IllegalArgumentException("TLS (" + (config.get(TLS_VERIFY) != null ? TLS_VERIFY
                        : "DOCKER_TLS_VERIFY") + ") needs a tcp:// endpoint but the endpoint is '" + host + "'");
            }
            String certs = firstSet(config.get(CERT_PATH), env.get("DOCKER_CERT_PATH"));
            if (certs == null) {
                certs = Path.of(System.getProperty("user.home"), ".docker").toString();
            }
            Path dir = Path.of(certs);
            List<String> missing = new ArrayList<>();
            for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
                if (!Files.isReadable(dir.resolve(f))) {
                    missing.add(f);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("TLS is on for " + host + " but the certificate directory '"
                        + dir + "' (" + (config.get(CERT_PATH) != null ? CERT_PATH : "DOCKER_CERT_PATH")
                        + ") lacks " + String.join(", ", missing) + "; it must hold ca.pem, cert.pem and key.pem");
            }
            b.withDockerCertPath(dir.toString());
        }
        return b.build();
    }

    /**
     * The config of the engine that answers (see the class documentation), or of the first candidate when none does
     * (the caller's first request then fails with the engine's error).
     *
     * @throws IllegalArgumentException for a malformed endpoint or an incomplete certificate directory
     */
    public static DockerClientConfig config(BackendConfig config) {
        Resolution r = resolve(config);
        if (r.endpoint() != null) {
            return r.endpoint().config();
        }
        return config(config, candidates(config, System.getenv()).get(0).host(), System.getenv());
    }

    /** The result of looking for an engine: the endpoint that answered, or why each candidate did not. */
    record Resolution(@Nullable Endpoint endpoint, List<String> failures) {}

    /** Tries the candidates in order; never throws. */
    static Resolution resolve(BackendConfig config) {
        return resolve(config, System.getenv(), DockerClients::version);
    }

    static Resolution resolve(BackendConfig config, Map<String, String> env,
            Function<DockerClientConfig, Version> probe) {
        List<String> failures = new ArrayList<>();
        List<Candidate> candidates = candidates(config, env);
        boolean explicit = candidates.size() == 1;
        for (Candidate c : candidates) {
            if (!explicit && c.host().startsWith("unix://") && !Files.exists(Path.of(c.host().substring(7)))) {
                failures.add(c.source() + " " + c.host() + ": no such socket");
                continue;
            }
            DockerClientConfig cfg;
            try {
                cfg = config(config, c.host(), env);
            } catch (IllegalArgumentException e) {
                failures.add(c.source() + ": " + e.getMessage());
                continue;
            }
            try {
                return new Resolution(new Endpoint(cfg, c.source(), probe.apply(cfg)), List.of());
            } catch (RuntimeException e) {
                failures.add(c.source() + " " + c.host() + ": " + explain(cfg, e));
            }
        }
        return new Resolution(null, failures);
    }

    private static Version version(DockerClientConfig cfg) {
        try (DockerClient dc = createForProbe(cfg)) {
            return dc.versionCmd().exec();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Why an endpoint did not answer, with a hint for the usual TLS mistakes. */
    static String explain(DockerClientConfig cfg, Throwable e) {
        String root = DockerBackendFactory.rootMessage(e);
        boolean tcp = "tcp".equals(cfg.getDockerHost().getScheme()) || "https".equals(cfg.getDockerHost().getScheme());
        if (!tcp) {
            return root;
        }
        boolean tlsProblem = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            tlsProblem |= t instanceof javax.net.ssl.SSLException || t instanceof java.security.GeneralSecurityException
                    || t instanceof java.security.cert.CertificateException;
        }
        if (cfg.getSSLConfig() != null && tlsProblem) {
            return "TLS handshake failed (" + root + "): check that the CA in " + certPath(cfg)
                    + "/ca.pem signed the engine's certificate and that cert.pem/key.pem are a client certificate "
                    + "the engine accepts";
        }
        if (cfg.getSSLConfig() != null) {
            return root + " (TLS with the certificates in " + certPath(cfg) + ")";
        }
        return root + " (if this engine requires TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or the "
                + TLS_VERIFY + " and " + CERT_PATH + " properties)";
    }

    private static String certPath(DockerClientConfig cfg) {
        return cfg.getSSLConfig() instanceof com.github.dockerjava.core.LocalDirectorySSLConfig l
                ? l.getDockerCertPath() : "the certificate directory";
    }

    static boolean isPodman(Version v) {
        return podmanVersion(v) != null;
    }

    private static @Nullable String podmanVersion(Version v) {
        if (v.getComponents() != null) {
            for (VersionComponent c : v.getComponents()) {
                if (c.getName() != null && c.getName().toLowerCase(Locale.ROOT).contains("podman")) {
                    return c.getVersion();
                }
            }
        }
        return null;
    }

    private static @Nullable String firstSet(@Nullable String a, @Nullable String b) {
        if (a != null && !a.isBlank()) {
            return a.strip();
        }
        return b != null && !b.isBlank() ? b.strip() : null;
    }

    /** A client for normal use: no read timeout, because exec streams can be silent for as long as a run lasts. */
    /**
     * A client of the engine the default settings point at ({@code DOCKER_HOST}, the Docker context, the local
     * socket), as the backend itself would connect: for tools that manage images and the engine beside the backend.
     */
    public static DockerClient createDefault() {
        return create(config(BackendConfig.empty()));
    }

    public static DockerClient create(DockerClientConfig cfg) {
        return DockerClientImpl.getInstance(cfg, new ZerodepDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .sslConfig(cfg.getSSLConfig())
                .maxConnections(256)
                .connectionTimeout(Duration.ofSeconds(10))
                .build());
    }

    /** A client for probing: gives up after a few seconds. */
    public static DockerClient createForProbe(DockerClientConfig cfg) {
        return DockerClientImpl.getInstance(cfg, new ZerodepDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .sslConfig(cfg.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(3))
                .responseTimeout(Duration.ofSeconds(5))
                .build());
    }
}
