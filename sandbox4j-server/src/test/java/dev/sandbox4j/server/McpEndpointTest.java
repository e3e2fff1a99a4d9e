package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.mcp.McpClientChecks;
import dev.sandbox4j.mcp.SandboxMcp;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /mcp} on the service against the in-memory backend: API keys, the SDK client, shutdown. */
class McpEndpointTest {
    static final String ALICE = "alice-mcp-secret-0123456789";

    FakeBackend backend;
    SandboxServer server;

    @BeforeEach
    void start() {
        backend = new FakeBackend();
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.exit(0, "hi\n", "") : Behaviour.exit(0, "", "");
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).apiKey(ApiKey.of("alice", "acme", ALICE))
                .shutdownGrace(Duration.ofSeconds(1)).build(), client, true);
    }

    @AfterEach
    void stop() {
        server.close();
        assertThat(backend.boxes).as("boxes left after shutdown").isEmpty();
    }

    @Test
    void refusesAMissingKeyWithAProblem() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/mcp"))
                    .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("\"status\":401", "requires an API key");
        }
    }

    @Test
    void whileShuttingDownRefusesWith503AndRetryAfterLikeTheRestApi() throws Exception {
        server.close();
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.hang("") : Behaviour.exit(0, "", "");
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).apiKey(ApiKey.of("alice", "acme", ALICE))
                .shutdownGrace(Duration.ofSeconds(20)).build(), client, true);
        try (HttpClient http = HttpClient.newHttpClient()) {
            // a run in flight keeps the server draining (refusing new requests) until the run's timeout ends it
            CompletableFuture<HttpResponse<String>> run = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(server.uri() + "/v1/execute")).header("X-API-Key", ALICE)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"language\":\"python\",\"code\":\"hang\","
                            + "\"timeout_ms\":4000,\"capture_artifacts\":false}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.execs.stream()
                    .anyMatch(r -> r.argv().contains("python3")));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

            HttpRequest ping = HttpRequest.newBuilder(URI.create(server.uri() + "/mcp")).header("X-API-Key", ALICE)
                    .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"))
                    .build();
            HttpResponse<String> mcp = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                    .until(() -> http.send(ping, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 503);
            HttpResponse<String> rest = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/v1/languages"))
                    .header("X-API-Key", ALICE).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(rest.statusCode()).isEqualTo(503);
            for (HttpResponse<String> r : List.of(mcp, rest)) {
                assertThat(r.headers().firstValue("Retry-After")).as(r.uri().getPath()).hasValue("1");
                assertThat(r.headers().firstValue("Content-Type")).as(r.uri().getPath())
                        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
                assertThat(r.body()).as(r.uri().getPath()).contains("\"status\":503", "shutting-down",
                        "the server is shutting down");
            }
            assertThat(run.get(20, TimeUnit.SECONDS).body()).contains("\"status\":\"timed_out\"");
            closing.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void restAndMcpShareOneCapOneListingAndDeletion() {
        server.close();
        SandboxClient sandbox = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).apiKey(new ApiKey("alice", "acme", ALICE, 2, 0))
                .shutdownGrace(Duration.ofSeconds(1)).build(), sandbox, true);
        TestHttp rest = new TestHttp(server.uri(), ALICE);
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(server.uri().toString())
                .endpoint("/mcp").jsonMapper(SandboxMcp.jsonMapper())
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("X-API-Key", ALICE)).build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        try {
            client.initialize();
            TestHttp.Resp opened = rest.post("/v1/sessions", Map.of("language", "python", "stateful", false));
            assertThat(opened.status()).as(opened.toString()).isEqualTo(201);
            String restId = opened.json().get("session_id").asText();
            CallToolResult s = McpClientChecks.call(client, "create_session", Map.of("language", "python",
                    "stateful", false, "session_id", "calc"));
            assertThat(s.isError()).as(McpClientChecks.text(s)).isFalse();

            List<String> listed = rest.get("/v1/sessions").json().get("sessions").findValuesAsText("session_id");
            assertThat(listed).as("one listing: the MCP session is the tenant's too").hasSize(2).contains(restId);
            assertThat(server.openSessions()).isEqualTo(2);
            TestHttp.Resp third = rest.post("/v1/sessions", Map.of("language", "python", "stateful", false));
            assertThat(third.status()).as("one cap: the key's 2 sessions, through both doors").isEqualTo(429);
            CallToolResult refused = McpClientChecks.call(client, "create_session", Map.of("language", "python",
                    "stateful", false));
            assertThat(McpClientChecks.text(refused)).contains("Session limit reached", "already has 2");

            String mcpId = listed.stream().filter(id -> !id.equals(restId)).findFirst().orElseThrow();
            assertThat(rest.delete("/v1/sessions/" + mcpId).status()).as("deletable through REST").isEqualTo(204);
            CallToolResult gone = McpClientChecks.call(client, "execute_code", Map.of("code", "print(1)",
                    "session_id", "calc"));
            assertThat(McpClientChecks.text(gone)).contains("Session 'calc' was closed (deleted)");
            assertThat(rest.get("/v1/sessions").json().get("sessions").findValuesAsText("session_id"))
                    .containsExactly(restId);
        } finally {
            client.close();
        }
    }

    @Test
    void restAndMcpAnswerARunWithTheSameResultFields() throws Exception {
        TestHttp rest = new TestHttp(server.uri(), ALICE);
        TestHttp.Resp r = rest.post("/v1/execute", Map.of("language", "python", "code", "print('hi')"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        Map<String, Object> viaRest = TestHttp.JSON.convertValue(r.json(), Map.class);
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(server.uri().toString())
                .endpoint("/mcp").jsonMapper(SandboxMcp.jsonMapper())
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("X-API-Key", ALICE)).build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        try {
            client.initialize();
            CallToolResult m = McpClientChecks.call(client, "execute_code", Map.of("language", "python",
                    "code", "print('hi')"));
            Map<String, Object> viaMcp = new java.util.LinkedHashMap<>(
                    TestHttp.JSON.convertValue(m.structuredContent(), Map.class));
            assertThat(viaMcp.remove("language")).isEqualTo("python");
            assertThat(viaMcp.remove("session_id")).isNull();
            assertThat(viaMcp.keySet()).as("the same fields, in the same order").containsExactlyElementsOf(
                    viaRest.keySet());
            viaRest.remove("duration_ms"); // timings differ from run to run
            viaMcp.remove("duration_ms");
            viaRest.remove("phases_ms");
            viaMcp.remove("phases_ms");
            assertThat(viaMcp).as("the same values for the same run").isEqualTo(viaRest);
        } finally {
            client.close();
        }
    }

    @Test
    void servesTheToolsAndClosesTheirSessionsOnShutdown() {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(server.uri().toString())
                .endpoint("/mcp").jsonMapper(SandboxMcp.jsonMapper())
                .httpRequestCustomizer((b, method, uri, body, ctx) -> b.header("X-API-Key", ALICE)).build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        try {
            client.initialize();
            McpClientChecks.listsTools(client);
            CallToolResult r = McpClientChecks.call(client, "execute_code", Map.of("language", "python",
                    "code", "print('hi')"));
            assertThat(r.isError()).as(McpClientChecks.text(r)).isFalse();
            assertThat(McpClientChecks.text(r)).contains("hi");
            CallToolResult s = McpClientChecks.call(client, "create_session", Map.of("language", "python",
                    "stateful", false));
            assertThat(s.isError()).as(McpClientChecks.text(s)).isFalse();
            assertThat(backend.boxes).hasSize(1);
        } finally {
            client.close();
        }
        // @AfterEach: the server's shutdown removes the session's box
    }
}
