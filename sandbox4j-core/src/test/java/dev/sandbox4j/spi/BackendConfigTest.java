package dev.sandbox4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

    @Test
    void emptyHasNoProperties() {
        assertThat(BackendConfig.empty().properties()).isEmpty();
        assertThat(BackendConfig.empty().get("docker.host")).isNull();
    }

    @Test
    void getReturnsTheValueOrNull() {
        BackendConfig config = new BackendConfig(Map.of("docker.host", "tcp://10.0.0.5:2375"));

        assertThat(config.get("docker.host")).isEqualTo("tcp://10.0.0.5:2375");
        assertThat(config.get("kubernetes.namespace")).isNull();
    }

    @Test
    void copiesThePropertiesAndKeepsThemUnmodifiable() {
        Map<String, String> properties = new HashMap<>(Map.of("docker.host", "unix:///var/run/docker.sock"));
        BackendConfig config = new BackendConfig(properties);

        properties.put("docker.host", "tcp://evil:2375");

        assertThat(config.get("docker.host")).isEqualTo("unix:///var/run/docker.sock");
        assertThatThrownBy(() -> config.properties().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsNullKeysAndValues() {
        Map<String, String> withNullValue = new HashMap<>();
        withNullValue.put("docker.host", null);

        assertThatThrownBy(() -> new BackendConfig(withNullValue)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new BackendConfig(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void equalsByProperties() {
        assertThat(new BackendConfig(Map.of("a", "1"))).isEqualTo(new BackendConfig(new HashMap<>(Map.of("a", "1"))));
        assertThat(new BackendConfig(Map.of())).isEqualTo(BackendConfig.empty());
    }
}
