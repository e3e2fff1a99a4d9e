package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerClientsTest {
    @Test
    void honoursAnExplicitTcpHost() {
        var cfg = DockerClients.config(new BackendConfig(Map.of("docker.host", "tcp://10.1.2.3:2375")));
        assertThat(cfg.getDockerHost().toString()).isEqualTo("tcp://10.1.2.3:2375");
    }

    @Test
    void honoursAnExplicitUnixSocket() {
        var cfg = DockerClients.config(new BackendConfig(Map.of("docker.host", "unix:///run/podman/podman.sock")));
        assertThat(cfg.getDockerHost().toString()).isEqualTo("unix:///run/podman/podman.sock");
    }

    @Test
    void probeOfAnEngineThatIsNotThereExplainsWhyWithoutThrowing() {
        Availability a = new DockerBackendFactory()
                .probe(new BackendConfig(Map.of("docker.host", "unix:///nonexistent/docker.sock")));
        assertThat(a.available()).isFalse();
        assertThat(a.detail()).contains("unix:///nonexistent/docker.sock").contains("setup-engine.sh");
    }
}
