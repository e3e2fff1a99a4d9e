package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BoxSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The container's host configuration as the engine receives it (docker-java's own JSON mapper). */
class HostConfigsTest {
    private static final ObjectMapper JSON = DefaultDockerClientConfig.createDefaultConfigBuilder().build()
            .getObjectMapper();

    private static BoxSpec spec(ResourceLimits limits, RuntimeConfig runtime) {
        return new BoxSpec("sandbox4j-python-1", "sandbox4j/python:bookworm", "65533:65533", limits, runtime,
                Map.of());
    }

    private static JsonNode json(HostConfig hc) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(hc));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void dockerMasksTheHostsFilesOnTopOfItsOwnDefaults() throws Exception {
        JsonNode hc = json(HostConfigs.of(spec(ResourceLimits.defaults(), RuntimeConfig.defaults()), null,
                false));
        // MaskedPaths replaces the engine's list: its defaults must be in it too
        assertThat(strings(hc.get("MaskedPaths")))
                .containsAll(HostConfigs.DOCKER_DEFAULT_MASKED_PATHS)
                .contains("/proc/cmdline", "/proc/sys/kernel/random/boot_id", "/sys/kernel/vmcoreinfo",
                        "/proc/interrupts", "/sys/devices/virtual/powercap", "/dev/mqueue")
                .doesNotHaveDuplicates()
                .doesNotContain("/proc/self/mountinfo", "/proc/meminfo", "/proc/stat", "/sys/fs/cgroup");
        assertThat(hc.has("ReadonlyPaths")).as("the engine's read-only paths are kept").isFalse();
        assertThat(hc.get("CgroupnsMode").asText()).isEqualTo("private");
        assertThat(strings(hc.get("SecurityOpt"))).containsExactly("no-new-privileges");
        assertThat(hc.get("ReadonlyRootfs").asBoolean()).isTrue();
        assertThat(hc.get("IpcMode").asText()).isEqualTo("private");
    }

    @Test
    void podmanGetsTheMasksAsASecurityOptionAndLosesItsWritableVarTmp() throws Exception {
        JsonNode hc = json(HostConfigs.of(spec(ResourceLimits.defaults(), RuntimeConfig.defaults()), null,
                true));
        assertThat(hc.has("MaskedPaths")).as("Podman 4.3 ignores MaskedPaths; it must not replace its list").isFalse();
        assertThat(strings(hc.get("SecurityOpt"))).containsExactly("no-new-privileges", "mask="
                + String.join(":", HostConfigs.EXTRA_MASKED_PATHS) + ":/var/tmp");

        JsonNode writableRoot = json(HostConfigs.of(spec(ResourceLimits.defaults(),
                RuntimeConfig.builder().readOnlyRootFilesystem(false).build()), null, true));
        assertThat(strings(writableRoot.get("SecurityOpt")).get(1)).as("a writable root keeps its /var/tmp")
                .doesNotContain("/var/tmp").contains("/proc/cmdline");
    }

    @Test
    void devShmIsSizedLikeTmpAndCountsAgainstTheMemoryLimit() throws Exception {
        ResourceLimits l = ResourceLimits.builder().memory(DataSize.ofMegabytes(64)).tmpSize(DataSize.ofMegabytes(48))
                .build();
        JsonNode hc = json(HostConfigs.of(spec(l, RuntimeConfig.defaults()), null, false));
        assertThat(hc.get("ShmSize").asLong()).isEqualTo(48L << 20);
        assertThat(hc.get("Tmpfs").get("/tmp").asText()).contains("size=" + (48L << 20));
        // swap = memory: tmpfs pages (/tmp, /workspace, /dev/shm) cannot leave the memory limit
        assertThat(hc.get("Memory").asLong()).isEqualTo(64L << 20);
        assertThat(hc.get("MemorySwap").asLong()).isEqualTo(64L << 20);
    }

    @Test
    void gvisorBoxesGetTheSameMasks() throws Exception {
        JsonNode hc = json(HostConfigs.of(spec(ResourceLimits.defaults(), RuntimeConfig.defaults()),
                "runsc", false));
        assertThat(hc.get("Runtime").asText()).isEqualTo("runsc");
        assertThat(strings(hc.get("MaskedPaths"))).contains("/proc/cmdline");
        assertThat(hc.get("CgroupnsMode").asText()).isEqualTo("private");
    }
}
