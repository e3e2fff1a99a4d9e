package dev.sandbox4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.sandbox4j.spi.BackendConfig;
import java.time.Duration;

/**
 * Creates docker-java clients. The endpoint comes from the {@code docker.host} property, else {@code DOCKER_HOST}
 * (unix:// or tcp://, with {@code DOCKER_TLS_VERIFY}/{@code DOCKER_CERT_PATH}), else the local socket.
 */
public final class DockerClients {
    private DockerClients() {}

    public static DockerClientConfig config(BackendConfig config) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder();
        String host = config.get("docker.host");
        if (host != null && !host.isBlank()) {
            b.withDockerHost(host);
        }
        return b.build();
    }

    /** A client for normal use: no read timeout, because exec streams can be silent for as long as a run lasts. */
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
