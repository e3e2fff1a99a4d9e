package dev.sandbox4j.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.service.ManagedSession;
import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.service.SessionRequest;
import dev.sandbox4j.service.SessionService;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxToolsTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
    final MutableClock clock = new MutableClock();
    final SandboxTools tools = SandboxTools.builder(client).reaperInterval(Duration.ZERO).clock(clock)
            .maxSessionsPerScope(2).idleTimeout(Duration.ofMinutes(10)).maxTimeout(Duration.ofSeconds(60))
            .maxOutputChars(200).build();

    @AfterEach
    void close() {
        tools.close();
        client.close();
    }

    @Test
    void describesEveryToolWithValidJsonSchemas() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(tools.specs()).extracting(ToolSpec::name).containsExactly("execute_code", "create_session",
                "close_session", "list_sessions", "write_file", "read_file", "list_files", "install_packages",
                "list_languages");
        assertThat(SandboxTools.toolNames()).isEqualTo(tools.specs().stream().map(ToolSpec::name).toList());
        for (ToolSpec spec : tools.specs()) {
            JsonNode in = json.readTree(spec.inputSchema());
            JsonNode out = json.readTree(spec.outputSchema());
            assertThat(in.path("type").asText()).as(spec.name()).isEqualTo("object");
            assertThat(out.path("type").asText()).as(spec.name()).isEqualTo("object");
            assertThat(spec.description()).isNotBlank();
            in.path("required").forEach(r -> assertThat(in.path("properties").has(r.asText()))
                    .as("%s requires a declared property %s", spec.name(), r).isTrue());
            out.path("required").forEach(r -> assertThat(out.path("properties").has(r.asText()))
                    .as("%s output requires a declared property %s", spec.name(), r).isTrue());
        }
        JsonNode exec = json.readTree(tools.spec("execute_code").inputSchema());
        assertThat(exec.at("/properties/language/enum").toString()).contains("python", "javascript");
        assertThat(exec.at("/required").toString()).isEqualTo("[\"code\"]");
        assertThat(tools.spec("nope")).isNull();
    }

    @Test
    void runsOneShotCodeAndSummarisesTheResult() {
        backend.behaviour = r -> Behaviour.exit(0, "42\n", "");
        ToolResult r = tools.call("chat", "execute_code", Map.of("language", "python", "code", "print(6*7)"));
        assertThat(r.isError()).as(r.text()).isFalse();
        assertThat(r.text()).startsWith("status: ok (exit code 0, ").contains("--- stdout ---\n42\n");
        assertThat(r.structured()).containsEntry("status", "ok").containsEntry("exit_code", 0)
                .containsEntry("stdout", "42\n").containsEntry("language", "python")
                .containsEntry("session_id", null);
        assertThat(tools.sessionCount()).isZero();
        // a one-shot run's box is removed in the background, after the result
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(backend.boxes).as("the one-shot box is removed").isEmpty());
    }

    @Test
    void aFailingProgramIsAResultNotAnError() {
        backend.behaviour = r -> Behaviour.exit(1, "", "Traceback ...\nZeroDivisionError: division by zero\n");
        ToolResult r = tools.call("chat", "execute_code", Map.of("language", "python", "code", "1/0"));
        assertThat(r.isError()).isFalse();
        assertThat(r.text()).contains("status: nonzero_exit (exit code 1", "--- stderr ---", "ZeroDivisionError");
        assertThat(r.structured()).containsEntry("status", "nonzero_exit").containsEntry("exit_code", 1);
    }

    @Test
    void truncatesLongOutputInTheMiddle() {
        String out = "HEAD" + "x".repeat(5000) + "TAIL";
        backend.behaviour = r -> Behaviour.exit(0, out, "");
        ToolResult r = tools.call("chat", "execute_code", Map.of("language", "python", "code", "print()"));
        assertThat(r.text()).contains("HEAD", "TAIL", "characters omitted").hasSizeLessThan(600);
        assertThat(r.structured()).containsEntry("stdout_truncated", true);
    }

    @Test
    void badInputBecomesAnErrorResultWithAClearMessage() {
        assertError(tools.call("chat", "execute_code", Map.of("code", "print(1)")),
                "Missing argument 'language'", "python");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python")), "Missing argument 'code'");
        assertError(tools.call("chat", "execute_code", Map.of("language", "rust", "code", "fn main(){}")),
                "Expected language one of", "'rust'");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1", "timeout", 600)),
                "'timeout' (600 s) must be at most 60 s");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1", "timeout", -1)),
                "must be a positive number of seconds");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1", "timeout", "abc")),
                "must be a number of seconds");
        assertError(tools.call("chat", "execute_code", Map.of("language", 3, "code", "1")),
                "'language' must be a string, not the number 3");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "session_id", "nope")), "Unknown session_id 'nope'", "create_session");
        assertError(tools.call("chat", "rm_rf", Map.of()), "Unknown tool 'rm_rf'", "execute_code");
        assertError(tools.call("chat", "read_file", Map.of("session_id", "s", "path", "../../etc/passwd")),
                "must not contain '..'");
        assertError(tools.call("chat", "write_file", Map.of("session_id", "s", "path", "a.txt")),
                "Missing argument 'content'");
        assertError(tools.call("chat", "install_packages", Map.of("session_id", "s", "packages", List.of())),
                "Missing argument 'packages'");
        assertError(tools.call("chat", "create_session", Map.of("language", "python", "session_id", "../x")),
                "Invalid session_id");
        assertThat(backend.execs).as("nothing ran").isEmpty();
    }

    @Test
    void executeCodeTakesACpuTimeLimitInSecondsIntoTheRunsOptions() throws Exception {
        JsonNode cpu = new ObjectMapper().readTree(tools.spec("execute_code").inputSchema())
                .at("/properties/cpu_time_limit");
        assertThat(cpu.path("type").asText()).isEqualTo("number");
        assertThat(cpu.path("exclusiveMinimum").asInt()).isZero();
        assertThat(cpu.path("maximum").asLong()).as("the tools' maxTimeout").isEqualTo(60);

        // a client that records the options of one-shot runs on their way to the real one
        List<dev.sandbox4j.RunOptions> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        SandboxClient recording = (SandboxClient) java.lang.reflect.Proxy.newProxyInstance(
                SandboxClient.class.getClassLoader(), new Class<?>[] {SandboxClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("run") && args != null) {
                        for (Object a : args) {
                            if (a instanceof dev.sandbox4j.RunOptions o) {
                                seen.add(o);
                            }
                        }
                    }
                    try {
                        return method.invoke(client, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        backend.behaviour = r -> Behaviour.exit(0, "1\n", "");
        try (SandboxTools t = SandboxTools.builder(recording).reaperInterval(Duration.ZERO)
                .maxTimeout(Duration.ofSeconds(60)).build()) {
            assertThat(t.call("chat", "execute_code", Map.of("language", "python", "code", "print(1)",
                    "cpu_time_limit", 1.5)).isError()).isFalse();
            assertThat(t.call("chat", "execute_code", Map.of("language", "python", "code", "print(1)",
                    "cpu_time_limit", "2")).isError()).as("a number as a string, as some models send it").isFalse();
            assertThat(t.call("chat", "execute_code", Map.of("language", "python", "code", "print(1)")).isError())
                    .isFalse();
            assertThat(t.executeCode("chat", "python", "print(1)", List.of(), null, Duration.ofSeconds(3), null)
                    .isError()).isFalse();
        }
        assertThat(seen).extracting(dev.sandbox4j.RunOptions::cpuTimeLimit).containsExactly(Duration.ofMillis(1500),
                Duration.ofSeconds(2), null, Duration.ofSeconds(3));

        int execs = backend.execs.size();
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "cpu_time_limit", 600)), "'cpu_time_limit' (600 s) must be at most 60 s");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "cpu_time_limit", 0)), "Argument 'cpu_time_limit' (0) must be a positive number of seconds");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "cpu_time_limit", -2)), "must be a positive number of seconds");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "cpu_time_limit", "lots")), "Argument 'cpu_time_limit' must be a number of seconds, not 'lots'");
        assertError(tools.call("chat", "execute_code", Map.of("language", "python", "code", "1",
                "cpu_time_limit", List.of(1))), "Argument 'cpu_time_limit' must be a number of seconds, not a list");
        assertError(tools.executeCode("chat", "python", "1", List.of(), null, Duration.ZERO, null),
                "'cpu_time_limit' (0.0 s) must be positive");
        assertThat(backend.execs).as("nothing ran").hasSize(execs);
    }

    @Test
    void engineFailureBecomesAnErrorResult() {
        backend.images.remove("sandbox4j/python:bookworm");
        ToolResult r = tools.call("chat", "execute_code", Map.of("language", "python", "code", "print(1)"));
        assertError(r, "image is not available");
    }

    @Test
    void sessionsAreScopedCappedListedAndClosed() {
        backend.behaviour = r -> Behaviour.exit(0, "in session\n", "");
        ToolResult created = tools.call("chat-1", "create_session",
                Map.of("language", "python", "stateful", false, "session_id", "work"));
        assertThat(created.isError()).as(created.text()).isFalse();
        assertThat(created.structured()).containsEntry("session_id", "work").containsEntry("language", "python")
                .containsEntry("stateful", false);

        ToolResult run = tools.call("chat-1", "execute_code", Map.of("code", "print(1)", "session_id", "work"));
        assertThat(run.isError()).as(run.text()).isFalse();
        assertThat(run.structured()).containsEntry("session_id", "work").containsEntry("stdout", "in session\n");

        assertError(tools.call("chat-2", "execute_code", Map.of("code", "print(1)", "session_id", "work")),
                "Unknown session_id 'work'");
        assertError(tools.call("chat-1", "create_session", Map.of("language", "python", "session_id", "work")),
                "already exists");
        assertError(tools.call("chat-1", "execute_code",
                Map.of("code", "1", "session_id", "work", "language", "javascript")), "runs python, not 'javascript'");

        ToolResult second = tools.call("chat-1", "create_session", Map.of("language", "javascript", "stateful", false));
        assertThat(second.isError()).as(second.text()).isFalse();
        assertThat((String) second.structured().get("session_id")).startsWith("s-");
        assertError(tools.call("chat-1", "create_session", Map.of("language", "python", "stateful", false)),
                "Session limit reached: at most 2");

        ToolResult list = tools.call("chat-1", "list_sessions", null);
        assertThat(list.text()).contains("2 open session(s)", "work: python");
        assertThat((List<?>) list.structured().get("sessions")).hasSize(2);
        assertThat(tools.call("chat-2", "list_sessions", Map.of()).text()).contains("No open sessions");

        ToolResult closed = tools.call("chat-1", "close_session", Map.of("session_id", "work"));
        assertThat(closed.isError()).isFalse();
        assertThat(closed.structured()).containsEntry("closed", true);
        assertThat(tools.sessionCount("chat-1")).isEqualTo(1);
        assertError(tools.call("chat-1", "close_session", Map.of("session_id", "work")),
                "Session 'work' was closed (deleted)");

        assertThat(tools.closeScope("chat-1")).isEqualTo(1);
        assertThat(tools.sessionCount()).isZero();
        assertThat(backend.boxes).as("every box removed").isEmpty();
    }

    @Test
    void idleSessionsExpireAndSaySo() {
        tools.call("chat", "create_session", Map.of("language", "python", "stateful", false, "session_id", "a"));
        tools.call("chat", "create_session", Map.of("language", "python", "stateful", false, "session_id", "b"));
        clock.advance(Duration.ofMinutes(6));
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        assertThat(tools.call("chat", "execute_code", Map.of("code", "1", "session_id", "b")).isError()).isFalse();
        clock.advance(Duration.ofMinutes(5));
        assertThat(tools.reapIdle()).as("only the unused session expires").isEqualTo(1);
        assertError(tools.call("chat", "execute_code", Map.of("code", "1", "session_id", "a")),
                "Session 'a' expired after 10 min");
        assertThat(tools.sessionCount("chat")).isEqualTo(1);
    }

    @Test
    void capsSessionsAcrossScopesAndFreesSlotsOnClose() throws Exception {
        try (SandboxTools capped = SandboxTools.builder(client).reaperInterval(Duration.ZERO).maxSessions(3)
                .build()) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            List<java.util.concurrent.Future<ToolResult>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String scope = "scope-" + i;
                results.add(pool.submit(() -> capped.call(scope, "create_session",
                        Map.of("language", "python", "stateful", false))));
            }
            int ok = 0;
            for (var f : results) {
                ToolResult r = f.get();
                if (r.isError()) {
                    assertThat(r.text()).contains("The sandbox is busy: 3 sessions are open");
                } else {
                    ok++;
                }
            }
            pool.shutdown();
            assertThat(ok).isEqualTo(3);
            assertThat(capped.sessionCount()).isEqualTo(3);
            for (int i = 0; i < 6; i++) {
                capped.closeScope("scope-" + i);
            }
            assertThat(capped.call("again", "create_session", Map.of("language", "python", "stateful", false))
                    .isError()).as("closing frees the slots").isFalse();
        }
    }

    @Test
    void keepsNothingOfAScopeWithoutSessionsButStillSaysWhyOneClosed() {
        tools.call("old", "create_session", Map.of("language", "python", "stateful", false, "session_id", "x"));
        assertThat(tools.scopeCount()).isEqualTo(1);
        tools.call("old", "close_session", Map.of("session_id", "x"));
        assertThat(tools.scopeCount()).as("the tools remember no scope without sessions").isZero();
        assertError(tools.call("old", "read_file", Map.of("session_id", "x", "path", "a.txt")),
                "Session 'x' was closed (deleted)");
        assertThat(tools.call("old", "create_session", Map.of("language", "python", "stateful", false,
                "session_id", "x")).isError()).as("the name is free again").isFalse();
        assertThat(tools.scopeCount()).isEqualTo(1);
    }

    @Test
    void structuredResultIsTheResultViewOfEveryFrontDoor() {
        backend.behaviour = r -> Behaviour.exit(0, "42\n", "");
        ToolResult r = tools.call("chat", "execute_code", Map.of("language", "python", "code", "print(6*7)"));
        assertThat(r.structured().keySet()).containsExactly("language", "session_id", "status", "exit_code", "stdout",
                "stderr", "duration_ms", "timed_out", "kill_reason", "stdout_truncated", "stderr_truncated",
                "violations", "artifacts", "redactions", "resource_usage", "phases_ms");
        assertThat(r.structured()).containsEntry("timed_out", false).containsEntry("stdout", "42\n");
    }

    @Test
    void sessionsLiveInASharedServiceWithItsCapsAndListing() {
        try (SessionService service = SessionService.builder(client).reaperInterval(Duration.ZERO).maxSessions(2)
                        .build();
                SandboxTools shared = SandboxTools.builder(client).sessionService(service).build()) {
            SessionOptions plain = SessionOptions.defaults().toBuilder().stateful(false).build();
            ManagedSession rest = service.open(SessionRequest.of(new SessionOwner("acme", SessionOwner.REST, null),
                    "python", plain));
            SessionOwner mcp = new SessionOwner("acme", "mcp/1", "acme/alice");
            ToolResult created = shared.call(mcp, "create_session", Map.of("language", "python", "stateful", false,
                    "session_id", "calc"));
            assertThat(created.isError()).as(created.text()).isFalse();
            assertThat(service.list("acme")).as("one listing for every front door").hasSize(2);
            assertThat(service.findByName(mcp, "calc").orElseThrow().options().principal()).isEqualTo("acme/alice");
            assertError(shared.call(mcp.inScope("mcp/2"), "create_session", Map.of("language", "python",
                    "stateful", false)), "The sandbox is busy: 2 sessions are open");
            shared.close();
            assertThat(service.list("acme")).as("the tools close their own sessions only").containsExactly(rest);
        }
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void closeClosesEverySessionAndRefusesLaterCalls() {
        tools.call("chat", "create_session", Map.of("language", "python", "stateful", false));
        tools.call("other", "create_session", Map.of("language", "python", "stateful", false));
        assertThat(backend.boxes).hasSize(2);
        tools.close();
        tools.close();
        assertThat(backend.boxes).isEmpty();
        assertError(tools.call("chat", "list_languages", Map.of()), "closed");
        assertThat(client.openSessions()).isZero();
    }

    @Test
    void closeLetsARunInFlightFinish() throws Exception {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        backend.behaviour = r -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Behaviour.exit(0, "done\n", "");
        };
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        java.util.concurrent.CompletableFuture<ToolResult> run = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> tools.call("chat", "execute_code", Map.of("language", "python", "code", "print(1)")), threads);
        started.await();
        java.util.concurrent.CompletableFuture<Void> closing =
                java.util.concurrent.CompletableFuture.runAsync(tools::close, threads);
        org.awaitility.Awaitility.await().until(() -> tools.call("x", "list_languages", Map.of()).isError());
        assertThat(closing).as("close waits for the call").isNotDone();
        release.countDown();
        closing.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(run.get().text()).contains("done");
        // a one-shot run's box is removed in the background, after the result
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(backend.boxes).as("the one-shot box is removed by its own run").isEmpty());
        threads.shutdown();
    }

    @Test
    void listsLanguages() {
        ToolResult r = tools.listLanguages();
        assertThat(r.isError()).isFalse();
        assertThat(r.text()).contains("- python", "- javascript");
        assertThat((List<?>) r.structured().get("languages")).hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void structuredMapIsUnmodifiableAndKeepsNulls() {
        Map<String, Object> m = new HashMap<>();
        m.put("a", null);
        ToolResult r = ToolResult.ok("t", m);
        assertThat(r.structured()).containsEntry("a", null);
        assertThatThrownBy(() -> r.structured().put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builderRejectsNonsense() {
        assertThatThrownBy(() -> SandboxTools.builder(client).maxSessionsPerScope(0))
                .hasMessage("maxSessionsPerScope (0) must be at least 1");
        assertThatThrownBy(() -> SandboxTools.builder(client).idleTimeout(Duration.ZERO))
                .hasMessage("idleTimeout (PT0S) must be positive");
        // the settings of the tools' own session service are checked by its builder, as they are set
        assertThatThrownBy(() -> SandboxTools.builder(client).maxSessions(0))
                .hasMessage("maxSessions (0) must be at least 1");
        assertThatThrownBy(() -> SandboxTools.builder(client).reaperInterval(Duration.ofSeconds(-1)))
                .hasMessage("reaperInterval (PT-1S) must not be negative");
        assertThatThrownBy(() -> SandboxTools.builder(client).clock(null)).isInstanceOf(NullPointerException.class);
    }

    private static void assertError(ToolResult r, String... fragments) {
        assertThat(r.isError()).as(r.text()).isTrue();
        assertThat(r.text()).contains(fragments);
        assertThat(r.structured()).containsEntry("error", r.text());
    }

    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
