package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, findings 3, 5 and 6, against the server over real loopback sockets (the engine is the in-memory fake): a
 * request's regex, slow and lying clients, a greedy tenant and anonymous readers of the operator's endpoints.
 *
 * <p>Deadlines are configured small (1 s) and asserted with generous bounds (15 s of socket timeout): a server that
 * never closes the connection fails, a slow machine does not.
 */
@Tag("hostile")
class ServiceHostileTest {
    static final String ALICE = "alice-secret-0123456789";
    static final String BOB = "bob-secret-0123456789abc";
    static final String OPERATOR = "operator-secret-0123456789";
    /** How long a test waits for the server to close a connection or answer; far above every configured deadline. */
    static final int GENEROUS_MS = 15_000;

    final FakeBackend backend = new FakeBackend();
    final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
    final List<Socket> sockets = new ArrayList<>();
    SandboxServer server;

    SandboxServer start(ServerConfig.Builder config) {
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.exit(0, "hi\n", "")
                : Behaviour.exit(0, "", "");
        SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
        server = SandboxServer.start(config.port(0).apiKey(ApiKey.of("alice", "acme", ALICE))
                .apiKey(ApiKey.of("bob", "globex", BOB)).build(), client, true);
        return server;
    }

    @AfterEach
    void stop() throws IOException {
        drip.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(GENEROUS_MS);
        sockets.add(s);
        return s;
    }

    Socket connect() throws IOException {
        return connect(server.port());
    }

    /** Sends one byte every {@code everyMs} until the socket fails. */
    void dribble(Socket s, int everyMs) {
        drip.scheduleAtFixedRate(() -> {
            try {
                s.getOutputStream().write('a');
                s.getOutputStream().flush();
            } catch (IOException e) {
                throw new IllegalStateException("closed", e); // ends this task
            }
        }, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Whether the server closed the connection (end of stream or reset) before the socket timeout. */
    static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // whatever it sent first; we wait for the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    record Response(int status, Map<String, String> headers, String body) {}

    /** Reads one HTTP/1.1 response with a Content-Length. */
    static Response read(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String status = line(in);
        Map<String, String> headers = new java.util.HashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new Response(Integer.parseInt(status.split(" ")[1]), headers,
                new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- finding 3: a request's own regex

    @Test
    void aCatastrophicRegexInARequestPolicyDoesNotHoldTheServer() {
        start(ServerConfig.builder());
        TestHttp alice = new TestHttp(server.uri(), ALICE);
        Map<String, Object> request = Map.of("language", "python", "code", "a".repeat(20_000) + " = 1",
                "capture_artifacts", false, "policy", Map.of("patterns", List.of(Map.of("id", "no-ab",
                        "regex", "a.*a.*a.*a.*b", "severity", "high"))));
        // on java.util.regex this backtracks for ages (16 s for 200 characters); the bound only has to catch that
        TestHttp.Resp r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> alice.post("/v1/execute", request));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }

    // ---------------------------------------------------------------- finding 5: slow and lying clients

    @Test
    void aConnectionDribblingItsHeaderIsClosedByTheHeaderDeadline() throws Exception {
        start(ServerConfig.builder().requestHeaderTimeout(Duration.ofSeconds(1)));
        Socket s = connect();
        send(s, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
        dribble(s, 200); // a byte every 200 ms would keep an idle timeout from ever firing
        assertThat(closedByServer(s)).as("closed by request_header_timeout (1 s)").isTrue();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedButAnswersFirst() throws Exception {
        start(ServerConfig.builder().requestHeaderTimeout(Duration.ofSeconds(1)));
        Socket s = connect();
        send(s, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(read(s).status()).isEqualTo(200);
        assertThat(closedByServer(s)).as("closed 1 s after the response").isTrue();
    }

    @Test
    void aConnectionDribblingItsBodyIsClosedByTheBodyDeadline() throws Exception {
        start(ServerConfig.builder().requestBodyTimeout(Duration.ofSeconds(1)));
        Socket s = connect();
        send(s, "POST /v1/execute HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ALICE
                + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"language\"");
        dribble(s, 200);
        assertThat(closedByServer(s)).as("closed by request_body_timeout (1 s)").isTrue();
    }

    @Test
    void aBodyArrivingBelowTheMinimumRateIsCut() throws Exception {
        start(ServerConfig.builder().minRequestDataRate(DataSize.ofBytes(1000)));
        Socket s = connect();
        send(s, "POST /v1/execute HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ALICE
                + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
        dribble(s, 100); // 10 bytes per second, 1 % of the minimum; the body deadline (2 min) is far off
        assertThat(closedByServer(s)).as("closed by min_request_data_rate after its 5 s of grace").isTrue();
    }

    @Test
    void aHugeDeclaredBodyGets413AtOnce() throws Exception {
        start(ServerConfig.builder());
        for (String path : List.of("/v1/execute", "/v1/sessions/x/files/a.bin", SandboxServer.MCP_PATH)) {
            Socket s = connect();
            send(s, (path.contains("files") ? "PUT " : "POST ") + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + ALICE + "\r\nContent-Type: application/json\r\n"
                    + "Accept: application/json, text/event-stream\r\nContent-Length: 99999999999\r\n\r\n");
            Response r = read(s); // nothing of the body is ever sent: the answer must not wait for it
            assertThat(r.status()).as(path + ": " + r).isEqualTo(413);
            assertThat(r.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(r.headers().get("connection")).isEqualTo("close");
            assertThat(r.body()).contains("99999999999");
            assertThat(closedByServer(s)).isTrue();
        }
    }

    @Test
    void connectionsBeyondTheLimitPerAddressAreClosed() throws Exception {
        start(ServerConfig.builder().maxConnectionsPerAddress(3));
        List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = connect();
            send(s, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(read(s).status()).isEqualTo(200); // open and counted before the next one
            open.add(s);
        }
        Socket fourth = connect();
        assertThat(closedByServer(fourth)).as("the 4th connection from 127.0.0.1").isTrue();
        send(open.get(0), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(read(open.get(0)).status()).as("the first three still work").isEqualTo(200);
        open.get(1).close();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Socket again = connect();
            send(again, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            try {
                return read(again).status() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    // ---------------------------------------------------------------- finding 6: fairness, operator endpoints

    @Test
    void oneTenantCannotTakeEveryRunSlot() throws Exception {
        start(ServerConfig.builder().maxConcurrentRuns(4).shutdownGrace(Duration.ZERO));
        backend.behaviour = r -> r.argv().contains("python3") ? Behaviour.hang("") : Behaviour.exit(0, "", "");
        TestHttp alice = new TestHttp(server.uri(), ALICE);
        TestHttp bob = new TestHttp(server.uri(), BOB);
        Map<String, Object> hang = Map.of("language", "python", "code", "hang", "timeout_ms", 60_000,
                "capture_artifacts", false);
        List<CompletableFuture<TestHttp.Resp>> running = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            running.add(CompletableFuture.supplyAsync(() -> alice.post("/v1/execute", hang)));
            int n = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.boxes.size() == n);
        }
        // alice holds 3 of 4: her share (2) and one borrowed slot; the last one is kept for another tenant
        TestHttp.Resp greedy = alice.post("/v1/execute", hang);
        assertThat(greedy.status()).as(greedy.toString()).isEqualTo(429);
        assertThat(greedy.json().get("detail").asText()).contains("tenant 'acme'", "fair share (2 of the server's 4)");
        assertThat(greedy.header("Retry-After")).isPresent();
        running.add(CompletableFuture.supplyAsync(() -> bob.post("/v1/execute", hang)));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.boxes.size() == 4);
        assertThat(running).noneMatch(f -> f.isDone() && f.join().status() == 429);
    }

    @Test
    void metricsAndReadinessNeedTheOperatorKey() {
        start(ServerConfig.builder().operatorKey(OPERATOR));
        for (String path : List.of("/metrics", "/readyz")) {
            for (String key : new String[] {null, ALICE, "wrong-key-0123456789abcdef"}) {
                TestHttp.Resp r = new TestHttp(server.uri(), key).get(path);
                assertThat(r.status()).as(path + " with " + key).isEqualTo(401);
                assertThat(r.json().get("type").asText()).endsWith("/unauthorized");
            }
            assertThat(new TestHttp(server.uri(), OPERATOR).get(path).status()).isEqualTo(200);
        }
        assertThat(new TestHttp(server.uri(), null).get("/healthz").status()).as("liveness stays open").isEqualTo(200);
        assertThat(new TestHttp(server.uri(), OPERATOR).get("/v1/languages").status())
                .as("the operator key is not an API key").isEqualTo(401);
    }

    @Test
    void withoutAnOperatorKeyTheyAreClosedUnlessOpenedOnPurpose() {
        start(ServerConfig.builder());
        TestHttp.Resp closed = new TestHttp(server.uri(), ALICE).get("/metrics");
        assertThat(closed.status()).isEqualTo(401);
        assertThat(closed.json().get("detail").asText()).contains("operator_key", "open_operator_endpoints");
        server.close();
        start(ServerConfig.builder().openOperatorEndpoints(true));
        assertThat(new TestHttp(server.uri(), null).get("/metrics").status()).isEqualTo(200);
        assertThat(new TestHttp(server.uri(), null).get("/readyz").status()).isEqualTo(200);
    }

    @Test
    void theOperatorListenerServesOnlyTheOperatorEndpointsWithoutAKey() {
        start(ServerConfig.builder().operatorPort(0));
        assertThat(server.operatorPort()).isPositive().isNotEqualTo(server.port());
        TestHttp ops = new TestHttp(URI.create("http://127.0.0.1:" + server.operatorPort()), null);
        assertThat(ops.get("/metrics").status()).isEqualTo(200);
        JsonNode ready = ops.get("/readyz").json();
        assertThat(ready.get("status").asText()).isEqualTo("ready");
        assertThat(ops.get("/healthz").status()).isEqualTo(200);
        assertThat(ops.as(ALICE).get("/v1/languages").status()).as("no API there").isEqualTo(404);
        assertThat(ops.as(ALICE).post(SandboxServer.MCP_PATH, Map.of()).status()).as("no MCP there").isEqualTo(404);
        assertThat(new TestHttp(server.uri(), null).get("/metrics").status()).as("main port").isEqualTo(401);
    }
}
