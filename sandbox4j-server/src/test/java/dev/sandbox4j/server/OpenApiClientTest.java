package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.server.generated.ApiClient;
import dev.sandbox4j.server.generated.ApiException;
import dev.sandbox4j.server.generated.api.RunsApi;
import dev.sandbox4j.server.generated.api.ServiceApi;
import dev.sandbox4j.server.generated.api.SessionsApi;
import dev.sandbox4j.server.generated.model.CreateSessionRequest;
import dev.sandbox4j.server.generated.model.ExecuteRequest;
import dev.sandbox4j.server.generated.model.ExecutionResult;
import dev.sandbox4j.server.generated.model.LanguagesLanguagesInner;
import dev.sandbox4j.server.generated.model.Session;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Java client generated from the OpenAPI document at build time (openapi-generator, {@code java}/{@code native},
 * into target/generated-test-sources) calls the real server on port 0, backed by the in-memory {@link FakeBackend}:
 * the document describes the API well enough to use it.
 */
class OpenApiClientTest {
    final FakeBackend backend = new FakeBackend();
    SandboxServer server;
    ApiClient api;

    @BeforeEach
    void start() {
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.exit(0, "42\n", "") : Behaviour.exit(0, "", "");
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).apiKey(ApiKey.of("alice", "acme",
                "alice-secret-0123456789")).build(), client, true);
        api = new ApiClient();
        api.updateBaseUri(server.uri().toString());
        api.setRequestInterceptor(b -> b.header("Authorization", "Bearer alice-secret-0123456789"));
    }

    @AfterEach
    void stop() {
        server.close();
        assertThat(backend.boxes).as("boxes left after shutdown").isEmpty();
    }

    @Test
    void executesOnceAndInASession() throws Exception {
        ExecutionResult once = new RunsApi(api).execute(new ExecuteRequest().language("python").code("print(6 * 7)")
                .captureArtifacts(false));
        assertThat(once.getStatus()).isEqualTo(ExecutionResult.StatusEnum.OK);
        assertThat(once.getExitCode()).isZero();
        assertThat(once.getStdout()).isEqualTo("42\n");

        SessionsApi sessions = new SessionsApi(api);
        Session s = sessions.createSession(new CreateSessionRequest().language("python"));
        assertThat(s.getSessionId()).isNotBlank();
        assertThat(s.getLanguage()).isEqualTo("python");
        ExecutionResult r = sessions.executeInSession(s.getSessionId(), new ExecuteRequest().code("print(1)"));
        assertThat(r.getSessionId()).isEqualTo(s.getSessionId());
        assertThat(r.getStatus()).isEqualTo(ExecutionResult.StatusEnum.OK);
        assertThat(sessions.listSessions().getSessions()).extracting(Session::getSessionId)
                .containsExactly(s.getSessionId());
        sessions.deleteSession(s.getSessionId());
        assertThat(sessions.listSessions().getSessions()).isEmpty();
    }

    @Test
    void serviceEndpointsAndProblems() throws Exception {
        ServiceApi service = new ServiceApi(api);
        assertThat(service.health().getStatus()).isEqualTo("ok");
        assertThat(service.languages().getLanguages()).extracting(LanguagesLanguagesInner::getId)
                .contains("python", "javascript", "java", "cpp", "go", "r");
        assertThatThrownBy(() -> new RunsApi(api).execute(new ExecuteRequest().language("cobol").code("x")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(400);
                    assertThat(e.getResponseBody()).contains("unknown-language");
                });
        ApiClient anonymous = new ApiClient();
        anonymous.updateBaseUri(server.uri().toString());
        assertThatThrownBy(() -> new SessionsApi(anonymous).listSessions())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    }
}
