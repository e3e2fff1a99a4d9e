package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tests' way to the host: a network's gateway, whatever the engine recorded about it. */
class InstallNetworkTest {

    @Test
    void usesTheRecordedGateway() {
        assertThat(InstallNetwork.gateway(List.of(new Network.Ipam.Config().withSubnet("172.18.0.0/16")
                .withGateway("172.18.0.1")))).isEqualTo("172.18.0.1");
    }

    /** What a freshly started dockerd 20.10 reports for its bridge network (issue 13): no gateway. */
    @Test
    void fallsBackToTheFirstHostOfTheSubnet() {
        assertThat(InstallNetwork.gateway(List.of(new Network.Ipam.Config().withSubnet("172.17.0.0/16"))))
                .isEqualTo("172.17.0.1");
        assertThat(InstallNetwork.firstHost("10.1.2.128/25")).isEqualTo("10.1.2.129");
        assertThat(InstallNetwork.firstHost("192.168.7.9/24")).isEqualTo("192.168.7.1");
    }

    @Test
    void skipsIpv6AndGivesNullWhenNothingIsUsable() {
        assertThat(InstallNetwork.gateway(List.of(new Network.Ipam.Config().withSubnet("fd00::/64")
                .withGateway("fd00::1"), new Network.Ipam.Config().withSubnet("10.9.0.0/24"))))
                .isEqualTo("10.9.0.1");
        assertThat(InstallNetwork.gateway(List.of(new Network.Ipam.Config()))).isNull();
        assertThat(InstallNetwork.gateway(null)).isNull();
        assertThat(InstallNetwork.firstHost("10.0.0.1/32")).isNull();
        assertThat(InstallNetwork.firstHost("300.0.0.0/8")).isNull();
        assertThat(InstallNetwork.firstHost("not-a-subnet")).isNull();
    }
}
