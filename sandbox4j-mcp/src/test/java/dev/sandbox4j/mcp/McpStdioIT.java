package dev.sandbox4j.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The MCP SDK's own client against the stdio server in a separate JVM (spawned the way Claude Desktop does), with
 * the real Docker engine.
 */
@Tag("docker")
class McpStdioIT {
    static final String RUN_LABEL = "dev.sandbox4j.run-id";
    static final String RUN_ID = UUID.randomUUID().toString();
    static McpSyncClient client;

    @BeforeAll
    static void start() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required (sandbox.it.strict=true): " + a.detail());
            }
            Assumptions.abort("Docker engine not available: " + a.detail());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerParameters params = ServerParameters.builder(java)
                .args("-cp", System.getProperty("java.class.path"),
                        "-Dsandbox.image.python=" + System.getProperty("sandbox.image.python", ""),
                        StdioMain.class.getName(), RUN_LABEL, RUN_ID)
                .build();
        StdioClientTransport transport = new StdioClientTransport(params, SandboxMcp.jsonMapper());
        client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60)).enableCallToolSchemaCaching(true).build();
        client.initialize();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.closeGracefully();
        }
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            // the server process closes its sessions when its stdin closes; its one-shot boxes are gone already
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(dc.listContainersCmd().withShowAll(true)
                            .withLabelFilter(Map.of(RUN_LABEL, RUN_ID)).exec())
                            .as("containers left behind").isEmpty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void listsTools() {
        McpClientChecks.listsTools(client);
    }

    @Test
    void executesPythonWithAPlot() {
        McpClientChecks.executesPythonWithAPlot(client);
    }

    @Test
    void keepsASessionAcrossCalls() {
        McpClientChecks.keepsASessionAcrossCalls(client);
    }

    @Test
    void reportsErrorsAsIsError() {
        McpClientChecks.reportsErrorsAsIsError(client);
    }

}
