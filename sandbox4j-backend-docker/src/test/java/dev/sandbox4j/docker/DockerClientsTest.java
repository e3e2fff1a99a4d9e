package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.VersionComponent;
import com.github.dockerjava.core.DockerClientConfig;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerClientsTest {
    @Test
    void honoursAnExplicitTcpHost() {
        var cfg = DockerClients.config(new BackendConfig(Map.of("docker.host", "tcp://10.1.2.3:2375")), "tcp://10.1.2.3:2375",
                Map.of());
        assertThat(cfg.getDockerHost().toString()).isEqualTo("tcp://10.1.2.3:2375");
        assertThat(cfg.getSSLConfig()).isNull();
    }

    @Test
    void anExplicitHostIsTheOnlyCandidate() {
        assertThat(DockerClients.candidates(new BackendConfig(Map.of("docker.host", "unix:///run/podman/podman.sock")),
                Map.of("DOCKER_HOST", "tcp://elsewhere:2375")))
                .containsExactly(new DockerClients.Candidate("unix:///run/podman/podman.sock", "docker.host property"));
        assertThat(DockerClients.candidates(BackendConfig.empty(), Map.of("DOCKER_HOST", "tcp://elsewhere:2376")))
                .containsExactly(new DockerClients.Candidate("tcp://elsewhere:2376", "DOCKER_HOST"));
    }

    @Test
    void withoutAnExplicitHostDockerComesFirstThenRootlessThenPodman() {
        assertThat(DockerClients.candidates(BackendConfig.empty(), Map.of("XDG_RUNTIME_DIR", "/run/user/1000/")))
                .extracting(DockerClients.Candidate::host)
                .containsExactly("unix:///var/run/docker.sock", "unix:///run/user/1000/docker.sock",
                        "unix:///run/user/1000/podman/podman.sock", "unix:///run/podman/podman.sock");
        assertThat(DockerClients.candidates(BackendConfig.empty(), Map.of()))
                .extracting(DockerClients.Candidate::host)
                .containsExactly("unix:///var/run/docker.sock", "unix:///run/podman/podman.sock");
    }

    @Test
    void explicitHostIsProbedEvenWhenItsSocketIsMissingAndTheFailureSaysWhere() {
        List<String> probed = new ArrayList<>();
        DockerClients.Resolution r = DockerClients.resolve(
                new BackendConfig(Map.of("docker.host", "unix:///nonexistent/docker.sock")), Map.of(), cfg -> {
                    probed.add(cfg.getDockerHost().toString());
                    throw new IllegalStateException("connection refused");
                });
        assertThat(r.endpoint()).isNull();
        assertThat(probed).containsExactly("unix:///nonexistent/docker.sock");
        assertThat(r.failures()).singleElement().asString()
                .contains("docker.host property", "unix:///nonexistent/docker.sock", "connection refused");
    }

    @Test
    void theFirstCandidateThatAnswersWinsAndPodmanIsRecognised(@TempDir Path dir) throws Exception {
        Path docker = Files.createFile(dir.resolve("docker.sock"));
        Files.createDirectories(dir.resolve("podman"));
        Files.createFile(dir.resolve("podman/podman.sock"));
        List<String> probed = new ArrayList<>();
        DockerClients.Resolution r = DockerClients.resolve(BackendConfig.empty(),
                Map.of("XDG_RUNTIME_DIR", dir.toString()), cfg -> {
                    String host = cfg.getDockerHost().toString();
                    probed.add(host);
                    if (host.endsWith("/docker.sock")) {
                        throw new IllegalStateException("connection refused");
                    }
                    return podmanVersion();
                });
        assertThat(r.endpoint()).isNotNull();
        assertThat(r.endpoint().config().getDockerHost().toString()).isEqualTo("unix://" + dir + "/podman/podman.sock");
        assertThat(r.endpoint().podman()).isTrue();
        assertThat(r.endpoint().describe()).isEqualTo("Podman 4.3.1 (API 1.41) at unix://" + dir + "/podman/podman.sock");
        assertThat(r.endpoint().source()).isEqualTo("rootless Podman socket");
        // /var/run/docker.sock is tried first only when it exists: here, if it does, it was probed before ours
        assertThat(probed).endsWith("unix://" + docker, "unix://" + dir + "/podman/podman.sock");
    }

    @Test
    void tlsNeedsACompleteCertificateDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "x");
        BackendConfig config = new BackendConfig(Map.of("docker.tls.verify", "1", "docker.cert.path", dir.toString()));
        assertThatThrownBy(() -> DockerClients.config(config, "tcp://127.0.0.1:2376", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS is on for tcp://127.0.0.1:2376 but the certificate directory '" + dir
                        + "' (docker.cert.path) lacks cert.pem, key.pem; it must hold ca.pem, cert.pem and key.pem");
    }

    @Test
    void tlsComesFromTheEnvironmentWhenNoPropertySaysOtherwise(@TempDir Path dir) throws Exception {
        for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(dir.resolve(f), "x");
        }
        DockerClientConfig cfg = DockerClients.config(BackendConfig.empty(), "tcp://127.0.0.1:2376",
                Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir.toString()));
        assertThat(cfg.getSSLConfig()).isNotNull();
        assertThat(cfg.getDockerHost().getScheme()).isIn("tcp", "https");
        DockerClientConfig off = DockerClients.config(new BackendConfig(Map.of("docker.tls.verify", "false")),
                "tcp://127.0.0.1:2376", Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir.toString()));
        assertThat(off.getSSLConfig()).isNull();
    }

    @Test
    void tlsOnAUnixSocketOrAMalformedHostIsRefused() {
        assertThatThrownBy(() -> DockerClients.config(new BackendConfig(Map.of("docker.tls.verify", "true")),
                "unix:///var/run/docker.sock", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS (docker.tls.verify) needs a tcp:// endpoint but the endpoint is "
                        + "'unix:///var/run/docker.sock'");
        assertThatThrownBy(() -> DockerClients.config(BackendConfig.empty(), "http://x:1", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected the Docker endpoint as unix:///path or tcp://host:port but was 'http://x:1'");
    }

    @Test
    void probeOfAnEngineThatIsNotThereExplainsWhyWithoutThrowing() {
        Availability a = new DockerBackendFactory()
                .probe(new BackendConfig(Map.of("docker.host", "unix:///nonexistent/docker.sock")));
        assertThat(a.available()).isFalse();
        assertThat(a.detail()).contains("unix:///nonexistent/docker.sock").contains("setup-engine.sh");
    }

    @Test
    void defaultRuntimeMustBeARuntimeName() {
        assertThat(DockerBackendFactory.defaultRuntime(new BackendConfig(Map.of("docker.runtime", " runsc ")),
                Map.of("SANDBOX4J_DOCKER_RUNTIME", "kata"))).isEqualTo("runsc");
        assertThat(DockerBackendFactory.defaultRuntime(BackendConfig.empty(), Map.of("SANDBOX4J_DOCKER_RUNTIME",
                "kata"))).isEqualTo("kata");
        assertThat(DockerBackendFactory.defaultRuntime(BackendConfig.empty(), Map.of())).isNull();
        assertThatThrownBy(() -> DockerBackendFactory.defaultRuntime(BackendConfig.empty(),
                Map.of("SANDBOX4J_DOCKER_RUNTIME", "a;b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SANDBOX4J_DOCKER_RUNTIME ('a;b') must be a runtime name such as 'runc' or 'runsc'");
        assertThatThrownBy(() -> DockerBackendFactory.defaultRuntime(
                new BackendConfig(Map.of("docker.runtime", "run sc")), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("docker.runtime ('run sc') must be a runtime name such as 'runc' or 'runsc'");
    }

    private static Version podmanVersion() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue("""
                    {"ApiVersion":"1.41","Version":"4.3.1",
                     "Components":[{"Name":"Podman Engine","Version":"4.3.1"}]}""", Version.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
