package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where library installation ({@link SandboxSession#install}) fetches packages from, and how.
 *
 * <p>A box has no network while untrusted code runs. For an installation, sandbox4j first kills every process of the
 * sandbox user (so nothing left running by an earlier run sees the network), connects the box to {@link #network()},
 * runs the package manager as the sandbox user, kills whatever it left behind and disconnects the box again. If the
 * box cannot be disconnected, the session is closed. The package manager itself runs with the network: packages run
 * install scripts, so use a registry or mirror you trust, and a Docker network whose egress you control (for example
 * an internal network with a proxy) when that matters.
 *
 * <pre>{@code
 * InstallConfig cfg = InstallConfig.builder().pipIndexUrl("http://mirror:8080/simple").pipTrustedHost("mirror").build();
 * }</pre>
 *
 * @param pipIndexUrl pip's {@code --index-url}, or {@code null} for pip's default (PyPI)
 * @param pipExtraIndexUrls pip's {@code --extra-index-url}s
 * @param pipTrustedHosts hosts pip may reach without valid HTTPS ({@code --trusted-host})
 * @param npmRegistry npm's registry, or {@code null} for npm's default
 * @param mavenRepository Maven repository URL for Java libraries ({@code group:artifact:version})
 * @param goProxy {@code GOPROXY} for Go modules, or {@code null} for Go's default
 * @param goSumDb {@code GOSUMDB} ({@code "off"} for a private proxy), or {@code null} for Go's default
 * @param cranRepository CRAN mirror for R packages
 * @param network the engine network the box joins during installation (Docker: {@code bridge} by default)
 * @param caBundle PEM file of CA certificates copied into the box for HTTPS during installation, or {@code null}
 *     for the image's own; by default the host's {@code /etc/ssl/certs/ca-certificates.crt} when it exists
 * @param timeout deadline of one installation
 * @since 0.2
 */
public record InstallConfig(
        @Nullable String pipIndexUrl,
        List<String> pipExtraIndexUrls,
        List<String> pipTrustedHosts,
        @Nullable String npmRegistry,
        String mavenRepository,
        @Nullable String goProxy,
        @Nullable String goSumDb,
        String cranRepository,
        String network,
        @Nullable Path caBundle,
        Duration timeout) {

    /** Default deadline of an installation: 5 minutes. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private static final Path HOST_CA_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

    /** @throws IllegalArgumentException if a URL is not http(s) or file, or a value is blank */
    public InstallConfig {
        checkUrl("pipIndexUrl", pipIndexUrl);
        pipExtraIndexUrls = List.copyOf(pipExtraIndexUrls);
        pipExtraIndexUrls.forEach(u -> checkUrl("pipExtraIndexUrls", u));
        pipTrustedHosts = List.copyOf(pipTrustedHosts);
        for (String h : pipTrustedHosts) {
            if (!h.matches("[A-Za-z0-9\\[][A-Za-z0-9.\\-\\[\\]:]*")) {
                throw new IllegalArgumentException("pip trusted host '" + Texts.sanitize(h, 60) + "' is not a host name");
            }
        }
        checkUrl("npmRegistry", npmRegistry);
        checkUrl("mavenRepository", requireNonNull(mavenRepository, "mavenRepository"));
        if (goProxy != null && !goProxy.equals("direct") && !goProxy.equals("off")) {
            for (String part : goProxy.split("[,|]")) {
                if (!part.equals("direct") && !part.equals("off")) {
                    checkUrl("goProxy", part);
                }
            }
        }
        if (goSumDb != null && (goSumDb.isBlank() || goSumDb.startsWith("-"))) {
            throw new IllegalArgumentException("goSumDb '" + Texts.sanitize(goSumDb, 60) + "' is not valid");
        }
        checkUrl("cranRepository", requireNonNull(cranRepository, "cranRepository"));
        requireNonNull(network, "network");
        if (!network.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*")) {
            throw new IllegalArgumentException("network '" + Texts.sanitize(network, 60) + "' is not a network name");
        }
        requireNonNull(timeout, "timeout");
        Timeouts.checkPositive("timeout", timeout);
    }

    private static void checkUrl(String what, @Nullable String url) {
        if (url == null) {
            return;
        }
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + Texts.sanitize(url, 100) + "' is not a URL");
        }
        String scheme = u.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("file"))) {
            throw new IllegalArgumentException(what + " '" + Texts.sanitize(url, 100)
                    + "' must be an http, https or file URL");
        }
    }

    /** PyPI, npmjs, Maven Central, Go's and CRAN's defaults, the {@code bridge} network, the host's CA bundle. */
    public static InstallConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.pipIndexUrl = pipIndexUrl;
        b.pipExtraIndexUrls.addAll(pipExtraIndexUrls);
        b.pipTrustedHosts.addAll(pipTrustedHosts);
        b.npmRegistry = npmRegistry;
        b.mavenRepository = mavenRepository;
        b.goProxy = goProxy;
        b.goSumDb = goSumDb;
        b.cranRepository = cranRepository;
        b.network = network;
        b.caBundle = caBundle;
        b.timeout = timeout;
        return b;
    }

    /** Builds {@link InstallConfig}. */
    public static final class Builder {
        private @Nullable String pipIndexUrl;
        private final List<String> pipExtraIndexUrls = new ArrayList<>();
        private final List<String> pipTrustedHosts = new ArrayList<>();
        private @Nullable String npmRegistry;
        private String mavenRepository = "https://repo.maven.apache.org/maven2";
        private @Nullable String goProxy;
        private @Nullable String goSumDb;
        private String cranRepository = "https://cloud.r-project.org";
        private String network = "bridge";
        private @Nullable Path caBundle = Files.isReadable(HOST_CA_BUNDLE) ? HOST_CA_BUNDLE : null;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        public Builder pipIndexUrl(@Nullable String url) {
            this.pipIndexUrl = url;
            return this;
        }

        public Builder pipExtraIndexUrl(String url) {
            pipExtraIndexUrls.add(requireNonNull(url, "url"));
            return this;
        }

        public Builder pipTrustedHost(String host) {
            pipTrustedHosts.add(requireNonNull(host, "host"));
            return this;
        }

        public Builder npmRegistry(@Nullable String url) {
            this.npmRegistry = url;
            return this;
        }

        public Builder mavenRepository(String url) {
            this.mavenRepository = requireNonNull(url, "url");
            return this;
        }

        public Builder goProxy(@Nullable String goProxy) {
            this.goProxy = goProxy;
            return this;
        }

        public Builder goSumDb(@Nullable String goSumDb) {
            this.goSumDb = goSumDb;
            return this;
        }

        public Builder cranRepository(String url) {
            this.cranRepository = requireNonNull(url, "url");
            return this;
        }

        public Builder network(String network) {
            this.network = requireNonNull(network, "network");
            return this;
        }

        /** A PEM bundle of CA certificates for HTTPS during installation; {@code null} for the image's own. */
        public Builder caBundle(@Nullable Path caBundle) {
            this.caBundle = caBundle;
            return this;
        }

        public Builder timeout(Duration timeout) {
            Timeouts.checkPositive("timeout", timeout);
            this.timeout = timeout;
            return this;
        }

        public InstallConfig build() {
            return new InstallConfig(pipIndexUrl, pipExtraIndexUrls, pipTrustedHosts, npmRegistry, mavenRepository,
                    goProxy, goSumDb, cranRepository, network, caBundle, timeout);
        }
    }
}
