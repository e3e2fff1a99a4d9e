package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.EngineCalls.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.spi.Box;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a running box between networks (onto a network for a library install, back to none before untrusted code
 * runs): disconnects it from every network it is on, then connects it to the wanted one. Podman's differences are
 * handled here.
 */
final class BoxNetworks {
    private static final Logger log = LoggerFactory.getLogger(BoxNetworks.class);

    private final DockerClient docker;
    private final boolean podman;

    BoxNetworks(DockerClient docker, boolean podman) {
        this.docker = docker;
        this.podman = podman;
    }

    /** Puts the box on {@code network} only, or on none when {@code null}. */
    void set(Box box, @Nullable String network) {
        try {
            InspectContainerResponse c = docker.inspectContainerCmd(box.id()).exec();
            Map<String, ContainerNetwork> current = c.getNetworkSettings() == null
                    || c.getNetworkSettings().getNetworks() == null ? Map.of() : c.getNetworkSettings().getNetworks();
            String wanted = network == null ? "none" : network;
            if (current.size() == 1 && current.containsKey(wanted)) {
                return;
            }
            if (podman && current.isEmpty()) {
                if (wanted.equals("none")) {
                    return;
                }
                throw new UnsupportedOperationException("Podman cannot connect a container that was created "
                        + "without a network to network '" + wanted + "' (Docker can); with Podman, install libraries"
                        + " into the image instead, or open the session with a network");
            }
            for (String name : current.keySet()) {
                docker.disconnectFromNetworkCmd().withContainerId(box.id()).withNetworkId(name).withForce(true).exec();
            }
            // Podman cannot connect a container to "none"; disconnected from every network it keeps only loopback
            if (!(podman && wanted.equals("none"))) {
                docker.connectToNetworkCmd().withContainerId(box.id()).withNetworkId(wanted).exec();
            }
            log.debug("box {} now on network {}", box.name(), wanted);
        } catch (NotFoundException e) {
            throw new BackendException("docker", "network '" + network + "' or box " + box.name()
                    + " not found: " + DockerBackendFactory.rootMessage(e), e);
        } catch (RuntimeException e) {
            throw fail("switch network of " + box.name() + " to " + (network == null ? "none" : network), e);
        }
    }
}
