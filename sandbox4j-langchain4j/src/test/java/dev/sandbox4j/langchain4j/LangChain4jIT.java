package dev.sandbox4j.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.code.CodeExecutionEngine;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.tools.SandboxTools;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The LangChain4j integration wired into AiServices (scripted model, no network) against the real Docker engine. */
@Tag("docker")
class LangChain4jIT {
    interface Assistant {
        String chat(@MemoryId String user, @UserMessage String message);
    }

    static SandboxClient client;
    static SandboxTools sandboxTools;
    static SandboxAgentTools tools;

    @BeforeAll
    static void start() {
        client = EngineSupport.client();
        sandboxTools = SandboxTools.builder(client).sessionOptions(EngineSupport.options()).build();
        tools = SandboxAgentTools.builder(sandboxTools).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            tools.close();
            sandboxTools.close();
            client.close();
            EngineSupport.assertNoLeftovers();
        }
    }

    static Assistant assistant(ScriptedChatModel model) {
        return AiServices.builder(Assistant.class)
                .chatModel(model)
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                .tools(tools)
                .build();
    }

    static String json(Map<String, ?> arguments) {
        try {
            return new ObjectMapper().writeValueAsString(arguments);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void theModelCallsExecuteCodeAndAnswersWithTheRealOutput() {
        ScriptedChatModel model = new ScriptedChatModel()
                .callTool("execute_code", """
                        {"language": "python", "code": "import sys\\nprint(sum(range(10)), sys.version_info[0])"}""")
                .answer(result -> "Sandbox said: " + result.text());

        String answer = assistant(model).chat("it-alice", "What is the sum of 0..9?");

        assertThat(answer).startsWith("Sandbox said: status: ok (exit code 0").contains("45 3");
        ToolExecutionResultMessage result = ScriptedChatModel.lastToolResult(model.requests().getLast());
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(model.remainingSteps()).isZero();
    }

    @Test
    void aPlotComesBackAsImageContentInTheToolResult() {
        ScriptedChatModel model = new ScriptedChatModel()
                .callTool("execute_code", json(Map.of("language", "python", "code", """
                        import matplotlib.pyplot as plt
                        plt.plot([0, 1, 2], [0, 1, 4])
                        plt.title('squares')
                        plt.show()
                        print('drawn')
                        """)))
                .answer(result -> "done");

        assertThat(assistant(model).chat("it-plot", "Plot x squared")).isEqualTo("done");

        ToolExecutionResultMessage result = ScriptedChatModel.lastToolResult(model.requests().getLast());
        // with an image, the message has several contents (text() would refuse); the text comes first
        assertThat(result.contents().getFirst()).isInstanceOfSatisfying(TextContent.class,
                t -> assertThat(t.text()).startsWith("status: ok").contains("drawn"));
        List<ImageContent> images = result.contents().stream()
                .filter(ImageContent.class::isInstance).map(ImageContent.class::cast).toList();
        assertThat(images).as("contents: %s", result.contents().stream().map(Content::type).toList()).hasSize(1);
        assertThat(images.getFirst().image().mimeType()).isEqualTo("image/png");
        byte[] png = Base64.getDecoder().decode(images.getFirst().image().base64Data());
        assertThat(png).hasSizeGreaterThan(1000).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    @Test
    void aConversationKeepsItsStatefulSessionAndOthersCannotUseIt() {
        ScriptedChatModel model = new ScriptedChatModel()
                .callTool("create_session", "{\"language\": \"python\", \"session_id\": \"nb\"}")
                .callTool("execute_code", "{\"session_id\": \"nb\", \"code\": \"x = 41\"}")
                .callTool("execute_code", "{\"session_id\": \"nb\", \"code\": \"print(x + 1)\"}")
                .answer(result -> result.text());
        assertThat(assistant(model).chat("it-carol", "keep x")).contains("status: ok").contains("42");
        assertThat(sandboxTools.sessionCount("it-carol")).isOne();

        ScriptedChatModel other = new ScriptedChatModel()
                .callTool("execute_code", "{\"session_id\": \"nb\", \"code\": \"print(x)\"}")
                .answer(result -> (Boolean.TRUE.equals(result.isError()) ? "error: " : "ok: ") + result.text());
        assertThat(assistant(other).chat("it-dave", "peek")).startsWith("error: Unknown session_id 'nb'");

        assertThat(tools.endConversation("it-carol")).isOne();
        assertThat(sandboxTools.sessionCount()).isZero();
    }

    @Test
    void theCodeExecutionEngineRunsEachLanguageInTheSandbox() {
        CodeExecutionEngine python = SandboxCodeExecutionEngine.builder(client, "python")
                .sessionOptions(EngineSupport.options()).build();
        assertThat(python.execute("print(6 * 7)")).isEqualTo("42\n");
        assertThat(python.execute("import sys; sys.exit(3)")).startsWith("status: nonzero_exit (exit code 3)");

        CodeExecutionEngine js = SandboxCodeExecutionEngine.builder(client, "javascript")
                .sessionOptions(EngineSupport.options()).build();
        assertThat(js.execute("console.log([1, 2, 3].map(x => x * 2).join(','))")).isEqualTo("2,4,6\n");

        try (SandboxCodeExecutionEngine notebook = SandboxCodeExecutionEngine.builder(client, "python")
                .sessionOptions(EngineSupport.options().toBuilder().stateful(true).build())
                .persistentSession(true)
                .build()) {
            notebook.execute("total = 40");
            assertThat(notebook.execute("total + 2")).isEqualTo("42");
        }
        assertThat(client.openSessions()).isZero();

        CodeExecutionEngine bounded = SandboxCodeExecutionEngine.builder(client, "python")
                .sessionOptions(EngineSupport.options()).runOptions(RunOptions.timeout(Duration.ofSeconds(1))).build();
        assertThat(bounded.execute("print('start', flush=True)\nwhile True: pass"))
                .startsWith("status: timed_out (exit code ").contains("stopped: ", "start");
    }
}
