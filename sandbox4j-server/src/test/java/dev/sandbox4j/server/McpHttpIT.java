package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.mcp.McpClientChecks;
import dev.sandbox4j.mcp.SandboxMcp;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The MCP SDK's own client against the service's streamable HTTP endpoint ({@code /mcp}) over real loopback HTTP,
 * with the real Docker engine: the same API keys as the REST API, sessions scoped by tenant and MCP session.
 */
@Tag("docker")
class McpHttpIT {
    static final String ALICE = "alice-mcp-it-secret-0123456789";
    static final String BOB = "bob-mcp-it-secret-0123456789ab";
    static final String RUN_ID = UUID.randomUUID().toString();

    static SandboxServer server;
    static McpSyncClient alice;

    @BeforeAll
    static void start() {
        EngineSupport.requireEngine();
        server = SandboxServer.start(EngineSupport.config(RUN_ID)
                .apiKey(ApiKey.of("alice", "acme", ALICE))
                .apiKey(ApiKey.of("bob", "globex", BOB))
                .shutdownGrace(Duration.ofSeconds(2))
                .build());
        alice = client(ALICE);
    }

    @AfterAll
    static void stop() {
        if (alice != null) {
            alice.closeGracefully();
        }
        if (server != null) {
            server.close();
            EngineSupport.assertNoBoxes(RUN_ID);
        }
    }

    static McpSyncClient client(String key) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(server.uri().toString())
                .endpoint("/mcp")
                .jsonMapper(SandboxMcp.jsonMapper())
                .httpRequestCustomizer((builder, method, uri, body, context) ->
                        builder.header("Authorization", "Bearer " + key))
                .build();
        McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(30)).enableCallToolSchemaCaching(true).build();
        c.initialize();
        return c;
    }

    @Test
    void listsTools() {
        McpClientChecks.listsTools(alice);
    }

    @Test
    void executesPythonWithAPlot() {
        McpClientChecks.executesPythonWithAPlot(alice);
    }

    @Test
    void keepsASessionAcrossCalls() {
        McpClientChecks.keepsASessionAcrossCalls(alice);
    }

    @Test
    void reportsErrorsAsIsError() {
        McpClientChecks.reportsErrorsAsIsError(alice);
    }

    @Test
    void sessionsBelongToOneTenantAndOneMcpSession() {
        CallToolResult created = McpClientChecks.call(alice, "create_session",
                Map.of("language", "python", "stateful", false, "session_id", "private"));
        assertThat(created.isError()).as(McpClientChecks.text(created)).isFalse();
        McpSyncClient bob = client(BOB);
        McpSyncClient alice2 = client(ALICE);
        int boxes = EngineSupport.boxes(RUN_ID).size();
        assertThat(McpClientChecks.call(alice2, "create_session", Map.of("language", "python", "stateful", false))
                .isError()).isFalse();
        assertThat(EngineSupport.boxes(RUN_ID)).hasSize(boxes + 1);
        try {
            for (McpSyncClient other : new McpSyncClient[] {bob, alice2}) {
                CallToolResult r = McpClientChecks.call(other, "execute_code",
                        Map.of("session_id", "private", "code", "print(1)"));
                assertThat(r.isError()).isTrue();
                assertThat(McpClientChecks.text(r)).contains("Unknown session_id 'private'");
            }
        } finally {
            bob.closeGracefully();
            alice2.closeGracefully();
        }
        // ending an MCP session (DELETE /mcp) closes the sandbox sessions it left open
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(EngineSupport.boxes(RUN_ID)).hasSize(boxes));
        assertThat(McpClientChecks.call(alice, "close_session", Map.of("session_id", "private")).isError()).isFalse();
    }

    @Test
    void refusesRequestsWithoutAValidApiKey() throws Exception {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String key : new String[] {null, "wrong-key-0123456789abcdef"}) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + "/mcp"))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .POST(HttpRequest.BodyPublishers.ofString(init));
                if (key != null) {
                    b.header("Authorization", "Bearer " + key);
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"sandbox4j\"");
                assertThat(r.body()).contains("\"status\":401");
            }
        }
    }
}
