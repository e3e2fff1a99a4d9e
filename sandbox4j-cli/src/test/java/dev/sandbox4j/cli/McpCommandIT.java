package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.mcp.McpClientChecks;
import dev.sandbox4j.mcp.SandboxMcp;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code sandbox4j mcp} as an MCP client runs it: {@code java -jar sandbox4j.jar mcp} in its own process, against the
 * real engine.
 */
@Tag("docker")
class McpCommandIT {
    static final String RUN_LABEL = "dev.sandbox4j.run-id";
    /** The shaded jar of this module (failsafe sets basedir; the working directory is not relied on). */
    static final Path JAR = Path.of(System.getProperty("basedir", "."), "target", "sandbox4j.jar");

    @BeforeAll
    static void engine() {
        Availability a = new DockerBackendFactory().probe(BackendConfig.empty());
        if (!a.available()) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine required: " + a.detail());
            }
            Assumptions.abort(a.detail());
        }
        assertThat(JAR).as("the shaded jar (built by mvn package)").exists();
    }

    static List<String> command(String runId) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "mcp", "--label", RUN_LABEL + "=" + runId));
        String python = System.getProperty("sandbox.image.python");
        if (python != null && !python.isBlank()) {
            cmd.addAll(List.of("--image", "python=" + python));
        }
        return cmd;
    }

    @Test
    void servesTheSdkClient() {
        String runId = UUID.randomUUID().toString();
        List<String> cmd = command(runId);
        StdioClientTransport transport = new StdioClientTransport(
                ServerParameters.builder(cmd.get(0)).args(cmd.subList(1, cmd.size())).build(), SandboxMcp.jsonMapper());
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60)).enableCallToolSchemaCaching(true).build();
        try {
            client.initialize();
            assertThat(client.getServerInfo().version()).as("from the jar's manifest")
                    .isEqualTo(System.getProperty("sandbox4j.version"));
            McpClientChecks.listsTools(client);
            McpClientChecks.executesPythonWithAPlot(client);
            McpClientChecks.reportsErrorsAsIsError(client);
        } finally {
            client.closeGracefully();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(boxes(runId)).isEmpty());
    }

    @Test
    void exitsWhenStdinClosesAndRemovesItsBoxes() throws Exception {
        String runId = UUID.randomUUID().toString();
        Path stderr = Files.createTempFile("sandbox4j-mcp", ".err");
        Process p = new ProcessBuilder(command(runId)).redirectError(stderr.toFile()).start();
        try {
            OutputStream in = p.getOutputStream();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            send(in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}");
            JsonNode init = response(out, 1);
            assertThat(init.at("/result/serverInfo/name").asText()).isEqualTo("sandbox4j");
            send(in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            send(in, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"create_session\","
                    + "\"arguments\":{\"language\":\"python\",\"stateful\":false}}}");
            JsonNode created = response(out, 2);
            assertThat(created.at("/result/isError").asBoolean()).as(created.toString()).isFalse();
            assertThat(boxes(runId)).as("the session's box").hasSize(1);

            in.close(); // the client goes away
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the server exits when stdin closes").isTrue();
            assertThat(p.exitValue()).as(Files.readString(stderr)).isZero();
            assertThat(boxes(runId)).as("the session's box is removed on exit").isEmpty();
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    private static void send(OutputStream in, String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Reads stdout lines up to the response with {@code id}; every line must be a JSON-RPC message. */
    private static JsonNode response(BufferedReader out, int id) throws IOException {
        ObjectMapper json = new ObjectMapper();
        while (true) {
            String line = out.readLine();
            assertThat(line).as("stdout ended before the response to request " + id).isNotNull();
            JsonNode msg = json.readTree(line);
            assertThat(msg.path("jsonrpc").asText()).as("stdout carries only JSON-RPC: " + line).isEqualTo("2.0");
            if (msg.path("id").asInt(-1) == id) {
                return msg;
            }
        }
    }

    private static List<Container> boxes(String runId) {
        try (DockerClient dc = DockerClients.create(DockerClients.config(BackendConfig.empty()))) {
            return dc.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RUN_LABEL, runId)).exec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
