package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Ulimit;
import dev.sandbox4j.ResourceLimits;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HostConfigsLimitsTest {
    private static Map<String, Long> hard(ResourceLimits l, boolean gvisor, boolean podman) {
        return HostConfigs.ulimits(l, gvisor, podman).stream()
                .collect(Collectors.toMap(Ulimit::getName, Ulimit::getHardLong));
    }

    @Test
    void recognisesGvisorRuntimes() {
        assertThat(HostConfigs.isGvisor("runsc")).isTrue();
        assertThat(HostConfigs.isGvisor("runsc-kvm")).isTrue();
        assertThat(HostConfigs.isGvisor("my-gVisor")).isTrue();
        assertThat(HostConfigs.isGvisor("runc")).isFalse();
        assertThat(HostConfigs.isGvisor("kata")).isFalse();
        assertThat(HostConfigs.isGvisor(null)).isFalse();
    }

    @Test
    void underGvisorTheProcessLimitIsNprocInsideAndThePidsCgroupOnlyABackstop() {
        ResourceLimits l = ResourceLimits.builder().pids(64).build();
        assertThat(hard(l, true, false)).containsEntry("nproc", 64L);
        assertThat(HostConfigs.gvisorHostPids(64)).isEqualTo(64 * 8 + 256);
        assertThat(hard(l, false, false)).doesNotContainKey("nproc").containsKeys("nofile", "fsize", "core");
    }

    @Test
    void podmanAlwaysGetsAnNprocItCanSet() {
        ResourceLimits l = ResourceLimits.builder().pids(64).build();
        assertThat(hard(l, false, true)).containsEntry("nproc", 16384L);
        assertThat(hard(l, true, true)).as("gVisor on Podman: the sandbox's own limit").containsEntry("nproc", 64L);
    }

    @Test
    void noBoxGetsMessageQueuesWhoseBudgetIsSharedByTheUidOnTheHost() {
        ResourceLimits l = ResourceLimits.defaults();
        for (boolean gvisor : new boolean[] {false, true}) {
            for (boolean podman : new boolean[] {false, true}) {
                assertThat(hard(l, gvisor, podman)).containsEntry("msgqueue", 0L);
            }
        }
    }
}
