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
    void readsTheRunQueue() {
        Path dir = Path.of(".");
        ServerConfig c = ServerConfigFiles.parse("max_concurrent_runs: 3\nrun_queue: 5\nrun_queue_wait: 250ms", false,
                dir).build();
        assertThat(c.runQueue()).isEqualTo(5);
        assertThat(c.effectiveRunQueue()).isEqualTo(5);
        assertThat(c.runQueueWait()).isEqualTo(Duration.ofMillis(250));
        ServerConfig defaults = ServerConfigFiles.parse("max_concurrent_runs: 3", false, dir).build();
        assertThat(defaults.runQueue()).isNull();
        assertThat(defaults.effectiveRunQueue()).as("4 x max_concurrent_runs").isEqualTo(12);
        assertThat(defaults.runQueueWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ServerConfigFiles.parse("run_queue: 0\nrun_queue_wait: 0", false, dir).build().effectiveRunQueue())
                .isZero();
        assertThatThrownBy(() -> ServerConfigFiles.parse("run_queue: -1", false, dir))
                .hasMessage("run_queue (-1) must be between 0 and 100000 (0: no queue)");
        assertThatThrownBy(() -> ServerConfigFiles.parse("run_queue: many", false, dir))
                .hasMessage("run_queue must be a whole number but was '\"many\"'");
        assertThatThrownBy(() -> ServerConfigFiles.parse("run_queue_wait: 6m", false, dir))
                .hasMessage("run_queue_wait (PT6M) must be between 0 and 5 minutes (0: no queue)");
    }

    @Test
    void readsTheBoundOnBoxCreationsAndPassesItToTheServersClient() {
        Path dir = Path.of(".");
        ServerConfig c = ServerConfigFiles.parse("max_concurrent_creations: 2\ncreation_queue: 16", false, dir).build();
        assertThat(c.maxConcurrentCreations()).isEqualTo(2);
        assertThat(c.creationQueue()).isEqualTo(16);
        dev.sandbox4j.ClientSettings client = SandboxServer.clientBuilder(c, dev.sandbox4j.SandboxEventListener.NONE)
                .settings();
        assertThat(client.maxConcurrentCreations()).isEqualTo(2);
        assertThat(client.creationQueue()).isEqualTo(16);
        assertThat(ServerConfigFiles.parse("creation_queue: 0", false, dir).build().creationQueue()).isZero();

        ServerConfig defaults = ServerConfigFiles.parse("port: 8080", false, dir).build();
        assertThat(defaults.maxConcurrentCreations()).isNull();
        assertThat(defaults.creationQueue()).isNull();
        dev.sandbox4j.ClientSettings library = SandboxServer.clientBuilder(defaults,
                dev.sandbox4j.SandboxEventListener.NONE).settings();
        assertThat(library.maxConcurrentCreations()).isEqualTo(
                dev.sandbox4j.SandboxClient.Builder.defaultMaxConcurrentCreations());
        assertThat(library.creationQueue()).isEqualTo(dev.sandbox4j.SandboxClient.Builder.DEFAULT_CREATION_QUEUE);

        assertThatThrownBy(() -> ServerConfigFiles.parse("max_concurrent_creations: 0", false, dir))
                .hasMessage("max_concurrent_creations (0) must be between 1 and 1024");
        assertThatThrownBy(() -> ServerConfigFiles.parse("creation_queue: -1", false, dir))
                .hasMessage("creation_queue (-1) must be between 0 and 100000 (0: a creation that cannot start at "
                        + "once is refused)");
        assertThatThrownBy(() -> ServerConfigFiles.parse("max_concurrent_creations: two", false, dir))
                .hasMessage("max_concurrent_creations must be a whole number but was '\"two\"'");
    }

    @Test
    void readsHowManyRunsAPooledBoxServes() {
        Path dir = Path.of(".");
        ServerConfig c = ServerConfigFiles.parse("pools: {python: 2}\npool_max_uses: {python: 50}", false, dir).build();
        assertThat(c.poolMaxUses()).containsExactlyEntriesOf(java.util.Map.of("python", 50));
        assertThat(ServerConfigFiles.parse("pools: {python: 2}", false, dir).build().poolMaxUses()).isEmpty();
        assertThatThrownBy(() -> ServerConfigFiles.parse("pool_max_uses: {python: 50}", false, dir).build())
                .hasMessage("pool_max_uses of 'python' but no pool of it: add it to pools (e.g. --pool python=2)");
        assertThatThrownBy(() -> ServerConfigFiles.parse("pools: {python: 2}\npool_max_uses: {python: 0}", false,
                dir)).hasMessageContaining("pool_max_uses of 'python' (0) must be between 1 and 1000000");
    }

    @Test
    void readsTheSettingsAgainstHostileClientsAndTenants() {
        ServerConfig c = ServerConfigFiles.parse("""
                max_concurrent_runs: 8
                request_policies: presets
                request_header_timeout: 10s
                request_body_timeout: 1m
                min_request_data_rate: 4k
                max_connections_per_address: 0
                tenant_run_share: 3
                operator_key: "operator-secret-0123456789"
                operator_host: 0.0.0.0
                operator_port: 9091
                open_operator_endpoints: true
                """, false, Path.of(".")).build();
        assertThat(c.requestPolicies()).isEqualTo(ServerConfig.RequestPolicies.PRESETS);
        assertThat(c.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.requestBodyTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.minRequestDataRate()).isEqualTo(DataSize.ofKilobytes(4));
        assertThat(c.maxConnectionsPerAddress()).isZero();
        assertThat(c.effectiveTenantRunShare()).isEqualTo(3);
        assertThat(c.operatorKey()).isEqualTo("operator-secret-0123456789");
        assertThat(c.operatorHost()).isEqualTo("0.0.0.0");
        assertThat(c.operatorPort()).isEqualTo(9091);
        assertThat(c.openOperatorEndpoints()).isTrue();
        assertThat(c.toString()).contains("operatorKey=****").doesNotContain("operator-secret");

        ServerConfig defaults = ServerConfig.builder().build();
        assertThat(defaults.requestPolicies()).isEqualTo(ServerConfig.RequestPolicies.CUSTOM);
        assertThat(defaults.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.requestBodyTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(defaults.minRequestDataRate()).isEqualTo(DataSize.ofKilobytes(1));
        assertThat(defaults.maxConnectionsPerAddress()).isEqualTo(64);
        int defaultRuns = 2 * Math.max(1, Runtime.getRuntime().availableProcessors()); // sized from the machine
        assertThat(defaults.maxConcurrentRuns()).isEqualTo(defaultRuns);
        assertThat(defaults.effectiveTenantRunShare()).isEqualTo(defaultRuns / 2);
        assertThat(defaults.operatorKey()).isNull();
        assertThat(defaults.operatorPort()).isNull();
        assertThat(defaults.openOperatorEndpoints()).isFalse();

        Path dir = Path.of(".");
        assertThatThrownBy(() -> ServerConfigFiles.parse("request_policies: some", false, dir))
                .hasMessageContaining("Expected request_policies one of [custom, presets, none] but was 'some'");
        assertThatThrownBy(() -> ServerConfigFiles.parse("operator_key: short-key", false, dir))
                .hasMessageContaining("operator_key is too short").hasMessageNotContaining("short-key");
        assertThatThrownBy(() -> ServerConfigFiles.parse("tenant_run_share: 999", false, dir).build())
                .hasMessageContaining("tenant_run_share (999) must not exceed max_concurrent_runs (" + defaultRuns
                        + ")");
        assertThatThrownBy(() -> ServerConfigFiles.parse("open_operator_endpoints: yes please", false, dir))
                .hasMessageContaining("open_operator_endpoints must be true or false");
        assertThatThrownBy(() -> ServerConfigFiles.parse("""
                operator_key: "same-secret-0123456789"
                api_keys: [{tenant: a, key: "same-secret-0123456789"}]
                """, false, dir).build()).hasMessage("operator_key must differ from every API key");
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
