package dev.sandbox4j.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolResult;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxMcpTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
    final SandboxTools tools = SandboxTools.builder(client).reaperInterval(Duration.ZERO).build();

    @AfterEach
    void close() {
        tools.close();
        client.close();
    }

    @Test
    void describesEachToolWithSchemasAndHints() {
        List<Tool> mcpTools = tools.specs().stream().map(s -> SandboxMcp.tool(s, SandboxMcp.jsonMapper())).toList();
        assertThat(mcpTools).extracting(Tool::name).containsExactlyElementsOf(McpClientChecks.TOOLS);
        Tool exec = mcpTools.get(0);
        assertThat(exec.inputSchema()).containsEntry("type", "object").containsEntry("required", List.of("code"));
        assertThat(((Map<?, ?>) exec.outputSchema().get("properties")).keySet()).asString().contains("status", "stdout", "artifacts");
        assertThat(exec.annotations().readOnlyHint()).isFalse();
        Tool list = mcpTools.stream().filter(t -> t.name().equals("list_files")).findFirst().orElseThrow();
        assertThat(list.annotations().readOnlyHint()).isTrue();
    }

    @Test
    void resultCarriesTextImagesAndStructuredContent() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        ToolResult r = new ToolResult("status: ok", List.of(new ToolImage("figure-1.png", "image/png", png)),
                Map.of("status", "ok"), false);
        CallToolResult mcp = SandboxMcp.toCallToolResult(r);
        assertThat(mcp.isError()).isFalse();
        assertThat(mcp.content()).hasSize(2);
        assertThat(((TextContent) mcp.content().get(0)).text()).isEqualTo("status: ok");
        ImageContent image = (ImageContent) mcp.content().get(1);
        assertThat(image.mimeType()).isEqualTo("image/png");
        assertThat(Base64.getDecoder().decode(image.data())).isEqualTo(png);
        assertThat(mcp.structuredContent()).isEqualTo(Map.of("status", "ok"));
    }

    @Test
    void errorIsAnIsErrorResultWithoutStructuredContent() {
        CallToolResult mcp = SandboxMcp.toCallToolResult(ToolResult.error("Unknown session_id 'x'."));
        assertThat(mcp.isError()).isTrue();
        assertThat(((TextContent) mcp.content().get(0)).text()).isEqualTo("Unknown session_id 'x'.");
        assertThat(mcp.structuredContent()).as("errors do not match the output schema").isNull();
    }

    /**
     * An unknown tool name is a protocol error (JSON-RPC -32602), as the MCP specification prescribes for unknown
     * tools and the MCP SDK answers; everything else that goes wrong in a call is an isError result.
     */
    @Test
    void unknownToolIsAJsonRpcErrorAndOtherMistakesAreIsErrorResults() throws Exception {
        String in = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}
                {"jsonrpc":"2.0","method":"notifications/initialized"}
                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}
                {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute_code",\
                "arguments":{"language":"cobol","code":"x"}}}
                """;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.PipedOutputStream client = new java.io.PipedOutputStream();
        java.io.PipedInputStream serverIn = new java.io.PipedInputStream(client, 1 << 16);
        CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
            try {
                McpStdioServer.serve(tools, serverIn, out);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        client.write(in.getBytes(StandardCharsets.UTF_8));
        client.flush();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<Integer, com.fasterxml.jackson.databind.JsonNode> answers = new java.util.concurrent.ConcurrentHashMap<>();
        // a deadline for the answers, not a performance figure
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
            String text = new String(snapshot(out), StandardCharsets.UTF_8);
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
                com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
                if (n.has("id")) {
                    answers.put(n.get("id").asInt(), n);
                }
            }
            assertThat(answers).containsKeys(1, 2, 3);
        });
        client.close();
        served.get(60, TimeUnit.SECONDS);
        com.fasterxml.jackson.databind.JsonNode unknown = answers.get(2);
        assertThat(unknown).as("answer to the unknown tool").isNotNull();
        assertThat(unknown.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(unknown.path("error").path("message").asText()).contains("Unknown tool");
        assertThat(unknown.toString()).contains("no_such_tool");
        com.fasterxml.jackson.databind.JsonNode cobol = answers.get(3);
        assertThat(cobol.has("error")).as("a bad argument is not a protocol error").isFalse();
        assertThat(cobol.path("result").path("isError").asBoolean()).isTrue();
        assertThat(cobol.path("result").path("content").get(0).path("text").asText())
                .contains("Expected language one of");
    }

    private static byte[] snapshot(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toByteArray();
        }
    }

    @Test
    void stdioServerAnswersAndReturnsWhenInputEnds() throws Exception {
        String in = """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}
                {"jsonrpc":"2.0","method":"notifications/initialized"}
                {"jsonrpc":"2.0","id":2,"method":"tools/list"}
                """;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tools.call(McpStdioServer.SCOPE, "create_session", Map.of("language", "python", "stateful", false));
        assertThat(backend.boxes).hasSize(1);
        CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
            try {
                McpStdioServer.serve(tools, new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), out);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        served.get(60, TimeUnit.SECONDS); // returns by itself once the input ends
        assertThat(tools.sessionCount(McpStdioServer.SCOPE)).as("the client's sessions are closed").isZero();
        // a one-shot run's box is removed in the background, after the result
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(backend.boxes).isEmpty());
    }
}
