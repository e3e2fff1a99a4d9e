package dev.sandbox4j.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.EngineCheck;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 4, through the tools (the MCP server's, LangChain4j's and Spring AI's front door): the program
 * makes symbolic links out of its work directory, and read_file, write_file and list_files refuse to follow them,
 * as errors the model can read.
 */
@Tag("docker")
@Tag("hostile")
class FileLinksToolsIT {
    static final String RUN_ID = EngineCheck.newRunId();
    static SandboxClient client;
    static SandboxTools tools;

    @BeforeAll
    static void start() {
        client = EngineCheck.clientBuilder("docker").build();
        tools = SandboxTools.builder(client)
                .sessionOptions(SessionOptions.builder()
                        .runtime(RuntimeConfig.builder().label(EngineCheck.RUN_LABEL, RUN_ID).build()).build())
                .build();
    }

    @AfterAll
    static void stop() {
        if (tools != null) {
            tools.close();
            client.close();
            EngineCheck.assertNoBoxesLeft("docker", RUN_ID);
        }
    }

    @Test
    void linksOutOfTheBoxAreNotFollowed() {
        tools.call("links", "create_session", Map.of("language", "python", "stateful", false, "session_id", "l"));
        ToolResult made = tools.call("links", "execute_code", Map.of("session_id", "l", "code", """
                import os
                os.symlink('/etc/passwd', 'passwd')
                os.symlink('/proc/self/environ', 'environ')
                os.symlink('/etc', 'etc')
                os.symlink('/dev/shm/pwned', '/tmp/out')
                os.symlink('/dev/shm', 'shm')
                os.symlink('/tmp', 'tmplink')
                os.symlink('/', 'root')
                open('/tmp/ok.txt', 'w').write('fine')
                print('made')
                """));
        assertThat(made.text()).as(made.text()).contains("made");
        for (String path : new String[] {"passwd", "environ", "etc/passwd"}) {
            ToolResult r = tools.call("links", "read_file", Map.of("session_id", "l", "path", path));
            assertThat(r.isError()).as(path + ": " + r.text()).isTrue();
            assertThat(r.text()).contains("outside the box's writable directories").doesNotContain("root:");
        }
        for (String path : new String[] {"/tmp/out", "shm/pwned"}) {
            ToolResult w = tools.call("links", "write_file", Map.of("session_id", "l", "path", path,
                    "content", "pwned"));
            assertThat(w.isError()).as(path + ": " + w.text()).isTrue();
            assertThat(w.text()).contains("outside the box's writable directories");
        }
        for (String dir : new String[] {"etc", "root/etc", "tmplink"}) {
            ToolResult list = tools.call("links", "list_files", Map.of("session_id", "l", "path", dir));
            assertThat(list.isError()).as(list.text()).isTrue();
            assertThat(list.text()).contains("Cannot list '" + dir + "'").doesNotContain("passwd", "ok.txt");
        }
        ToolResult outside = tools.call("links", "list_files", Map.of("session_id", "l", "path", "root/etc"));
        assertThat(outside.text()).as("a directory reached through a link").contains("to '/etc'");
        ToolResult listing = tools.call("links", "list_files", Map.of("session_id", "l"));
        assertThat(listing.text()).as("links are reported, not followed").contains("etc -> /etc", "root -> /");
        // a link that stays inside still works
        ToolResult ok = tools.call("links", "read_file", Map.of("session_id", "l", "path", "tmplink/ok.txt"));
        assertThat(ok.isError()).as(ok.text()).isFalse();
        assertThat(ok.structured()).containsEntry("content", "fine");
        ToolResult check = tools.call("links", "execute_code", Map.of("session_id", "l",
                "code", "import os\nprint('exists' if os.path.exists('/dev/shm/pwned') else 'absent')"));
        assertThat(check.text()).contains("absent");
        tools.closeScope("links");
    }
}
