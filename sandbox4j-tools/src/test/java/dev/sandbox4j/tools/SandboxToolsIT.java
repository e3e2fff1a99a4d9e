package dev.sandbox4j.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.EngineCheck;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The tool layer against the real Docker engine: limits, binary and image files, size bounds, directories. */
@Tag("docker")
class SandboxToolsIT {
    static final String RUN_ID = EngineCheck.newRunId();
    static SandboxClient client;
    static SandboxTools tools;

    @BeforeAll
    static void start() {
        client = EngineCheck.clientBuilder("docker").build();
        tools = SandboxTools.builder(client)
                .sessionOptions(SessionOptions.builder()
                        .runtime(RuntimeConfig.builder().label(EngineCheck.RUN_LABEL, RUN_ID).build()).build())
                .maxOutputChars(500)
                .maxFileSize(DataSize.ofKilobytes(4))
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
    void aTimeoutIsAResultThatSaysTheProgramWasKilled() {
        ToolResult r = tools.call("it", "execute_code",
                Map.of("language", "python", "code", "print('start', flush=True)\nwhile True: pass", "timeout", 1));
        assertThat(r.isError()).as(r.text()).isFalse();
        assertThat(r.structured()).containsEntry("status", "timed_out");
        assertThat(r.text()).contains("status: timed_out", "killed: ", "start");
    }

    @Test
    void floodedOutputIsCutInTheMiddle() {
        ToolResult r = tools.call("it", "execute_code", Map.of("language", "python",
                "code", "print('FIRST')\nfor i in range(20000): print(i)\nprint('LAST')"));
        assertThat(r.text()).contains("FIRST", "LAST", "characters omitted").hasSizeLessThan(1000);
        assertThat(r.structured()).containsEntry("stdout_truncated", true);
    }

    @Test
    void filesRoundTripAsTextBase64AndImages() {
        tools.call("files", "create_session", Map.of("language", "python", "session_id", "f"));
        byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe};
        ToolResult written = tools.call("files", "write_file", Map.of("session_id", "f", "path", "bin/data.bin",
                "content", Base64.getEncoder().encodeToString(binary), "encoding", "base64"));
        assertThat(written.isError()).as(written.text()).isFalse();
        ToolResult read = tools.call("files", "read_file", Map.of("session_id", "f", "path", "bin/data.bin"));
        assertThat(read.structured()).containsEntry("encoding", "base64")
                .containsEntry("content", Base64.getEncoder().encodeToString(binary)).containsEntry("size", 5);
        assertThat(tools.call("files", "read_file", Map.of("session_id", "f", "path", "bin/data.bin",
                "encoding", "text")).text()).contains("is not UTF-8 text");

        ToolResult plot = tools.call("files", "execute_code", Map.of("session_id", "f", "code", """
                import matplotlib
                matplotlib.use("Agg")
                import matplotlib.pyplot as plt
                fig = plt.figure(figsize=(1, 1), dpi=20)
                plt.plot([0, 1])
                fig.savefig("small.png")
                plt.close(fig)
                """));
        assertThat(plot.isError()).as(plot.text()).isFalse();
        ToolResult image = tools.call("files", "read_file", Map.of("session_id", "f", "path", "small.png"));
        assertThat(image.isError()).as(image.text()).isFalse();
        assertThat(image.images()).hasSize(1);
        assertThat(image.images().get(0).mimeType()).isEqualTo("image/png");
        assertThat(image.images().get(0).data()).startsWith(0x89, 'P', 'N', 'G');
        tools.call("files", "close_session", Map.of("session_id", "f"));
    }

    @Test
    void filesAreBoundedAndDirectoriesChecked() {
        tools.call("bounds", "create_session", Map.of("language", "python", "stateful", false, "session_id", "b"));
        ToolResult tooBig = tools.call("bounds", "write_file",
                Map.of("session_id", "b", "path", "big.txt", "content", "x".repeat(5000)));
        assertThat(tooBig.isError()).isTrue();
        assertThat(tooBig.text()).contains("File is 5000 bytes; at most 4096 can be written");
        tools.call("bounds", "execute_code", Map.of("session_id", "b", "code", "open('big.txt','w').write('y'*9000)"));
        ToolResult readBig = tools.call("bounds", "read_file", Map.of("session_id", "b", "path", "big.txt"));
        assertThat(readBig.isError()).isTrue();
        assertThat(readBig.text()).contains("'big.txt' is 9000 bytes; at most 4096 can be read");
        ToolResult noDir = tools.call("bounds", "list_files", Map.of("session_id", "b", "path", "nowhere"));
        assertThat(noDir.isError()).isTrue();
        assertThat(noDir.text()).contains("There is no directory 'nowhere'");
        ToolResult notDir = tools.call("bounds", "list_files", Map.of("session_id", "b", "path", "big.txt"));
        assertThat(notDir.isError()).isTrue();
        assertThat(notDir.text()).contains("is not a directory");
        ToolResult outside = tools.call("bounds", "write_file",
                Map.of("session_id", "b", "path", "/etc/evil", "content", "x"));
        assertThat(outside.isError()).isTrue();
        assertThat(outside.text()).contains("outside the box's writable directories");
        assertThat(tools.closeScope("bounds")).isEqualTo(1);
    }

    @Test
    void sessionsOpenedByAScopeCloseWithIt() {
        tools.call("gone", "create_session", Map.of("language", "python", "stateful", false));
        tools.call("gone", "create_session", Map.of("language", "python", "stateful", false));
        assertThat(tools.sessionCount("gone")).isEqualTo(2);
        assertThat(tools.closeScope("gone")).isEqualTo(2);
        assertThat(tools.call("gone", "list_sessions", Map.of()).text()).contains("No open sessions");
    }

}
