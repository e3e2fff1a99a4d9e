package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over real loopback HTTP, against the in-memory {@link FakeBackend}: no container engine needed. */
class SandboxServerTest {
    static final String ALICE = "alice-secret-0123456789";
    static final String ALICE2 = "alice2-secret-0123456789";
    static final String BOB = "bob-secret-0123456789abc";
    static final String OPERATOR = "operator-secret-0123456789";

    @TempDir
    Path tmp;
    FakeBackend backend;
    SandboxServer server;
    TestHttp alice;
    TestHttp bob;
    /** Reads /metrics and /readyz (the operator's). */
    TestHttp operator;
    Path auditLog;

    @BeforeEach
    void start() {
        backend = new FakeBackend();
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.exit(0, "hi\n", "") : Behaviour.exit(0, "", "");
        auditLog = tmp.resolve("audit.jsonl");
        server = start(config());
        alice = new TestHttp(server.uri(), ALICE);
        bob = new TestHttp(server.uri(), BOB);
        operator = new TestHttp(server.uri(), OPERATOR);
    }

    ServerConfig.Builder config() {
        return ServerConfig.builder()
                .apiKey(new ApiKey("alice", "acme", ALICE, 2, 2))
                .apiKey(ApiKey.of("alice2", "acme", ALICE2))
                .apiKey(ApiKey.of("bob", "globex", BOB))
                .maxConcurrentRuns(3)
                .maxBodySize(DataSize.ofKilobytes(64))
                .maxCodeSize(DataSize.ofKilobytes(8))
                .maxFileSize(DataSize.ofKilobytes(16))
                .sessionCheckInterval(Duration.ofMillis(100))
                .operatorKey(OPERATOR)
                .auditLog(auditLog);
    }

    void restart(ServerConfig.Builder config) {
        server.close();
        server = start(config);
        alice = new TestHttp(server.uri(), ALICE);
        bob = new TestHttp(server.uri(), BOB);
        operator = new TestHttp(server.uri(), OPERATOR);
    }

    SandboxServer start(ServerConfig.Builder config) {
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        return SandboxServer.start(config.port(0).build(), client, true);
    }

    @AfterEach
    void stop() {
        server.close();
        assertThat(backend.boxes).as("boxes left after shutdown").isEmpty();
    }

    static Map<String, Object> run(String code) {
        return Map.of("language", "python", "code", code, "capture_artifacts", false);
    }

    // ---------------------------------------------------------------- service endpoints

    @Test
    void healthReadinessLanguagesAndOpenApi() {
        TestHttp anonymous = alice.as(null);
        assertThat(anonymous.get("/healthz").json().get("status").asText()).isEqualTo("ok");
        TestHttp.Resp ready = operator.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("ready");
        JsonNode langs = alice.get("/v1/languages").json().get("languages");
        assertThat(langs.findValuesAsText("id")).contains("python", "javascript", "java", "cpp", "go", "r");
        assertThat(langs.get(0).get("available").asBoolean()).isTrue();

        JsonNode api = anonymous.get("/openapi.json").json();
        assertThat(api.get("openapi").asText()).startsWith("3.1");
        for (var route : SandboxServer.API_ROUTES) {
            String path = route.getValue();
            assertThat(api.at("/paths").has(path)).as("documented path %s", path).isTrue();
            assertThat(api.at("/paths").get(path).has(route.getKey().name().toLowerCase()))
                    .as("documented %s %s", route.getKey(), path).isTrue();
        }
        assertThat(api.at("/components/schemas/ExecutionResult/properties").has("timed_out")).isTrue();
    }

    @Test
    void consoleIsServedWithAStrictContentSecurityPolicy() {
        TestHttp anonymous = alice.as(null);
        TestHttp.Resp page = anonymous.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.text()).contains("<script src=\"/console/console.js\"").doesNotContain("<script>");
        assertThat(page.header("Content-Security-Policy")).get().asString().contains("script-src 'self'")
                .contains("img-src 'self' data:");
        assertThat(anonymous.get("/console/console.js").text()).contains("textContent").doesNotContain("innerHTML");
        assertThat(anonymous.get("/console/console.css").contentType()).startsWith("text/css");
    }

    @Test
    void unknownRoutesAndMethodsAreProblems() {
        TestHttp.Resp r = alice.get("/v2/nothing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("type").asText()).endsWith("/not-found");
        TestHttp.Resp m = alice.delete("/healthz");
        assertThat(m.status()).isEqualTo(405);
        assertThat(m.json().get("type").asText()).endsWith("/method-not-allowed");
    }

    // ---------------------------------------------------------------- auth and tenancy

    @Test
    void apiNeedsAKey() {
        for (TestHttp who : List.of(alice.as(null), alice.as("wrong-key-0123456789"))) {
            TestHttp.Resp r = who.post("/v1/execute", run("print(1)"));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.header("WWW-Authenticate")).contains("Bearer realm=\"sandbox4j\"");
            assertThat(r.json().get("type").asText()).isEqualTo("https://sandbox4j.dev/problems/unauthorized");
            assertThat(who.get("/v1/sessions").status()).isEqualTo(401);
        }
        assertThat(backend.execs).isEmpty();
        TestHttp xApiKey = alice.as(null);
        TestHttp.Resp ok = xApiKey.send(xApiKey.request("/v1/sessions").header("X-API-Key", BOB).GET().build());
        assertThat(ok.status()).isEqualTo(200);
    }

    @Test
    void sessionsAreInvisibleToOtherTenants() {
        String id = alice.post("/v1/sessions", Map.of("language", "python")).json().get("session_id").asText();
        TestHttp sameTenant = alice.as(ALICE2);
        assertThat(sameTenant.get("/v1/sessions/" + id).status()).isEqualTo(200);
        int execsBefore = backend.execs.size();
        for (TestHttp.Resp r : List.of(
                bob.get("/v1/sessions/" + id),
                bob.post("/v1/sessions/" + id + "/execute", Map.of("code", "print(1)")),
                bob.post("/v1/sessions/" + id + "/commands", Map.of("command", List.of("ls"))),
                bob.post("/v1/sessions/" + id + "/install", Map.of("libraries", List.of("x"))),
                bob.post("/v1/sessions/" + id + "/reset", Map.of()),
                bob.get("/v1/sessions/" + id + "/files"),
                bob.get("/v1/sessions/" + id + "/files/a.txt"),
                bob.put("/v1/sessions/" + id + "/files/a.txt", new byte[] {1}),
                bob.delete("/v1/sessions/" + id))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.json().get("type").asText()).endsWith("/session-not-found");
        }
        assertThat(backend.execs).hasSize(execsBefore);
        assertThat(bob.get("/v1/sessions").json().get("sessions")).isEmpty();
        assertThat(alice.get("/v1/sessions").json().get("sessions").findValuesAsText("session_id")).containsExactly(id);
        assertThat(alice.get("/v1/sessions/" + id).json().get("open").asBoolean()).isTrue();
    }

    // ---------------------------------------------------------------- runs

    @Test
    void executeAnswersWithTheContractsFields() {
        TestHttp.Resp r = alice.post("/v1/execute", Map.of("language", "py", "code", "print('hi')",
                "timeout_ms", 5000, "stdin", "x", "files", Map.of("data/in.txt", "aGk="), "capture_artifacts", false));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo("ok");
        assertThat(j.get("exit_code").asInt()).isZero();
        assertThat(j.get("stdout").asText()).isEqualTo("hi\n");
        assertThat(j.get("timed_out").asBoolean()).isFalse();
        assertThat(j.get("kill_reason").isNull()).isTrue();
        assertThat(j.has("duration_ms") && j.has("stdout_truncated") && j.has("stderr_truncated")).isTrue();
        assertThat(j.get("violations").isArray() && j.get("artifacts").isArray()).isTrue();
        assertThat(r.header("X-Request-Id")).isPresent();
        // the box of a one-shot run is removed in the background, after the answer
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(backend.boxes).as("one-shot box removed").isEmpty();
            assertThat(backend.removed).hasSize(1);
        });
    }

    @Test
    void streamsOutputAsServerSentEvents() {
        TestHttp.Resp r = alice.postStream("/v1/execute", run("print('hi')"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        List<String[]> events = r.events();
        assertThat(events).extracting(e -> e[0]).containsExactly("stdout", "result");
        assertThat(events.get(0)[1]).isEqualTo("{\"text\":\"hi\\n\"}");
        assertThat(events.get(1)[1]).contains("\"status\":\"ok\"");
    }

    @Test
    void badInputIs4xxAndChangesNothing() {
        String id = alice.post("/v1/sessions", Map.of("language", "python")).json().get("session_id").asText();
        int boxes = backend.boxes.size();
        int execs = backend.execs.size();
        record Case(TestHttp.Resp resp, int status, String type) {}
        List<Case> cases = List.of(
                new Case(alice.postRaw("/v1/execute", "{\"language\": \"python\", ".getBytes(), "application/json"),
                        400, "invalid-json"),
                new Case(alice.post("/v1/execute", Map.of("language", "rust", "code", "fn main(){}")), 400,
                        "unknown-language"),
                new Case(alice.post("/v1/execute", Map.of("language", "python", "code", "x", "timeout_ms", -5)), 400,
                        "invalid-request"),
                new Case(alice.post("/v1/execute", Map.of("language", "python", "code", "x",
                        "files", Map.of("../../etc/passwd", "aGk="))), 400, "invalid-path"),
                new Case(alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "x",
                        "files", Map.of("/etc/cron.d/x", "aGk="))), 400, "invalid-path"),
                new Case(alice.postRaw("/v1/execute", new byte[70 * 1024], "application/json"), 413,
                        "payload-too-large"),
                new Case(alice.post("/v1/execute", Map.of("language", "python", "code", "#".repeat(9000))), 413,
                        "payload-too-large"),
                new Case(alice.put("/v1/sessions/" + id + "/files/big.bin", new byte[17 * 1024]), 413,
                        "payload-too-large"),
                new Case(alice.postRaw("/v1/execute", "language=python".getBytes(), "application/x-www-form-urlencoded"),
                        415, "unsupported-media-type"),
                new Case(alice.post("/v1/sessions", Map.of("language", "python", "memory_mb", 1)), 400,
                        "invalid-request"),
                new Case(alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "x", "language", "r")), 400,
                        "invalid-request"),
                new Case(alice.get("/v1/sessions/" + id + "/files?dir=../.."), 400, "invalid-path"),
                new Case(alice.get("/v1/sessions/" + id + "/files/%2E%2E/secret"), 400, "invalid-path"),
                new Case(alice.post("/v1/sessions/" + id + "/commands", Map.of("command", List.of())), 400,
                        "invalid-request"));
        for (Case c : cases) {
            assertThat(c.resp.status()).as(c.resp.toString()).isEqualTo(c.status);
            assertThat(c.resp.contentType()).as(c.resp.toString()).startsWith("application/problem+json");
            JsonNode p = c.resp.json();
            assertThat(p.get("type").asText()).isEqualTo("https://sandbox4j.dev/problems/" + c.type);
            assertThat(p.get("status").asInt()).isEqualTo(c.status);
            assertThat(p.get("detail").asText()).isNotBlank();
        }
        assertThat(backend.boxes).hasSize(boxes);
        assertThat(backend.execs).as("nothing ran").hasSize(execs);
    }

    @Test
    void policiesBlockBeforeAnyBoxExists() {
        TestHttp.Resp r = alice.post("/v1/execute", Map.of("language", "python", "code", "import subprocess",
                "policy", "strict"));
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo("blocked_by_policy");
        assertThat(j.get("violations").get(0).get("rule").asText()).contains("subprocess");
        assertThat(backend.boxes).isEmpty();
        assertThat(backend.removed).isEmpty();
        assertThat(operator.get("/metrics").text()).contains("sandbox_policy_blocks_total{language=\"python\"} 1.0");
    }

    // ---------------------------------------------------------------- sessions

    @Test
    void sessionLifecycle() {
        TestHttp.Resp created = alice.post("/v1/sessions", Map.of("language", "python", "timeout_ms", 4000,
                "idle_timeout_s", 60, "memory_mb", 256));
        assertThat(created.status()).isEqualTo(201);
        JsonNode s = created.json();
        String id = s.get("session_id").asText();
        assertThat(created.header("Location")).contains("/v1/sessions/" + id);
        assertThat(s.get("language").asText()).isEqualTo("python");
        assertThat(s.get("memory_mb").asInt()).isEqualTo(256);
        assertThat(s.get("idle_timeout_s").asInt()).isEqualTo(60);
        assertThat(s.get("timeout_ms").asInt()).isEqualTo(4000);
        assertThat(s.get("stateful").asBoolean()).isFalse();
        assertThat(backend.boxes.values().iterator().next().spec().limits().memory())
                .isEqualTo(DataSize.ofMegabytes(256));

        TestHttp.Resp ran = alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "print('hi')"));
        assertThat(ran.json().get("session_id").asText()).isEqualTo(id);
        assertThat(ran.json().get("stdout").asText()).isEqualTo("hi\n");
        assertThat(alice.post("/v1/sessions/" + id + "/commands", Map.of("command", List.of("true"))).json()
                .get("status").asText()).isEqualTo("ok");
        JsonNode seq = alice.post("/v1/sessions/" + id + "/commands",
                Map.of("commands", List.of(List.of("true"), List.of("true")))).json();
        assertThat(seq.get("results")).hasSize(2);
        assertThat(alice.post("/v1/sessions/" + id + "/reset", Map.of()).status()).isEqualTo(200);
        assertThat(alice.put("/v1/sessions/" + id + "/files/dir/a.txt", "abc".getBytes()).json().get("size").asInt())
                .isEqualTo(3);

        assertThat(alice.delete("/v1/sessions/" + id).status()).isEqualTo(204);
        assertThat(alice.get("/v1/sessions/" + id).status()).isEqualTo(404);
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void sessionLimitsPerKeyAre429() {
        alice.post("/v1/sessions", Map.of("language", "python"));
        alice.post("/v1/sessions", Map.of("language", "python"));
        TestHttp.Resp third = alice.post("/v1/sessions", Map.of("language", "python"));
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("Retry-After")).contains("1");
        assertThat(third.json().get("type").asText()).endsWith("/too-many-requests");
        assertThat(backend.boxes).hasSize(2);
        assertThat(alice.as(ALICE2).post("/v1/sessions", Map.of("language", "python")).status())
                .as("another key of the tenant has its own limit").isEqualTo(201);
    }

    @Test
    void concurrentRunsBeyondTheLimitAre429AtOnceWithoutAQueue() throws Exception {
        restart(config().runQueue(0));
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.hang("") : Behaviour.exit(0, "", "");
        TestHttp carol = alice.as(BOB);
        List<CompletableFuture<TestHttp.Resp>> running = new ArrayList<>();
        running.add(CompletableFuture.supplyAsync(() -> alice.post("/v1/execute", Map.of("language", "python",
                "code", "hang", "timeout_ms", 1500, "capture_artifacts", false))));
        running.add(CompletableFuture.supplyAsync(() -> alice.post("/v1/execute", Map.of("language", "python",
                "code", "hang", "timeout_ms", 1500, "capture_artifacts", false))));
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.boxes.size() == 2);
        TestHttp.Resp third = alice.post("/v1/execute", run("x"));
        assertThat(third.status()).as("alice's own limit is 2").isEqualTo(429);
        assertThat(third.json().get("detail").asText()).contains("alice");
        running.add(CompletableFuture.supplyAsync(() -> carol.post("/v1/execute", Map.of("language", "python",
                "code", "hang", "timeout_ms", 1500, "capture_artifacts", false))));
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.boxes.size() == 3);
        TestHttp.Resp fourth = carol.post("/v1/execute", run("x"));
        assertThat(fourth.status()).as("the server's limit is 3").isEqualTo(429);
        assertThat(fourth.header("Retry-After")).contains("1");
        for (CompletableFuture<TestHttp.Resp> f : running) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        assertThat(alice.post("/v1/execute", run("x")).status()).isEqualTo(200);
        assertThat(operator.get("/metrics").text())
                .contains("sandbox_requests_rejected_total{reason=\"too_many_runs\"} 2.0");
    }

    @Test
    void aRunThatFindsNoSlotWaitsForOneInsteadOf429() throws Exception {
        // one slot; waits far longer than the test needs, so a 200 means a slot came, not that time ran out
        restart(config().maxConcurrentRuns(1).runQueueWait(Duration.ofMinutes(2)));
        backend.createGate = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<TestHttp.Resp> first = CompletableFuture.supplyAsync(() -> alice.post("/v1/execute",
                run("print(1)")));
        await().atMost(Duration.ofSeconds(30)).until(() -> backend.creating.get() == 1); // holds the slot
        CompletableFuture<TestHttp.Resp> second = CompletableFuture.supplyAsync(() -> bob.post("/v1/execute",
                run("print(2)")));
        await().atMost(Duration.ofSeconds(30)).until(() -> operator.get("/readyz").json().get("runs_waiting")
                .asInt() == 1);
        assertThat(operator.get("/metrics").text()).contains("sandbox_runs_waiting 1.0");
        assertThat(second).isNotDone();
        backend.createGate.countDown();
        TestHttp.Resp r = second.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().get("phases_ms").has("queue")).isTrue();
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(operator.get("/metrics").text()).contains("sandbox_runs_waiting 0.0")
                .doesNotContain("sandbox_requests_rejected_total{reason=\"too_many_runs\"}");
    }

    @Test
    void aRunStillWithoutASlotAfterRunQueueWaitIs429() throws Exception {
        restart(config().maxConcurrentRuns(1).runQueueWait(Duration.ofMillis(100)));
        backend.createGate = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<TestHttp.Resp> first = CompletableFuture.supplyAsync(() -> alice.post("/v1/execute",
                run("print(1)")));
        await().atMost(Duration.ofSeconds(30)).until(() -> backend.creating.get() == 1);
        TestHttp.Resp late = bob.post("/v1/execute", run("print(2)"));
        assertThat(late.status()).isEqualTo(429);
        assertThat(late.header("Retry-After")).contains("1");
        assertThat(late.json().get("detail").asText()).isEqualTo("the server is running 1 programs at once (its "
                + "limit), and this request waited 100 ms for a slot (run_queue_wait); retry later");
        backend.createGate.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(operator.get("/metrics").text())
                .contains("sandbox_requests_rejected_total{reason=\"too_many_runs\"} 1.0");
    }

    @Test
    void aClientThatHangsUpWhileWaitingLeavesTheQueue() throws Exception {
        restart(config().maxConcurrentRuns(1).runQueueWait(Duration.ofMinutes(2)));
        backend.createGate = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<TestHttp.Resp> first = CompletableFuture.supplyAsync(() -> alice.post("/v1/execute",
                run("print(1)")));
        await().atMost(Duration.ofSeconds(30)).until(() -> backend.creating.get() == 1);
        byte[] body = "{\"language\": \"python\", \"code\": \"print(2)\"}".getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket(server.uri().getHost(), server.uri().getPort())) {
            socket.getOutputStream().write(("POST /v1/execute HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + BOB + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> operator.get("/readyz").json().get("runs_waiting")
                    .asInt() == 1);
        }
        // the disconnect watcher notices within its poll interval; bounded generously for a busy machine
        await().atMost(Duration.ofSeconds(30)).until(() -> operator.get("/readyz").json().get("runs_waiting")
                .asInt() == 0);
        backend.createGate.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(operator.get("/metrics").text()).as("the one who left never ran")
                .contains("sandbox_runs_total{kind=\"execute\",language=\"python\",status=\"ok\"} 1.0")
                .doesNotContain("status=\"killed\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(auditLog).stream()
                .anyMatch(l -> l.contains("\"status\":499")));
        assertThat(Files.readAllLines(auditLog)).filteredOn(l -> l.contains("\"status\":499")).singleElement()
                .as("no problem: nobody to answer, nothing failed").asString().doesNotContain("\"problem\":\"");
        assertThat(operator.get("/metrics").text()).doesNotContain("reason=\"too_many_runs\"");
    }

    @Test
    void boxCreationsBeyondTheEnginesBoundAndQueueAre429() throws Exception {
        server.close();
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .maxConcurrentCreations(1).creationQueue(0).build();
        server = SandboxServer.start(ServerConfig.builder().port(0).apiKey(ApiKey.of("alice", "acme", ALICE))
                .operatorKey(OPERATOR).build(), client, true);
        alice = new TestHttp(server.uri(), ALICE);
        backend.createGate = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<TestHttp.Resp> first = CompletableFuture.supplyAsync(() -> alice.post("/v1/execute",
                run("print(1)")));
        // generous bound for a busy machine, not a timing assertion
        await().atMost(Duration.ofSeconds(30)).until(() -> backend.creating.get() == 1);

        TestHttp.Resp busy = alice.post("/v1/execute", run("print(2)"));
        assertThat(busy.status()).isEqualTo(429);
        assertThat(busy.header("Retry-After")).contains("1");
        assertThat(busy.json().get("type").asText()).endsWith("/too-many-requests");
        assertThat(busy.json().get("detail").asText()).contains("maxConcurrentCreations 1, creationQueue 0");
        assertThat(busy.json().get("retry_after_s").asLong()).isEqualTo(1);
        assertThat(alice.post("/v1/sessions", Map.of("language", "python")).status())
                .as("a session needs a box too").isEqualTo(429);

        backend.createGate.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(alice.post("/v1/execute", run("print(3)")).status()).as("room again").isEqualTo(200);
        Map<String, Double> m = ServerMetricsTest.samples(new TestHttp(server.uri(), OPERATOR).get("/metrics").text());
        assertThat(m).containsEntry("sandbox_requests_rejected_total{reason=\"too_many_creations\"}", 2.0)
                .doesNotContainKey("sandbox_requests_rejected_total{reason=\"too_many_runs\"}");
    }

    @Test
    void idleSessionsAreClosed() {
        String id = alice.post("/v1/sessions", Map.of("language", "python", "idle_timeout_s", 1)).json()
                .get("session_id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.get("/v1/sessions/" + id).status() == 404);
        assertThat(backend.boxes).isEmpty();
        assertThat(operator.get("/metrics").text()).contains("sandbox_sessions_closed_total{reason=\"idle\"} 1.0");
    }

    @Test
    void shutdownClosesEverySessionAndRemovesItsBox() {
        alice.post("/v1/sessions", Map.of("language", "python"));
        bob.post("/v1/sessions", Map.of("language", "javascript"));
        assertThat(backend.boxes).hasSize(2);
        server.close();
        assertThat(backend.boxes).isEmpty();
        assertThat(alice.http.sendAsync(alice.request("/healthz").GET().build(),
                java.net.http.HttpResponse.BodyHandlers.discarding())).failsWithin(Duration.ofSeconds(5));
    }

    // ---------------------------------------------------------------- observability

    @Test
    void metricsCountRunsPhasesAndSessions() {
        alice.post("/v1/execute", run("print(1)"));
        alice.post("/v1/sessions", Map.of("language", "python"));
        String m = operator.get("/metrics").text();
        assertThat(m).contains("sandbox_runs_total{kind=\"execute\",language=\"python\",status=\"ok\"} 1.0")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"open\"")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"run\"")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"close\"")
                .contains("sandbox_sessions_active 1.0")
                .contains("sandbox_runs_in_flight 0.0")
                .contains("sandbox_http_requests_seconds_count{method=\"POST\",route=\"/v1/execute\",status=\"200\"}");
    }

    @Test
    void runPhasesArePrometheusHistogramsAndInTheResult() {
        JsonNode r = alice.post("/v1/execute", run("print(1)")).json();
        assertThat(r.get("phases_ms").fieldNames()).toIterable().contains("queue", "acquire", "run");
        r.get("phases_ms").forEach(v -> assertThat(v.isNumber() && v.asDouble() >= 0).as(v.toString()).isTrue());
        String exposition = operator.get("/metrics").text();
        assertThat(exposition).contains("# TYPE sandbox_run_phase_seconds histogram");
        // every series: buckets with ascending bounds and non-decreasing counts, +Inf equal to _count, a _sum
        Map<String, List<double[]>> buckets = new java.util.TreeMap<>();
        Map<String, Double> counts = new java.util.HashMap<>();
        Map<String, Double> sums = new java.util.HashMap<>();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "sandbox_run_phase_seconds_(bucket|count|sum)\\{language=\"(\\w+)\",phase=\"(\\w+)\"(?:,le=\"([^\"]+)\")?} (\\S+)");
        for (String l : exposition.split("\n")) {
            java.util.regex.Matcher m = line.matcher(l);
            if (!m.matches()) {
                continue;
            }
            String series = m.group(2) + "/" + m.group(3);
            double value = Double.parseDouble(m.group(5));
            switch (m.group(1)) {
                case "bucket" -> buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(new double[] {
                        m.group(4).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(4)), value});
                case "count" -> counts.put(series, value);
                default -> sums.put(series, value);
            }
        }
        assertThat(buckets.keySet()).contains("python/queue", "python/acquire", "python/run", "python/teardown");
        buckets.forEach((series, bs) -> {
            assertThat(bs.get(0)[0]).as(series + " first bound").isEqualTo(0.0001);
            for (int i = 1; i < bs.size(); i++) {
                assertThat(bs.get(i)[0]).as(series + " bounds").isGreaterThan(bs.get(i - 1)[0]);
                assertThat(bs.get(i)[1]).as(series + " counts").isGreaterThanOrEqualTo(bs.get(i - 1)[1]);
            }
            assertThat(bs.get(bs.size() - 1)[0]).isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(bs.get(bs.size() - 1)[1]).as(series + " +Inf").isEqualTo(counts.get(series)).isEqualTo(1.0);
            assertThat(sums.get(series)).as(series + " sum").isGreaterThanOrEqualTo(0.0);
        });
    }

    @Test
    void warmPoolSizesAreMetrics() {
        server.close();
        ServerConfig config = ServerConfig.builder().port(0).label("team", "x").build();
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .pool(dev.sandbox4j.PoolConfig.builder("python").minSize(1).runtime(Api.runtime(config)).build())
                .build();
        server = SandboxServer.start(config, client, true);
        TestHttp anyone = new TestHttp(server.uri(), null);
        await().atMost(Duration.ofSeconds(5)).until(() -> anyone.get("/metrics").text()
                .contains("sandbox_pool_ready{language=\"python\"} 1.0"));
        assertThat(anyone.post("/v1/execute", run("print(1)")).json().get("status").asText()).isEqualTo("ok");
        assertThat(anyone.get("/metrics").text()).contains("sandbox_pool_in_use{language=\"python\"}");
    }

    @Test
    void everyRequestIsAuditedWithoutCode() throws Exception {
        String marker = "SECRET_MARKER_" + System.nanoTime();
        alice.post("/v1/execute", run("print('" + marker + "')"));
        alice.as(null).post("/v1/execute", run("print(1)"));
        alice.as(null).get("/healthz");
        alice.post("/v1/execute", Map.of("language", "python", "code", "import os", "policy", "strict"));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.readAllLines(auditLog).stream()
                .filter(l -> l.contains("http_request")).count() >= 4);
        String text = Files.readString(auditLog, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(marker);
        List<JsonNode> http = new ArrayList<>();
        for (String line : Files.readAllLines(auditLog)) {
            JsonNode j = TestHttp.JSON.readTree(line);
            if (j.path("event").asText().equals("http_request")) {
                http.add(j);
            }
        }
        JsonNode first = http.get(0);
        assertThat(first.get("tenant").asText()).isEqualTo("acme");
        assertThat(first.get("key_id").asText()).isEqualTo("alice");
        assertThat(first.get("language").asText()).isEqualTo("python");
        assertThat(first.get("status").asInt()).isEqualTo(200);
        assertThat(first.get("run_status").asText()).isEqualTo("ok");
        assertThat(first.get("session_id").asText()).isNotBlank();
        assertThat(first.has("duration_ms")).isTrue();
        assertThat(http.get(1).get("status").asInt()).isEqualTo(401);
        assertThat(http.get(1).get("problem").asText()).isEqualTo("unauthorized");
        assertThat(http.get(2).get("path").asText()).isEqualTo("/healthz");
        assertThat(http.get(3).get("policy").asText()).isEqualTo("blocked");
        assertThat(http.get(3).get("violations").asInt()).isPositive();
        Set<String> ids = new HashSet<>();
        http.forEach(j -> ids.add(j.get("request_id").asText()));
        assertThat(ids).hasSize(http.size());
    }

    @Test
    void withoutKeysTheServerIsOpenButOnlyOnLoopback() {
        server.close();
        server = start(ServerConfig.builder().host("0.0.0.0"));
        assertThat(server.host()).isEqualTo("127.0.0.1");
        TestHttp anyone = new TestHttp(server.uri(), null);
        TestHttp.Resp r = anyone.post("/v1/sessions", Map.of("language", "python"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(anyone.get("/v1/sessions").json().get("sessions")).hasSize(1);
    }
}
