package dev.sandbox4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DockerClientConfig;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.io.IOException;
import java.util.List;

/** Registers the {@code docker} backend. Properties: {@code docker.host}. */
public final class DockerBackendFactory implements SandboxBackendFactory {
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
        DockerClientConfig cfg;
        try {
            cfg = DockerClients.config(config);
        } catch (RuntimeException e) {
            return Availability.unavailable("invalid Docker configuration: " + e.getMessage());
        }
        try (DockerClient dc = DockerClients.createForProbe(cfg)) {
            Version v = dc.versionCmd().exec();
            return Availability.available("Docker " + v.getVersion() + " (API " + v.getApiVersion() + ") at "
                    + cfg.getDockerHost());
        } catch (IOException | RuntimeException e) {
            return Availability.unavailable("cannot reach Docker at " + cfg.getDockerHost() + " (" + rootMessage(e)
                    + "); start it with scripts/setup-engine.sh or set DOCKER_HOST");
        }
    }

    @Override
    public SandboxBackend create(BackendConfig config) {
        Availability a = probe(config);
        if (!a.available()) {
            throw new BackendUnavailableException("Docker is not available", List.of("docker: " + a.detail()), null);
        }
        DockerClientConfig cfg = DockerClients.config(config);
        return new DockerBackend(DockerClients.create(cfg), a.detail());
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
