package dev.sandbox4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Docker network the tests create for library installation, labelled with the run id and removed on close. It is
 * {@code internal}: a box on it reaches the host (where the tests' package servers listen, at the network's gateway)
 * and nothing else, so an installation can only have used those servers. The tests do not rely on the engine's
 * {@code bridge} network, whose settings depend on the daemon's history (a freshly started dockerd records no
 * gateway for it).
 */
final class InstallNetwork implements AutoCloseable {
    private final String name;
    private final String hostAddress;

    private InstallNetwork(String name, String hostAddress) {
        this.name = name;
        this.hostAddress = hostAddress;
    }

    /** Creates a network (the engine picks a free subnet) and reads its gateway. */
    static InstallNetwork create() {
        String name = "sandbox4j-it-" + DockerTestSupport.RUN_ID.substring(0, 8) + "-"
                + Long.toHexString(System.nanoTime() & 0xffffff);
        try (DockerClient dc = DockerTestSupport.docker()) {
            String id = dc.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true)
                    .withCheckDuplicate(true).withLabels(Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.RUN_ID))
                    .exec().getId();
            Network n = dc.inspectNetworkCmd().withNetworkId(id).exec();
            String gateway = n.getIpam() == null ? null : gateway(n.getIpam().getConfig());
            if (gateway == null) {
                dc.removeNetworkCmd(id).exec();
                throw new IllegalStateException("network " + name + " has neither a gateway nor an IPv4 subnet: "
                        + n.getIpam());
            }
            return new InstallNetwork(name, gateway);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The network's name, for {@code InstallConfig.network}. */
    String name() {
        return name;
    }

    /** The host's address as seen from a box on this network. */
    String hostAddress() {
        return hostAddress;
    }

    /**
     * The gateway of the first IPv4 pool: its {@code Gateway}, else the first host of its {@code Subnet} (the
     * address the engine gives the bridge when none is configured); {@code null} when there is neither.
     */
    static @Nullable String gateway(@Nullable List<Network.Ipam.Config> configs) {
        if (configs == null) {
            return null;
        }
        for (Network.Ipam.Config c : configs) {
            if (c.getGateway() != null && !c.getGateway().isBlank() && !c.getGateway().contains(":")) {
                return c.getGateway().replaceFirst("/.*", "");
            }
            String first = firstHost(c.getSubnet());
            if (first != null) {
                return first;
            }
        }
        return null;
    }

    /** {@code 172.17.0.0/16} gives {@code 172.17.0.1}; {@code null} for anything but an IPv4 subnet with hosts. */
    static @Nullable String firstHost(@Nullable String subnet) {
        if (subnet == null || !subnet.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
            return null;
        }
        String[] parts = subnet.split("/");
        int bits = Integer.parseInt(parts[1]);
        if (bits > 30) {
            return null;
        }
        long addr = 0;
        for (String octet : parts[0].split("\\.")) {
            int o = Integer.parseInt(octet);
            if (o > 255) {
                return null;
            }
            addr = addr << 8 | o;
        }
        long mask = bits == 0 ? 0 : 0xffffffffL << (32 - bits) & 0xffffffffL;
        long host = (addr & mask) + 1;
        return (host >> 24 & 255) + "." + (host >> 16 & 255) + "." + (host >> 8 & 255) + "." + (host & 255);
    }

    @Override
    public void close() {
        try (DockerClient dc = DockerTestSupport.docker()) {
            dc.removeNetworkCmd(name).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
