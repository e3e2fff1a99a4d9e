package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.DataSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigFilesTest {
    @Test
    void readsEverySettingFromYaml(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.yaml");
        Files.writeString(file, """
                host: 0.0.0.0
                port: 9090
                max_concurrent_runs: 3
                max_sessions: 7
                max_body_size: 2m
                max_code_size: 64k
                max_file_size: 4m
                default_run_timeout: 5s
                max_run_timeout: 2m
                max_memory: 1g
                session_idle_timeout: 90
                max_session_lifetime: 2h
                session_check_interval: 500ms
                retry_after: 3s
                policy: production
                audit_log: logs/audit.jsonl
                labels: {team: data}
                images: {python: "my/python:1"}
                shutdown_grace: 0s
                backend: docker
                pools: {python: 2}
                api_keys:
                  - {id: alice, tenant: acme, key: "alice-secret-0123456789", max_sessions: 2, max_concurrent_runs: 1}
                  - {tenant: globex, key: "globex-secret-0123456789"}
                """);
        ServerConfig c = ServerConfigFiles.load(file).build();
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.maxConcurrentRuns()).isEqualTo(3);
        assertThat(c.maxSessions()).isEqualTo(7);
        assertThat(c.maxBodySize()).isEqualTo(DataSize.ofMegabytes(2));
        assertThat(c.maxCodeSize()).isEqualTo(DataSize.ofKilobytes(64));
        assertThat(c.defaultRunTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.sessionIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.sessionCheckInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.policy().name()).isEqualTo("production");
        assertThat(c.auditLog()).isEqualTo(dir.resolve("logs/audit.jsonl"));
        assertThat(c.labels()).containsEntry("team", "data");
        assertThat(c.images()).containsEntry("python", "my/python:1");
        assertThat(c.shutdownGrace()).isZero();
        assertThat(c.pools()).containsEntry("python", 2);
        assertThat(c.apiKeys()).extracting(ApiKey::id).containsExactly("alice", "globex-2");
        assertThat(c.apiKeys().get(0).maxConcurrentRuns()).isEqualTo(1);
        assertThat(c.authEnabled()).isTrue();
    }

    @Test
    void unknownOrInvalidSettingsAreErrorsNamingThem() {
        Path dir = Path.of(".");
        assertThatThrownBy(() -> ServerConfigFiles.parse("max_runs: 3", false, dir))
                .hasMessageContaining("unknown setting 'max_runs'");
        assertThatThrownBy(() -> ServerConfigFiles.parse("max_sessions: 0", false, dir))
                .hasMessageContaining("max_sessions (0) must be at least 1");
        assertThatThrownBy(() -> ServerConfigFiles.parse("default_run_timeout: soon", false, dir))
                .hasMessageContaining("default_run_timeout").hasMessageContaining("'soon'");
        assertThatThrownBy(() -> ServerConfigFiles.parse("policy: lax", false, dir))
                .hasMessageContaining("neither a preset");
        assertThatThrownBy(() -> ServerConfigFiles.parse("labels: {dev.sandbox4j.owner: x}", false, dir))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> ServerConfigFiles.parse("api_keys: [{tenant: a, key: tiny1}]", false, dir))
                .hasMessageContaining("too short").hasMessageNotContaining("tiny1");
        assertThatThrownBy(() -> ServerConfigFiles.parse("{\"port\": 70000}", true, dir))
                .hasMessageContaining("port (70000)");
        assertThatThrownBy(() -> ServerConfigFiles.parse("port: [", false, dir)).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> ServerConfigFiles.parse("pools: {python: 0}", false, dir))
                .hasMessageContaining("pool of 'python' (0)");
    }

    @Test
    void apiKeysFromTheEnvironmentSyntax() {
        var keys = ServerConfigFiles.parseKeys("acme:acme-secret-0123456789, acme:acme-secret-abcdefghij,"
                + "ci:globex:globex-secret:with:colons");
        assertThat(keys).extracting(ApiKey::id).containsExactly("acme", "acme-2", "ci");
        assertThat(keys.get(2).tenant()).isEqualTo("globex");
        assertThat(keys.get(2).secret()).isEqualTo("globex-secret:with:colons");
        assertThatThrownBy(() -> ServerConfigFiles.parseKeys("just-a-secret-0123456789"))
                .hasMessageContaining("entry 1").hasMessageNotContaining("0123456789");
    }

    @Test
    void durations() {
        assertThat(ServerConfigFiles.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ServerConfigFiles.parseDuration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(ServerConfigFiles.parseDuration("12")).isEqualTo(Duration.ofSeconds(12));
        assertThatThrownBy(() -> ServerConfigFiles.parseDuration("-1s")).hasMessageContaining("'-1s'");
    }

    @Test
    void withoutKeysTheServerStaysOnLoopback() {
        assertThat(SandboxServer.effectiveHost(ServerConfig.builder().host("0.0.0.0").build())).isEqualTo("127.0.0.1");
        assertThat(SandboxServer.effectiveHost(ServerConfig.builder().host("localhost").build()))
                .isEqualTo("localhost");
        assertThat(SandboxServer.effectiveHost(ServerConfig.builder().host("0.0.0.0")
                .apiKey(ApiKey.of("a", "t", "0123456789abcdef-x")).build())).isEqualTo("0.0.0.0");
    }
}
