package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as its own process (a child JVM running {@link ServerMain} from the test class path): killed with
 * SIGKILL in the middle of runs, its boxes are orphans; the next server process removes them before it listens. A
 * SIGTERM is a graceful shutdown that removes the boxes itself.
 */
@Tag("docker")
class CrashRecoveryIT {
    static final String RUN_ID = EngineSupport.RUN_ID + "-crash";

    @TempDir
    Path dir;
    Process child;

    @BeforeAll
    static void engine() {
        EngineSupport.requireEngine();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroy();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        int left = EngineSupport.removeBoxes(RUN_ID); // never leave boxes behind, even when the test failed
        assertThat(left).as("boxes left behind by run %s", RUN_ID).isZero();
    }

    /** Starts a server process and returns its base URI once it listens. */
    URI startChild(String name) throws Exception {
        Path config = dir.resolve("server.yaml");
        Files.writeString(config, "port: 0\nlabels: {\"" + EngineSupport.RUN_LABEL + "\": \"" + RUN_ID + "\"}\n"
                + "shutdown_grace: 1s\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", ServerMain.class.getName(), "--config",
                config.toString());
        pb.redirectError(dir.resolve(name + ".log").toFile());
        child = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process p = child;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("stdout failed: " + e);
            }
        });
        String line = lines.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("server process %s did not start; its log: %s", name,
                Files.exists(dir.resolve(name + ".log")) ? Files.readString(dir.resolve(name + ".log")) : "")
                .isNotNull().startsWith("listening on ");
        return URI.create(line.substring("listening on ".length()));
    }

    @Test
    void boxesOrphanedByAKilledServerAreRemovedByTheNextOne() throws Exception {
        TestHttp first = new TestHttp(startChild("first"), null);
        String session = first.post("/v1/sessions", Map.of("language", "python")).json().get("session_id").asText();
        CompletableFuture<?> oneShot = CompletableFuture.runAsync(() -> {
            try {
                first.post("/v1/execute", Map.of("language", "python", "code", "import time\ntime.sleep(120)",
                        "timeout_ms", 120000, "capture_artifacts", false));
            } catch (RuntimeException expected) {
                // the server dies under it
            }
        });
        CompletableFuture<?> inSession = CompletableFuture.runAsync(() -> {
            try {
                first.post("/v1/sessions/" + session + "/execute", Map.of("code", "import time\ntime.sleep(120)",
                        "timeout_ms", 120000));
            } catch (RuntimeException expected) {
                // the server dies under it
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> EngineSupport.boxes(RUN_ID).size() == 2
                && first.get("/readyz").json().get("runs_in_flight").asInt() == 2);

        child.destroyForcibly(); // SIGKILL: no shutdown hook, nothing cleaned up
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        oneShot.handle((v, e) -> null).get(30, TimeUnit.SECONDS);
        inSession.handle((v, e) -> null).get(30, TimeUnit.SECONDS);
        List<Container> orphans = EngineSupport.boxes(RUN_ID);
        assertThat(orphans).as("the killed server's boxes are still there").hasSize(2);

        TestHttp second = new TestHttp(startChild("second"), null);
        assertThat(EngineSupport.boxes(RUN_ID)).as("removed before the new server listens").isEmpty();
        assertThat(Files.readString(dir.resolve("second.log"))).contains("removed 2 box(es) orphaned");
        assertThat(second.get("/v1/sessions/" + session).status()).isEqualTo(404);
        assertThat(second.get("/readyz").status()).isEqualTo(200);

        // SIGTERM: a graceful shutdown removes the boxes of the sessions still open
        second.post("/v1/sessions", Map.of("language", "python"));
        assertThat(EngineSupport.boxes(RUN_ID)).hasSize(1);
        child.destroy();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        EngineSupport.assertNoBoxes(RUN_ID);
        assertThat(Files.readString(dir.resolve("second.log"))).contains("Stopped: closed 1 session(s)");
    }
}
