package dev.sandbox4j.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an MCP client sees of the sandbox4j server, checked through the MCP SDK's own client against a real engine.
 * Shared by the stdio (process) and streamable HTTP integration tests (published in this module's test-jar).
 */
public final class McpClientChecks {
    public static final List<String> TOOLS = List.of("execute_code", "create_session", "close_session",
            "list_sessions", "write_file", "read_file", "list_files", "install_packages", "list_languages");

    private McpClientChecks() {}

    /** Lists the tools: all nine, each with input and output schemas. */
    public static void listsTools(McpSyncClient client) {
        List<Tool> tools = client.listTools().tools();
        assertThat(tools).extracting(Tool::name).containsExactlyElementsOf(TOOLS);
        for (Tool t : tools) {
            assertThat(t.inputSchema()).as(t.name()).containsEntry("type", "object");
            assertThat(t.outputSchema()).as(t.name()).containsEntry("type", "object");
            assertThat(t.description()).as(t.name()).isNotBlank();
        }
        assertThat(client.getServerInfo().name()).isEqualTo("sandbox4j");
    }

    /** Runs Python that prints and plots: the output as text, the plot as a PNG image, the result as structure. */
    public static void executesPythonWithAPlot(McpSyncClient client) {
        CallToolResult r = call(client, "execute_code", Map.of("language", "python", "code", """
                import matplotlib.pyplot as plt
                plt.plot([1, 4, 9])
                plt.title("squares")
                plt.show()
                print(6 * 7)
                """));
        assertThat(r.isError()).as(text(r)).isFalse();
        assertThat(text(r)).contains("status: ok", "42");
        List<ImageContent> images = r.content().stream().filter(ImageContent.class::isInstance)
                .map(ImageContent.class::cast).toList();
        assertThat(images).as("the plot comes back as an image").hasSize(1);
        assertThat(images.get(0).mimeType()).isEqualTo("image/png");
        byte[] png = Base64.getDecoder().decode(images.get(0).data());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(structured(r)).containsEntry("status", "ok").containsEntry("exit_code", 0)
                .containsEntry("stdout", "42\n");
    }

    /** A session keeps variables (a stateful Python kernel) and files across calls; then it is closed. */
    public static void keepsASessionAcrossCalls(McpSyncClient client) {
        CallToolResult created = call(client, "create_session", Map.of("language", "python", "session_id", "work"));
        assertThat(created.isError()).as(text(created)).isFalse();
        assertThat(structured(created)).containsEntry("session_id", "work").containsEntry("stateful", true);

        assertOk(call(client, "execute_code", Map.of("session_id", "work", "code", "answer = 41")));
        CallToolResult second = call(client, "execute_code", Map.of("session_id", "work", "code", "print(answer + 1)"));
        assertOk(second);
        assertThat(text(second)).contains("42");

        assertOk(call(client, "write_file", Map.of("session_id", "work", "path", "data/in.txt",
                "content", "hello from MCP\n")));
        CallToolResult read = call(client, "read_file", Map.of("session_id", "work", "path", "data/in.txt"));
        assertOk(read);
        assertThat(structured(read)).containsEntry("content", "hello from MCP\n").containsEntry("encoding", "text");
        CallToolResult program = call(client, "execute_code", Map.of("session_id", "work",
                "code", "print(open('data/in.txt').read().upper(), end='')\nopen('out.csv', 'w').write('a,b\\n1,2\\n')"));
        assertOk(program);
        assertThat(text(program)).contains("HELLO FROM MCP");
        CallToolResult listed = call(client, "list_files", Map.of("session_id", "work"));
        assertOk(listed);
        assertThat(text(listed)).contains("data/", "out.csv");

        CallToolResult sessions = call(client, "list_sessions", Map.of());
        assertThat(text(sessions)).contains("work: python");
        assertOk(call(client, "close_session", Map.of("session_id", "work")));
        assertThat(text(call(client, "list_sessions", Map.of()))).contains("No open sessions");
    }

    /** Mistakes come back as results with isError and a message, not as protocol errors. */
    public static void reportsErrorsAsIsError(McpSyncClient client) {
        CallToolResult unknown = call(client, "execute_code", Map.of("session_id", "nope", "code", "print(1)"));
        assertThat(unknown.isError()).isTrue();
        assertThat(text(unknown)).contains("Unknown session_id 'nope'");
        CallToolResult traversal = call(client, "create_session", Map.of("language", "python", "session_id", "t"));
        assertOk(traversal);
        CallToolResult escape = call(client, "read_file", Map.of("session_id", "t", "path", "../../etc/passwd"));
        assertThat(escape.isError()).isTrue();
        assertThat(text(escape)).contains("must not contain '..'");
        CallToolResult missing = call(client, "read_file", Map.of("session_id", "t", "path", "nothing.txt"));
        assertThat(missing.isError()).isTrue();
        assertThat(text(missing)).contains("No such file");
        assertOk(call(client, "close_session", Map.of("session_id", "t")));
        CallToolResult rust = call(client, "execute_code", Map.of("language", "rust", "code", "fn main() {}"));
        assertThat(rust.isError()).isTrue();
        assertThat(text(rust)).contains("Expected language one of", "python", "but was 'rust'");
        CallToolResult noCode = call(client, "execute_code", Map.of("language", "python"));
        assertThat(noCode.isError()).isTrue();
        assertThat(text(noCode)).contains("Missing argument 'code'");
        CallToolResult alias = call(client, "execute_code", Map.of("language", "py", "code", "print('alias')"));
        assertThat(alias.isError()).as("language aliases work although the schema lists canonical ids").isFalse();
        assertThat(text(alias)).contains("alias");
        CallToolResult failing = call(client, "execute_code", Map.of("language", "python", "code", "1/0"));
        assertThat(failing.isError()).as("a failing program is a result, not a tool error").isFalse();
        assertThat(text(failing)).contains("nonzero_exit", "ZeroDivisionError");
    }

    public static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
        return client.callTool(new CallToolRequest(tool, args));
    }

    public static String text(CallToolResult r) {
        return r.content().stream().filter(TextContent.class::isInstance).map(c -> ((TextContent) c).text())
                .collect(Collectors.joining("\n"));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> structured(CallToolResult r) {
        assertThat(r.structuredContent()).as("structuredContent").isInstanceOf(Map.class);
        return (Map<String, Object>) r.structuredContent();
    }

    private static void assertOk(CallToolResult r) {
        assertThat(r.isError()).as(text(r)).isFalse();
    }

    static List<Content> images(CallToolResult r) {
        return r.content().stream().filter(ImageContent.class::isInstance).toList();
    }
}
