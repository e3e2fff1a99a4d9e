package dev.sandbox4j.server;

import static dev.sandbox4j.server.EngineSupport.RUN_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.docker.LocalPackages;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The HTTP service over real loopback HTTP against the real Docker engine. */
@Tag("docker")
class ServerIT {
    static final String ALICE = "alice-it-secret-0123456789";
    static final String BOB = "bob-it-secret-0123456789ab";
    static final String OPERATOR = "operator-it-secret-0123456789";

    static Path dir;
    static Path auditLog;
    static SandboxServer server;
    static TestHttp alice;
    static TestHttp bob;

    @BeforeAll
    static void start() throws Exception {
        EngineSupport.requireEngine();
        dir = Files.createTempDirectory("sandbox4j-server-it");
        auditLog = dir.resolve("audit.jsonl");
        server = SandboxServer.start(EngineSupport.config(RUN_ID)
                .apiKey(ApiKey.of("alice", "acme", ALICE))
                .apiKey(ApiKey.of("bob", "globex", BOB))
                .maxConcurrentRuns(6)
                .operatorKey(OPERATOR)
                .sessionCheckInterval(Duration.ofMillis(250))
                .shutdownGrace(Duration.ofSeconds(2))
                .auditLog(auditLog)
                .build());
        alice = new TestHttp(server.uri(), ALICE);
        bob = new TestHttp(server.uri(), BOB);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            EngineSupport.assertNoBoxes(RUN_ID);
        }
    }

    static String newSession(Map<String, Object> body) {
        TestHttp.Resp r = alice.post("/v1/sessions", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().get("session_id").asText();
    }

    static int boxCount() {
        return EngineSupport.boxes(RUN_ID).size();
    }

    // ---------------------------------------------------------------- one-shot runs

    @Test
    void executesPythonAndReturnsPlotsAsImageArtifacts() {
        TestHttp.Resp r = alice.post("/v1/execute", Map.of("language", "python", "code", """
                import matplotlib.pyplot as plt
                plt.plot([1, 2, 3], [1, 4, 9])
                plt.show()
                print('done', input())
                """, "stdin", "in\n", "timeout_ms", 20000));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).as(r.toString()).isEqualTo("ok");
        assertThat(j.get("stdout").asText()).isEqualTo("done in\n");
        JsonNode png = j.get("artifacts").get(0);
        assertThat(png.get("mime_type").asText()).isEqualTo("image/png");
        byte[] bytes = Base64.getDecoder().decode(png.get("content_base64").asText());
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
        assertThat(png.get("size").asInt()).isEqualTo(bytes.length);
    }

    @Test
    void executesJavaScriptWithFilesAndReportsTimeouts() {
        JsonNode js = alice.post("/v1/execute", Map.of("language", "js", "code",
                "console.log(require('fs').readFileSync('in/data.txt', 'utf8').trim())",
                "files", Map.of("in/data.txt", Base64.getEncoder().encodeToString("from a file\n".getBytes())),
                "capture_artifacts", false)).json();
        assertThat(js.get("stdout").asText()).as(js.toString()).isEqualTo("from a file\n");
        JsonNode slow = alice.post("/v1/execute", Map.of("language", "python", "code", "while True: pass",
                "timeout_ms", 1000, "capture_artifacts", false)).json();
        assertThat(slow.get("status").asText()).isEqualTo("timed_out");
        assertThat(slow.get("timed_out").asBoolean()).isTrue();
        assertThat(slow.get("kill_reason").asText()).contains("timed out after 1 s");
    }

    /**
     * Output is streamed as events while the program runs. Shown by causality, not timing: the program prints, then
     * waits until the test, having received that output as an event, signals it through a file; so the first event
     * arrived before the program could end, and an {@code ok} result proves the signal came while it ran.
     */
    @Test
    void streamsOutputWhileTheProgramRuns() throws Exception {
        String go = "s4j-sse-" + RUN_ID.substring(0, 8);
        HttpRequest req = alice.request("/v1/execute").header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.body(
                        Map.of("language", "python", "capture_artifacts", false, "timeout_ms", 180000, "code", """
                                import os, sys, time
                                print('tick', 0, flush=True)
                                for _ in range(1200):  # the test signals once it has the first event; 2 min at most
                                    if os.path.exists('/tmp/%s'):
                                        break
                                    time.sleep(0.1)
                                else:
                                    sys.exit(3)
                                for i in range(1, 3):
                                    print('tick', i, flush=True)
                                print('oops', file=sys.stderr)
                                """.formatted(go))))).build();
        HttpResponse<Stream<String>> res = alice.http.send(req, HttpResponse.BodyHandlers.ofLines());
        assertThat(res.headers().firstValue("Content-Type")).get().asString().startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        boolean signalled = false;
        StringBuilder stdout = new StringBuilder();
        String lastEvent = null;
        String status = null;
        for (String line : (Iterable<String>) res.body()::iterator) {
            if (line.startsWith("event: ")) {
                lastEvent = line.substring(7);
                events.add(lastEvent);
            } else if (line.startsWith("data: ") && "stdout".equals(lastEvent)) {
                stdout.append(TestHttp.JSON.readTree(line.substring(6)).get("text").asText());
                if (!signalled) {
                    EngineSupport.signalBoxes(RUN_ID, go);
                    signalled = true;
                }
            } else if (line.startsWith("data: ") && "result".equals(lastEvent)) {
                status = TestHttp.JSON.readTree(line.substring(6)).get("status").asText();
            }
        }
        assertThat(signalled).as("a stdout event arrived").isTrue();
        assertThat(status).as("the program saw the signal sent after its first event").isEqualTo("ok");
        assertThat(events).contains("stdout", "stderr").endsWith("result");
        assertThat(stdout.toString()).isEqualTo("tick 0\ntick 1\ntick 2\n");
    }

    // ---------------------------------------------------------------- sessions

    @Test
    void sessionEndpoints() {
        String id = newSession(Map.of("language", "python", "timeout_ms", 20000));
        String base = "/v1/sessions/" + id;
        assertThat(alice.get(base).json().get("open").asBoolean()).isTrue();
        assertThat(alice.get("/v1/sessions").json().get("sessions").findValuesAsText("session_id")).contains(id);

        assertThat(alice.put(base + "/files/data/numbers.txt", "1\n2\n3\n".getBytes()).status()).isEqualTo(201);
        JsonNode run = alice.post(base + "/execute", Map.of("code", """
                xs = [int(l) for l in open('data/numbers.txt')]
                open('data/sum.txt', 'w').write(str(sum(xs)))
                print(sum(xs), open('extra.txt').read())
                """, "files", Map.of("extra.txt", Base64.getEncoder().encodeToString("e".getBytes())))).json();
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("ok");
        assertThat(run.get("stdout").asText()).isEqualTo("6 e\n");
        assertThat(run.get("session_id").asText()).isEqualTo(id);

        TestHttp.Resp file = alice.get(base + "/files/data/sum.txt");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.contentType()).startsWith("application/octet-stream");
        assertThat(file.text()).isEqualTo("6");
        assertThat(alice.get(base + "/files/nope.txt").json().get("type").asText()).endsWith("/file-not-found");
        alice.post(base + "/commands", Map.of("command", List.of("truncate", "-s", "40M", "big.bin")));
        TestHttp.Resp big = alice.get(base + "/files/big.bin");
        assertThat(big.status()).as("downloads are capped at max_file_size (32 MiB)").isEqualTo(413);

        JsonNode listing = alice.get(base + "/files?dir=data").json();
        assertThat(listing.get("entries").findValuesAsText("name")).containsExactly("numbers.txt", "sum.txt");
        assertThat(listing.get("entries").get(0).get("type").asText()).isEqualTo("file");
        assertThat(listing.get("entries").get(0).get("size").asInt()).isEqualTo(6);
        assertThat(alice.get(base + "/files").json().get("entries").findValuesAsText("name"))
                .contains("data", "extra.txt");
        assertThat(alice.get(base + "/files?dir=missing").status()).isEqualTo(404);

        JsonNode cmd = alice.post(base + "/commands", Map.of("command", List.of("cat", "data/sum.txt"))).json();
        assertThat(cmd.get("stdout").asText()).isEqualTo("6");
        JsonNode seq = alice.post(base + "/commands", Map.of("commands",
                List.of(List.of("mkdir", "-p", "out"), List.of("ls", "no-such-file"), List.of("echo", "never")))).json();
        assertThat(seq.get("status").asText()).isEqualTo("nonzero_exit");
        assertThat(seq.get("results")).hasSize(2);

        JsonNode reset = alice.post(base + "/reset", Map.of()).json();
        assertThat(reset.get("session_id").asText()).isEqualTo(id);
        assertThat(alice.get(base + "/files/data/sum.txt").text()).as("files survive a reset").isEqualTo("6");

        assertThat(alice.delete(base).status()).isEqualTo(204);
        assertThat(alice.get(base).status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> EngineSupport.boxes(RUN_ID).stream()
                .noneMatch(c -> id.equals(c.getLabels().get("dev.sandbox4j.session"))));
    }

    /** From a Maven repository the test serves itself (no internet needed), through a client configured for it. */
    @Test
    void installsLibrariesIntoASession() {
        ServerConfig config = EngineSupport.config(RUN_ID).apiKey(ApiKey.of("alice", "acme", ALICE)).build();
        try (LocalPackages packages = LocalPackages.start();
                SandboxServer s = SandboxServer.start(config, EngineSupport.client(config)
                        .install(packages.install().build()).build(), true)) {
            TestHttp a = new TestHttp(s.uri(), ALICE);
            String id = a.post("/v1/sessions", Map.of("language", "java")).json().get("session_id").asText();
            TestHttp.Resp bad = a.post("/v1/sessions/" + id + "/install", Map.of("libraries",
                    List.of("--repository=http://evil")));
            assertThat(bad.status()).isEqualTo(400);
            String lib = LocalPackages.MAVEN_JSON;
            TestHttp.Resp r = a.post("/v1/sessions/" + id + "/install", Map.of("libraries", List.of(lib)));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().get("status").asText()).as(r.toString()).isEqualTo("ok");
            JsonNode run = a.post("/v1/sessions/" + id + "/execute", Map.of("code", """
                    import dev.sandbox4j.test.Json;
                    public class Main {
                        public static void main(String[] args) { System.out.println(Json.of("hello", 1)); }
                    }
                    """, "capture_artifacts", false)).json();
            assertThat(run.get("stdout").asText()).as(run.toString()).isEqualTo("{\"hello\":1}\n");
            assertThat(a.get("/v1/sessions/" + id).json().get("installed_libraries").toString()).contains(lib);
            a.delete("/v1/sessions/" + id);
        }
    }

    @Test
    void statefulSessionsKeepVariablesAndShowValues() {
        String id = newSession(Map.of("language", "python", "stateful", true));
        alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "x = 41"));
        JsonNode r = alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "x + 1")).json();
        assertThat(r.at("/cell/value/text~1plain").asText()).as(r.toString()).isEqualTo("42");
        assertThat(r.at("/cell/execution_count").asInt()).isEqualTo(2);
        alice.post("/v1/sessions/" + id + "/reset", Map.of());
        JsonNode gone = alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "x")).json();
        assertThat(gone.at("/cell/error/name").asText()).isEqualTo("NameError");
        alice.delete("/v1/sessions/" + id);
    }

    // ---------------------------------------------------------------- auth, tenancy, bad input

    @Test
    void keysAndTenants() {
        String id = newSession(Map.of("language", "python"));
        TestHttp.Resp none = alice.as(null).post("/v1/execute", Map.of("language", "python", "code", "print(1)"));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        TestHttp.Resp other = bob.post("/v1/sessions/" + id + "/execute", Map.of("code", "print(1)"));
        assertThat(other.status()).isEqualTo(404);
        assertThat(bob.delete("/v1/sessions/" + id).status()).isEqualTo(404);
        assertThat(bob.get("/v1/sessions/" + id + "/files?dir=.").status()).isEqualTo(404);
        assertThat(alice.get("/v1/sessions/" + id).json().get("open").asBoolean()).isTrue();
        alice.delete("/v1/sessions/" + id);
    }

    @Test
    void badInputIs4xxAndChangesNothing() {
        String id = newSession(Map.of("language", "python"));
        String base = "/v1/sessions/" + id;
        alice.put(base + "/files/keep.txt", "original".getBytes());
        int boxes = boxCount();
        String listing = alice.get(base + "/files").json().get("entries").toString();

        byte[] twentyMb = new byte[20 * 1024 * 1024];
        Arrays.fill(twentyMb, (byte) ' ');
        twentyMb[0] = '{';
        twentyMb[twentyMb.length - 1] = '}';
        List<TestHttp.Resp> responses = List.of(
                alice.postRaw("/v1/execute", "{\"language\":\"python\",\"code\":".getBytes(), "application/json"),
                alice.post("/v1/execute", Map.of("language", "cobol", "code", "DISPLAY 'HI'.")),
                alice.postRaw("/v1/execute", twentyMb, "application/json"),
                alice.post("/v1/execute", Map.of("language", "python", "code", "print(1)", "timeout_ms", -1)),
                alice.post("/v1/execute", Map.of("language", "python", "code", "print(1)",
                        "files", Map.of("../../../etc/cron.d/x", "aGk="))),
                alice.post(base + "/execute", Map.of("code", "print(1)", "files", Map.of("/etc/passwd", "aGk="))),
                alice.put(base + "/files/%2E%2E/%2E%2E/etc/passwd", "x".getBytes()),
                alice.put(base + "/files/..%2Fkeep.txt", "x".getBytes()),
                alice.put(base + "/files/%2Fetc%2Fpasswd", "x".getBytes()),
                alice.get(base + "/files?dir=/etc"),
                alice.post(base + "/commands", Map.of("command", List.of("ls"), "workdir", "../../")));
        for (TestHttp.Resp r : responses) {
            assertThat(r.status()).as(r.toString()).isBetween(400, 499);
            assertThat(r.contentType()).as(r.toString()).startsWith("application/problem+json");
            assertThat(r.json().get("detail").asText()).isNotBlank();
        }
        assertThat(responses.get(2).status()).isEqualTo(413);
        assertThat(boxCount()).as("no box created or removed").isEqualTo(boxes);
        assertThat(alice.get(base + "/files").json().get("entries").toString()).isEqualTo(listing);
        assertThat(alice.get(base + "/files/keep.txt").text()).isEqualTo("original");
        alice.delete(base);
    }

    // ---------------------------------------------------------------- lifecycle

    @Test
    @SuppressWarnings("try") // the sockets are only held open, then closed: that is the hang-up
    void aClientHangingUpCancelsItsRun() throws Exception {
        int before = boxCount();
        byte[] body = TestHttp.body(Map.of("language", "python", "code", "import time\ntime.sleep(120)",
                "timeout_ms", 120000, "capture_artifacts", false));
        try (Socket s = rawPost("/v1/execute", body)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> boxCount() == before + 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> runsInFlight() == 1);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> boxCount() == before);
        await().atMost(Duration.ofSeconds(30)).until(() -> runsInFlight() == 0);

        String id = newSession(Map.of("language", "python"));
        try (Socket s = rawPost("/v1/sessions/" + id + "/execute", TestHttp.body(Map.of(
                "code", "import time\ntime.sleep(120)", "timeout_ms", 120000)))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> runsInFlight() == 1);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> runsInFlight() == 0);
        long t0 = System.nanoTime();
        JsonNode next = alice.post("/v1/sessions/" + id + "/execute", Map.of("code", "print('next')")).json();
        assertThat(next.get("stdout").asText()).as(next.toString()).isEqualTo("next\n");
        // a deadline, not a speed claim: a run still holding the session would end only at its 120 s timeout
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the cancelled run no longer holds the session")
                .isLessThan(Duration.ofSeconds(60));
        alice.delete("/v1/sessions/" + id);
        await().atMost(Duration.ofSeconds(10)).until(() -> auditLines().stream()
                .anyMatch(l -> l.contains("\"cancelled\":true") && l.contains("/execute")));
    }

    static Socket rawPost(String path, byte[] body) throws Exception {
        Socket s = new Socket(server.uri().getHost(), server.port());
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ALICE
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    static int runsInFlight() {
        return alice.as(OPERATOR).get("/readyz").json().get("runs_in_flight").asInt();
    }

    @Test
    void idleSessionsExpireAndTheirBoxesAreRemoved() {
        String id = newSession(Map.of("language", "python", "idle_timeout_s", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.get("/v1/sessions/" + id).status() == 404);
        await().atMost(Duration.ofSeconds(10)).until(() -> EngineSupport.boxes(RUN_ID).stream()
                .noneMatch(c -> id.equals(c.getLabels().get("dev.sandbox4j.session"))));
    }

    @Test
    void sessionsEndAtTheirMaximumLifetime() {
        try (SandboxServer short1 = SandboxServer.start(EngineSupport.config(RUN_ID)
                .maxSessionLifetime(Duration.ofSeconds(3)).sessionCheckInterval(Duration.ofMillis(250)).build())) {
            TestHttp anyone = new TestHttp(short1.uri(), null);
            String id = anyone.post("/v1/sessions", Map.of("language", "python")).json().get("session_id").asText();
            assertThat(anyone.post("/v1/sessions/" + id + "/execute", Map.of("code", "print(1)")).status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(15)).until(() -> anyone.get("/v1/sessions/" + id).status() == 404);
            await().atMost(Duration.ofSeconds(10)).until(() -> EngineSupport.boxes(RUN_ID).stream()
                    .noneMatch(c -> id.equals(c.getLabels().get("dev.sandbox4j.session"))));
        }
    }

    @Test
    void oneShotRunsTakeBoxesFromTheWarmPool() {
        String runId = RUN_ID + "-pool";
        try (SandboxServer s = SandboxServer.start(EngineSupport.config(runId).pool("python", 1).build())) {
            TestHttp anyone = new TestHttp(s.uri(), null);
            await().atMost(Duration.ofSeconds(30)).until(() -> anyone.get("/metrics").text()
                    .contains("sandbox_pool_ready{language=\"python\"} 1.0"));
            JsonNode r = anyone.post("/v1/execute", Map.of("language", "python", "code", "print(7)",
                    "capture_artifacts", false)).json();
            assertThat(r.get("stdout").asText()).as(r.toString()).isEqualTo("7\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> anyone.get("/metrics").text()
                    .contains("sandbox_pool_ready{language=\"python\"} 1.0"));
        }
        EngineSupport.assertNoBoxes(runId);
    }

    @Test
    void gracefulShutdownRemovesEveryBoxOfTheServer() {
        String runId = RUN_ID + "-shutdown";
        SandboxServer s = SandboxServer.start(EngineSupport.config(runId).build());
        TestHttp anyone = new TestHttp(s.uri(), null);
        anyone.post("/v1/sessions", Map.of("language", "python"));
        anyone.post("/v1/sessions", Map.of("language", "javascript", "stateful", false));
        assertThat(EngineSupport.boxes(runId)).hasSize(2);
        s.close();
        EngineSupport.assertNoBoxes(runId);
    }

    // ---------------------------------------------------------------- load, metrics, audit

    @Test
    void boundedLoadSeesOnly200And429AndLeavesNoBox() throws Exception {
        String runId = RUN_ID + "-load";
        int limit = 2;
        int clients = 4 * limit;
        int perClient = 3;
        // 2 run, 2 wait for a slot, the rest of a burst gets 429 at once
        try (SandboxServer s = SandboxServer.start(EngineSupport.config(runId).maxConcurrentRuns(limit)
                        .runQueue(limit).build());
                ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            TestHttp anyone = new TestHttp(s.uri(), null);
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            Set<String> retryAfter = ConcurrentHashMap.newKeySet();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        TestHttp.Resp r = anyone.post("/v1/execute", Map.of("language", "python",
                                "code", "print(sum(range(1000)))", "capture_artifacts", false));
                        statuses.merge(r.status(), 1, Integer::sum);
                        if (r.status() == 429) {
                            r.header("Retry-After").ifPresent(retryAfter::add);
                        } else if (r.status() == 200) {
                            assertThat(r.json().get("stdout").asText()).isEqualTo("499500\n");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(3, TimeUnit.MINUTES);
            }
            System.out.println("[load] " + clients + " clients x " + perClient + " requests, limit " + limit
                    + ": statuses " + statuses);
            assertThat(statuses.keySet()).containsOnly(200, 429).contains(200, 429);
            assertThat(statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(clients * perClient);
            assertThat(retryAfter).containsExactly("1");
            assertThat(anyone.get("/metrics").text()).contains("sandbox_requests_rejected_total{reason=\"too_many_runs\"}");
        }
        EngineSupport.assertNoBoxes(runId);
    }

    @Test
    void metricsAndAuditLog() throws Exception {
        String marker = "MARKER_" + System.nanoTime();
        alice.post("/v1/execute", Map.of("language", "python", "code", "print('" + marker + "')",
                "capture_artifacts", false));
        alice.post("/v1/execute", Map.of("language", "python", "code", "import subprocess", "policy", "strict"));
        String id = newSession(Map.of("language", "python"));
        String m = alice.as(OPERATOR).get("/metrics").text();
        assertThat(m).contains("sandbox_runs_total{kind=\"execute\",language=\"python\",status=\"ok\"}")
                .contains("sandbox_runs_total{kind=\"execute\",language=\"python\",status=\"blocked_by_policy\"}")
                .contains("sandbox_policy_blocks_total{language=\"python\"}")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"open\"")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"run\"")
                .contains("sandbox_phase_seconds_bucket{language=\"python\",phase=\"close\"")
                .containsPattern("sandbox_sessions_active [1-9]")
                .contains("sandbox_runs_in_flight 0.0");
        alice.delete("/v1/sessions/" + id);
        await().atMost(Duration.ofSeconds(30)).until(() -> auditLines().stream().anyMatch(l -> l.contains(id)
                && l.contains("\"DELETE\"")));
        List<String> lines = auditLines();
        assertThat(lines).anyMatch(l -> l.contains("\"event\":\"http_request\"") && l.contains("\"tenant\":\"acme\"")
                && l.contains("\"run_status\":\"ok\""));
        assertThat(lines).anyMatch(l -> l.contains("\"policy\":\"blocked\""));
        assertThat(lines).as("the library's events are in the same log")
                .anyMatch(l -> l.contains("\"event\":\"session_opened\"") && l.contains("acme/alice"));
        assertThat(lines).as("code and output never reach the audit log").noneMatch(l -> l.contains(marker));
    }

    static List<String> auditLines() throws Exception {
        return Files.readAllLines(auditLog);
    }

    // ---------------------------------------------------------------- benchmark

    /** Prints the latency the HTTP layer adds to a library call (no timing assertion). */
    @Test
    @Tag("benchmark") // prints figures; run with -Dgroups=benchmark -DexcludedGroups=
    void benchmarkAddedLatency() throws Exception {
        int warmup = 200;
        int n = 100;
        try (SandboxClient direct = SandboxClient.builder().backend("docker").reapOrphans(false)
                .eventListener(dev.sandbox4j.SandboxEventListener.NONE).build();
                SandboxSession session = direct.openSession("python", SessionOptions.builder().stateful(true)
                        .runtime(RuntimeConfig.builder().label(EngineSupport.RUN_LABEL, RUN_ID).build()).build())) {
            String id = newSession(Map.of("language", "python", "stateful", true));
            String path = "/v1/sessions/" + id + "/execute";
            Map<String, Object> body = Map.of("code", "1 + 1");
            byte[] json = TestHttp.body(body);
            long[] lib = new long[n];
            long[] raw = new long[n];
            long[] http = new long[n];
            try (RawHttp client = new RawHttp(server.uri(), ALICE)) {
                for (int i = 0; i < warmup; i++) { // JIT warm-up of both paths
                    assertThat(client.post(path, json)).isEqualTo(200);
                    assertThat(session.run("1 + 1", RunOptions.defaults()).isOk()).isTrue();
                    if (i % 10 == 0) {
                        alice.post(path, body);
                    }
                }
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    ExecutionResult r = session.run("1 + 1", RunOptions.defaults());
                    long t1 = System.nanoTime();
                    int status = client.post(path, json);
                    long t2 = System.nanoTime();
                    TestHttp.Resp h = alice.post(path, body);
                    long t3 = System.nanoTime();
                    assertThat(r.isOk()).isTrue();
                    assertThat(status).isEqualTo(200);
                    assertThat(h.status()).isEqualTo(200);
                    lib[i] = t1 - t0;
                    raw[i] = t2 - t1;
                    http[i] = t3 - t2;
                }
            }
            long[] diff = new long[n];
            long[] diffHttp = new long[n];
            for (int i = 0; i < n; i++) {
                diff[i] = raw[i] - lib[i];
                diffHttp[i] = http[i] - lib[i];
            }
            print("stateful python run '1 + 1' (n=" + n + ", plain HTTP/1.1 keep-alive client)", lib, raw, diff);
            print("stateful python run '1 + 1' (n=" + n + ", java.net.http client)", lib, http, diffHttp);

            int m = 8;
            long[] lib1 = new long[m];
            long[] http1 = new long[m];
            Map<String, Object> oneShot = Map.of("language", "python", "code", "print(1)", "capture_artifacts", false);
            SessionOptions opts = SessionOptions.builder()
                    .runtime(RuntimeConfig.builder().label(EngineSupport.RUN_LABEL, RUN_ID).build()).build();
            for (int i = 0; i < m + 2; i++) {
                long t0 = System.nanoTime();
                direct.run("python", "print(1)", opts, RunOptions.defaults());
                long t1 = System.nanoTime();
                alice.post("/v1/execute", oneShot);
                long t2 = System.nanoTime();
                if (i >= 2) {
                    lib1[i - 2] = t1 - t0;
                    http1[i - 2] = t2 - t1;
                }
            }
            long[] diff1 = new long[m];
            for (int i = 0; i < m; i++) {
                diff1[i] = http1[i] - lib1[i];
            }
            print("one-shot python 'print(1)' (n=" + m + ")", lib1, http1, diff1);
            alice.delete("/v1/sessions/" + id);
        }
    }

    static void print(String what, long[] lib, long[] http, long[] diff) {
        System.out.printf("[bench] %s: library median %.2f ms p95 %.2f ms; via HTTP median %.2f ms p95 %.2f ms;"
                + " difference median %.2f ms p95 %.2f ms%n", what, ms(pct(lib, 50)), ms(pct(lib, 95)),
                ms(pct(http, 50)), ms(pct(http, 95)), ms(pct(diff, 50)), ms(pct(diff, 95)));
    }

    static long pct(long[] xs, int p) {
        long[] s = xs.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
