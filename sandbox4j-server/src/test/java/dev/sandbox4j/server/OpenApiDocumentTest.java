package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.core.LanguageRegistry;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.testing.FakeBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document as the server serves it: valid OpenAPI 3.1 for two independent validators from npm
 * ({@code @seriousme/openapi-schema-validator}, {@code @apidevtools/swagger-parser}), the project's version, and
 * descriptions that match the code.
 */
class OpenApiDocumentTest {
    /** Pinned: a new validator version is a deliberate change (swagger-parser 13 needs node 22). */
    static final List<String> VALIDATORS = List.of("@seriousme/openapi-schema-validator@2.11.0",
            "@apidevtools/swagger-parser@12.1.0", "openapi-types@12.1.3");

    final FakeBackend backend = new FakeBackend();
    SandboxServer server;
    byte[] document;

    @BeforeEach
    void start() {
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).build(), client, true);
        TestHttp.Resp r = new TestHttp(server.uri(), null).get("/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        document = r.raw().body();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JsonNode api() throws IOException {
        return TestHttp.JSON.readTree(document);
    }

    @Test
    void twoValidatorsAcceptTheServedDocument(@TempDir Path tmp) throws Exception {
        Path dir = NpmPackages.install("openapi-validators", VALIDATORS);
        Path script = dir.resolve("validate-openapi.mjs");
        try (InputStream in = getClass().getResourceAsStream("validate-openapi.mjs")) {
            Files.write(script, in.readAllBytes());
        }
        Path file = tmp.resolve("openapi.json");
        Files.write(file, document);
        NpmPackages.Run r = NpmPackages.run(List.of("node", script.toString(), file.toString()), dir, 120);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("@seriousme/openapi-schema-validator: valid (OpenAPI 3.1)")
                .contains("@apidevtools/swagger-parser: valid");
    }

    @Test
    void versionIsTheProjectVersion() throws Exception {
        String version = System.getProperty("sandbox4j.version");
        assertThat(version).as("set by the build (surefire systemPropertyVariables)").isNotBlank();
        assertThat(api().at("/info/version").asText()).isEqualTo(version);
    }

    @Test
    void mediaTypeObjectsHoldOnlyWhatOpenApiAllows() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = api().get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fields().forEachRemaining(op -> {
                List<JsonNode> contents = new ArrayList<>();
                contents.add(op.getValue().path("requestBody").path("content"));
                op.getValue().path("responses").forEach(resp -> contents.add(resp.path("content")));
                for (JsonNode content : contents) {
                    content.fields().forEachRemaining(media -> media.getValue().fieldNames().forEachRemaining(k -> {
                        if (!Set.of("schema", "example", "examples", "encoding").contains(k)) {
                            wrong.add(op.getKey() + " " + path.getKey() + " " + media.getKey() + ": " + k);
                        }
                    }));
                }
            });
        }
        assertThat(wrong).as("fields a media type object may not have").isEmpty();
    }

    @Test
    void languageNamesEveryLanguage() throws Exception {
        String d = api().at("/components/schemas/ExecuteRequest/properties/language/description").asText();
        String listed = d.substring(d.indexOf('(') + 1, d.indexOf(';'));
        assertThat(new java.util.TreeSet<>(List.of(listed.split(", "))))
                .isEqualTo(LanguageRegistry.discover(List.of()).ids());
    }

    @Test
    void statefulNamesEveryLanguageWithAKernel() throws Exception {
        List<String> kernels = new ArrayList<>();
        for (LanguageHandler h : LanguageRegistry.discover(List.of()).handlers()) {
            if (h.kernelPlan(new PlanContext("/tmp/.sandbox4j/k", List.of())) != null) {
                kernels.add(h.id());
            }
        }
        assertThat(kernels).contains("python");
        assertThat(api().at("/components/schemas/CreateSessionRequest/properties/stateful/description").asText())
                .contains("Languages with a kernel: " + String.join(", ", kernels) + ";");
    }
}
