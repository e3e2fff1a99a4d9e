package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    final SandboxClient client = SandboxClient.builder().backendFactory(new FakeBackend().factory())
            .reapOrphans(false).build();
    final ServerConfig config = ServerConfig.builder().maxCodeSize(DataSize.ofKilobytes(1))
            .maxRunTimeout(Duration.ofSeconds(60)).maxMemory(DataSize.ofMegabytes(1024))
            .sessionIdleTimeout(Duration.ofMinutes(5)).build();
    final RequestValidator v = new RequestValidator(client, config);

    @AfterEach
    void close() {
        client.close();
    }

    static Wire.ExecuteRequest exec(String language, String code) {
        return new Wire.ExecuteRequest(language, code, null, null, null, null, null, null, null, null, null);
    }

    static void fails(ThrowableAssert.ThrowingCallable call, int status, Problem type, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).as(e.getMessage()).isEqualTo(status);
            assertThat(e.type).as(e.getMessage()).isEqualTo(type);
            if (field != null) {
                assertThat(e.extensions).containsEntry("field", field);
            }
        });
    }

    @Test
    void resolvesLanguagesAndAliases() {
        assertThat(v.language("python")).isEqualTo("python");
        assertThat(v.language("Py")).isEqualTo("python");
        assertThat(v.language("node")).isEqualTo("javascript");
        fails(() -> v.language("rust"), 400, Problem.UNKNOWN_LANGUAGE, "language");
        fails(() -> v.language(null), 400, Problem.INVALID_REQUEST, "language");
        fails(() -> v.run(exec(null, "x"), true), 400, Problem.INVALID_REQUEST, "language");
        assertThat(v.run(exec(null, "x"), false).language()).isNull();
    }

    @Test
    void checksCodeTimeoutMemoryAndLibraries() {
        fails(() -> v.run(exec("python", null), true), 400, Problem.INVALID_REQUEST, "code");
        fails(() -> v.run(exec("python", "  \n"), true), 400, Problem.INVALID_REQUEST, "code");
        fails(() -> v.run(exec("python", "x".repeat(1025)), true), 413, Problem.PAYLOAD_TOO_LARGE, null);
        fails(() -> v.run(exec("python", "é".repeat(600)), true), 413, Problem.PAYLOAD_TOO_LARGE, null);
        for (long t : new long[] {0, -1, 60_001}) {
            fails(() -> v.run(new Wire.ExecuteRequest("python", "x", t, null, null, null, null, null, null, null, null),
                    true), 400, Problem.INVALID_REQUEST, "timeout_ms");
        }
        for (int m : new int[] {5, 1025, -3}) {
            fails(() -> v.run(new Wire.ExecuteRequest("python", "x", null, m, null, null, null, null, null, null, null),
                    true), 400, Problem.INVALID_REQUEST, "memory_mb");
        }
        fails(() -> v.run(new Wire.ExecuteRequest("python", "x", null, null, List.of("--index-url=x"), null, null,
                null, null, null, null), true), 400, Problem.INVALID_REQUEST, "libraries");
        RequestValidator.RunSpec ok = v.run(new Wire.ExecuteRequest("python", "x", 1000L, 64, List.of("numpy"),
                Map.of("data/in.txt", "aGk="), "in", null, List.of("a"), true, 500L), true);
        assertThat(ok.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(ok.cpuTimeLimit()).isEqualTo(Duration.ofMillis(500));
        assertThat(ok.memoryMb()).isEqualTo(64);
        assertThat(ok.files().get("data/in.txt")).containsExactly('h', 'i');
        assertThat(ok.stdin()).containsExactly('i', 'n');
    }

    @Test
    void refusesPathsThatLeaveTheWorkspace() {
        for (String p : new String[] {"../etc/passwd", "a/../../b", "/etc/passwd", "/workspace/../etc", "",
            "a\u0000b", "/tmpfoo", "/proc/self/environ"}) {
            fails(() -> RequestValidator.path("files", p), 400, Problem.INVALID_PATH, "files");
        }
        for (String p : new String[] {"a.txt", "dir/b.txt", "/workspace/x", "/tmp/y", ".hidden", "a..b"}) {
            assertThat(RequestValidator.path("files", p)).isEqualTo(p);
        }
        fails(() -> v.run(new Wire.ExecuteRequest("python", "x", null, null, null, Map.of("../x", "aGk="), null,
                null, null, null, null), true), 400, Problem.INVALID_PATH, "files");
        fails(() -> v.run(new Wire.ExecuteRequest("python", "x", null, null, null, Map.of("x", "not base64!"), null,
                null, null, null, null), true), 400, Problem.INVALID_REQUEST, "files");
    }

    @Test
    void policiesArePresetsOrPolicyDocuments() {
        assertThat(v.policy(TextNode.valueOf("strict")).name()).isEqualTo("strict");
        assertThat(v.policy(null)).isNull();
        fails(() -> v.policy(TextNode.valueOf("lax")), 400, Problem.INVALID_REQUEST, "policy");
        fails(() -> v.policy(JsonNodeFactory.instance.numberNode(3)), 400, Problem.INVALID_REQUEST, "policy");
        var doc = JsonNodeFactory.instance.objectNode().put("extends", "production").put("threshold", "low");
        assertThat(v.policy(doc).threshold().wireName()).isEqualTo("low");
        fails(() -> v.policy(JsonNodeFactory.instance.objectNode().put("bogus", 1)), 400, Problem.INVALID_REQUEST,
                "policy");
    }

    @Test
    void aPolicyDocumentsPatternsMustRunInLinearTimeAndTheOperatorCanRefusePolicies() {
        var lookbehind = JsonNodeFactory.instance.objectNode();
        lookbehind.putArray("patterns").addObject().put("id", "x").put("regex", "(?<!a)b").put("severity", "high");
        assertThatThrownBy(() -> v.policy(lookbehind)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.getMessage()).startsWith("policy: patterns[0]: pattern 'x': regex '(?<!a)b' is not "
                    + "supported by the linear-time regex engine");
        });
        var doc = JsonNodeFactory.instance.objectNode().put("extends", "production");
        RequestValidator presetsOnly = new RequestValidator(client, config.toBuilder()
                .requestPolicies(ServerConfig.RequestPolicies.PRESETS).build());
        assertThat(presetsOnly.policy(TextNode.valueOf("strict")).name()).isEqualTo("strict");
        fails(() -> presetsOnly.policy(doc), 400, Problem.INVALID_REQUEST, "policy");
        assertThatThrownBy(() -> presetsOnly.policy(doc)).hasMessage("this server accepts only preset names as a "
                + "request's policy (request_policies: presets): permissive, development, production, strict");
        RequestValidator none = new RequestValidator(client, config.toBuilder()
                .requestPolicies(ServerConfig.RequestPolicies.NONE).build());
        fails(() -> none.policy(TextNode.valueOf("strict")), 400, Problem.INVALID_REQUEST, "policy");
        fails(() -> none.policy(doc), 400, Problem.INVALID_REQUEST, "policy");
        assertThat(none.policy(null)).isNull();
    }

    @Test
    void sessionsAndCommands() {
        var s = v.session(new Wire.CreateSessionRequest("py", true, 2000L, 60L, null, null));
        assertThat(s.language()).isEqualTo("python");
        assertThat(s.stateful()).isTrue();
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(v.session(new Wire.CreateSessionRequest("py", null, null, null, null, null)).idleTimeout())
                .isEqualTo(Duration.ofMinutes(5));
        fails(() -> v.session(new Wire.CreateSessionRequest("py", null, null, 301L, null, null)), 400,
                Problem.INVALID_REQUEST, "idle_timeout_s");
        fails(() -> v.session(new Wire.CreateSessionRequest("py", null, null, 0L, null, null)), 400,
                Problem.INVALID_REQUEST, "idle_timeout_s");

        fails(() -> v.commands(new Wire.CommandsRequest(null, null, null, null, null)), 400,
                Problem.INVALID_REQUEST, "command");
        fails(() -> v.commands(new Wire.CommandsRequest(List.of("ls"), List.of(List.of("ls")), null, null, null)),
                400, Problem.INVALID_REQUEST, "command");
        fails(() -> v.commands(new Wire.CommandsRequest(List.of(), null, null, null, null)), 400,
                Problem.INVALID_REQUEST, "command");
        fails(() -> v.commands(new Wire.CommandsRequest(List.of("ls"), null, null, null, "../up")), 400,
                Problem.INVALID_PATH, "workdir");
        var c = v.commands(new Wire.CommandsRequest(null, List.of(List.of("true"), List.of("ls", "-l")), 500L, null,
                "sub"));
        assertThat(c.sequence()).isTrue();
        assertThat(c.commands()).hasSize(2);
        assertThat(c.workdir()).isEqualTo("sub");
    }
}
