package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 4, through the REST API against the real engine: the program makes symbolic links out of its
 * work directory; GET and PUT of files and the directory listing refuse to follow them (400 invalid-path), links that
 * stay inside keep working.
 */
@Tag("docker")
@Tag("hostile")
class FileLinksIT {
    static final String KEY = "links-it-secret-0123456789";
    static final String RUN_ID = dev.sandbox4j.tck.EngineCheck.newRunId();
    static SandboxServer server;
    static TestHttp http;

    @BeforeAll
    static void start() {
        EngineSupport.requireEngine();
        server = SandboxServer.start(EngineSupport.config(RUN_ID).apiKey(ApiKey.of("links", "acme", KEY)).build());
        http = new TestHttp(server.uri(), KEY);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            EngineSupport.assertNoBoxes(RUN_ID);
        }
    }

    @Test
    void filesEndpointsDoNotFollowLinksOutOfTheBox() {
        TestHttp.Resp created = http.post("/v1/sessions", Map.of("language", "python"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String base = "/v1/sessions/" + created.json().get("session_id").asText();
        JsonNode made = http.post(base + "/execute", Map.of("code", """
                import os
                for target, link in [('/etc/passwd', 'passwd'), ('/proc/self/environ', 'environ'),
                                     ('/proc/1/mountinfo', 'mountinfo'), ('/etc', 'etc'),
                                     ('/dev/shm/pwned', '/tmp/out'), ('/dev/shm', 'shm'), ('/tmp', 'tmplink'),
                                     ('/', 'root')]:
                    os.symlink(target, link)
                open('/tmp/ok.txt', 'w').write('fine')
                print('made')
                """)).json();
        assertThat(made.get("stdout").asText()).as(made.toString()).isEqualTo("made\n");

        for (String path : List.of("passwd", "environ", "mountinfo", "etc/passwd")) {
            TestHttp.Resp r = http.get(base + "/files/" + path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(400);
            assertThat(r.json().get("type").asText()).endsWith("/invalid-path");
            assertThat(r.json().get("detail").asText()).contains("outside the box's writable directories");
        }
        for (String path : List.of("%2Ftmp%2Fout", "shm/pwned")) {
            TestHttp.Resp r = http.put(base + "/files/" + path, "pwned".getBytes());
            assertThat(r.status()).as(path + ": " + r).isEqualTo(400);
            assertThat(r.json().get("type").asText()).endsWith("/invalid-path");
        }
        TestHttp.Resp list = http.get(base + "/files?dir=root/etc");
        assertThat(list.status()).as(list.toString()).isEqualTo(400);
        assertThat(list.json().get("type").asText()).endsWith("/invalid-path");
        assertThat(list.json().get("detail").asText()).contains("to '/etc'").doesNotContain("passwd");
        assertThat(http.get(base + "/files?dir=etc").status()).isEqualTo(400); // a link itself is not listed

        TestHttp.Resp ok = http.get(base + "/files/tmplink/ok.txt");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.text()).isEqualTo("fine");
        JsonNode check = http.post(base + "/commands", Map.of("command",
                List.of("sh", "-c", "ls /dev/shm/pwned 2>/dev/null || echo absent"))).json();
        assertThat(check.get("stdout").asText()).isEqualTo("absent\n");
        http.delete(base);
    }
}
