package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rules between a {@link ServerConfig}'s values (in {@code ServerConfigChecks}), each message naming the keys. */
class ServerConfigTest {
    @Test
    void refusesValuesThatContradictEachOtherNamingBothKeys() {
        assertThatThrownBy(() -> ServerConfig.builder().maxBodySize(DataSize.ofKilobytes(4))
                        .maxCodeSize(DataSize.ofKilobytes(8)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_code_size (8 KiB) must not exceed max_body_size (4 KiB)");
        assertThatThrownBy(() -> ServerConfig.builder().defaultRunTimeout(Duration.ofMinutes(2))
                        .maxRunTimeout(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("default_run_timeout (PT2M) must not exceed max_run_timeout (PT1M)");
        assertThatThrownBy(() -> ServerConfig.builder().maxMemory(DataSize.ofMegabytes(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_memory (5 MiB) must be at least 6 MiB");
        assertThatThrownBy(() -> ServerConfig.builder().apiKey(ApiKey.of("a", "t", "secret-0123456789-a"))
                        .apiKey(ApiKey.of("a", "t", "secret-0123456789-b")).build())
                .hasMessage("two API keys have the id 'a'; ids must be unique");
        assertThatThrownBy(() -> ServerConfig.builder().apiKey(ApiKey.of("a", "t", "secret-0123456789-a"))
                        .apiKey(ApiKey.of("b", "t", "secret-0123456789-a")).build())
                .hasMessage("API key 'b' has the same secret as another key");
        assertThatThrownBy(() -> ServerConfig.builder().port(8081).operatorPort(8081).build())
                .hasMessage("operator_port (8081) must differ from port");
    }

    @Test
    void refusesOutOfRangeValuesAsTheyAreSet() {
        assertThatThrownBy(() -> ServerConfig.builder().shutdownGrace(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shutdown_grace (PT-1S) must not be negative");
        assertThatThrownBy(() -> ServerConfig.builder().maxFileSize(DataSize.ofBytes(10)))
                .hasMessage("max_file_size (10 B) must be at least 1024 bytes");
        assertThatThrownBy(() -> ServerConfig.builder().pool("python", 65))
                .hasMessage("pool of 'python' (65) must keep 1 to 64 boxes ready");
        assertThatThrownBy(() -> ServerConfig.builder().label("dev.sandbox4j.owner", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
