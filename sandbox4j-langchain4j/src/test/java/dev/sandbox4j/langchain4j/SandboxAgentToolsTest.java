package dev.sandbox4j.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolResult;
import dev.sandbox4j.tools.ToolSpec;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The @Tool methods wired into AiServices with a scripted model, against the in-memory FakeBackend (no engine). */
class SandboxAgentToolsTest {
    interface Assistant {
        String chat(@MemoryId String user, @UserMessage String message);
    }

    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
    final SandboxTools sandboxTools = SandboxTools.builder(client).reaperInterval(Duration.ZERO).build();
    final SandboxAgentTools tools = SandboxAgentTools.builder(sandboxTools).build();
    final ScriptedChatModel model = new ScriptedChatModel();
    final Assistant assistant = AiServices.builder(Assistant.class)
            .chatModel(model)
            .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
            .tools(tools)
            .build();

    @AfterEach
    void close() {
        tools.close();
        sandboxTools.close();
        client.close();
    }

    @Test
    void theModelSeesEveryToolWithItsParametersButNotTheMemoryId() {
        model.reply("nothing to do");
        assertThat(assistant.chat("alice", "hi")).isEqualTo("nothing to do");

        List<ToolSpecification> specs = model.requests().getFirst().toolSpecifications();
        assertThat(specs).extracting(ToolSpecification::name).containsExactlyInAnyOrderElementsOf(
                sandboxTools.specs().stream().map(ToolSpec::name).toList());
        ToolSpecification exec = specs.stream().filter(s -> s.name().equals("execute_code")).findFirst().orElseThrow();
        assertThat(exec.parameters().properties()).containsOnlyKeys("language", "code", "libraries", "timeout",
                "cpu_time_limit", "session_id");
        assertThat(exec.parameters().required()).containsExactly("code");
        ToolSpecification write = specs.stream().filter(s -> s.name().equals("write_file")).findFirst().orElseThrow();
        assertThat(write.parameters().required()).containsExactlyInAnyOrder("session_id", "path", "content");
    }

    @Test
    void eachToolDescriptionIsTheToolLayersDescription() {
        // annotation values are constants; this keeps them the same text as SandboxTools' (which may add limits)
        for (Method m : SandboxAgentTools.class.getMethods()) {
            Tool tool = m.getAnnotation(Tool.class);
            if (tool != null) {
                ToolSpec spec = sandboxTools.spec(tool.name());
                assertThat(spec).as(tool.name()).isNotNull();
                assertThat(spec.description()).as(tool.name()).startsWith(String.join("\n", tool.value()));
            }
        }
    }

    @Test
    void runsCodeThroughAiServicesAndTheModelReadsTheOutput() {
        backend.behaviour = r -> String.join(" ", r.argv()).contains("python3 -u")
                ? Behaviour.exit(0, "42\n", "") : Behaviour.exit(0, "", "");
        model.callTool("execute_code", "{\"language\": \"python\", \"code\": \"print(6 * 7)\"}")
                .answer(result -> "The program printed " + result.text().strip().lines().toList().getLast());

        assertThat(assistant.chat("alice", "what is 6 times 7?")).isEqualTo("The program printed 42");

        ToolExecutionResultMessage result = ScriptedChatModel.lastToolResult(model.requests().getLast());
        assertThat(result.toolName()).isEqualTo("execute_code");
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(result.text()).startsWith("status: ok (exit code 0").contains("42");
        assertThat(model.remainingSteps()).isZero();
    }

    @Test
    void sessionsBelongToTheConversationThatCreatedThem() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        model.callTool("create_session", "{\"language\": \"python\", \"session_id\": \"work\", \"stateful\": false}")
                .answer(result -> result.text());
        assertThat(assistant.chat("alice", "open a session")).contains("session 'work'");
        assertThat(sandboxTools.sessionCount("alice")).isOne();

        model.callTool("execute_code", "{\"session_id\": \"work\", \"code\": \"print(1)\"}")
                .answer(result -> (Boolean.TRUE.equals(result.isError()) ? "error: " : "ok: ") + result.text());
        assertThat(assistant.chat("bob", "use alice's session"))
                .startsWith("error: ").contains("Unknown session_id 'work'");
        assertThat(sandboxTools.sessionCount("bob")).isZero();

        assertThat(tools.endConversation("alice")).isOne();
        assertThat(sandboxTools.sessionCount()).isZero();
        assertThat(backend.boxes).isEmpty();
    }

    @Test
    void badArgumentsComeBackToTheModelAsAnErrorResult() {
        model.callTool("execute_code", "{\"code\": \"print(1)\"}")
                .answer(result -> (Boolean.TRUE.equals(result.isError()) ? "error: " : "ok: ") + result.text());
        assertThat(assistant.chat("alice", "run without a language"))
                .startsWith("error: Missing argument 'language'");

        assertThatThrownBy(() -> tools.executeCode("alice", "python", "print(1)", null, -1.0, null))
                .isInstanceOf(SandboxToolException.class)
                .hasMessageContaining("Invalid 'timeout' (-1.0)");
        assertThatThrownBy(() -> tools.executeCode("alice", "python", "print(1)", null, null, 0.0, null))
                .isInstanceOf(SandboxToolException.class)
                .hasMessageContaining("Invalid 'cpu_time_limit' (0.0)");
    }

    @Test
    void imagesBecomeImageContentOrADescription() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        ToolResult r = new ToolResult("status: ok", List.of(new ToolImage("figure-1.png", "image/png", png)),
                Map.of(), false);

        List<Content> contents = SandboxAgentTools.toContents(r, true);
        assertThat(contents).hasSize(2);
        assertThat(((TextContent) contents.get(0)).text()).isEqualTo("status: ok");
        ImageContent image = (ImageContent) contents.get(1);
        assertThat(image.image().mimeType()).isEqualTo("image/png");
        assertThat(Base64.getDecoder().decode(image.image().base64Data())).isEqualTo(png);

        List<Content> described = SandboxAgentTools.toContents(r, false);
        assertThat(described).singleElement().isInstanceOf(TextContent.class);
        assertThat(((TextContent) described.getFirst()).text())
                .isEqualTo("status: ok\n\nImages produced (not shown here): figure-1.png (image/png, 7 bytes).");
    }

    @Test
    void aCallWithoutMemoryIdUsesTheDefaultScope() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        tools.createSession(null, "python", false, "one");
        assertThat(sandboxTools.sessionCount(SandboxAgentTools.DEFAULT_SCOPE)).isOne();
        assertThat(tools.listSessions(null)).first().extracting(c -> ((TextContent) c).text()).asString()
                .contains("one");
        assertThat(Arrays.stream(SandboxAgentTools.class.getMethods()).filter(m -> m.isAnnotationPresent(Tool.class)))
                .hasSize(9);
    }

    interface StatelessAssistant {
        String chat(String message);
    }

    @Test
    void anAiServiceWithoutMemoryIdUsesTheDefaultScope() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        model.callTool("create_session", "{\"language\": \"python\", \"stateful\": false}").answer(r -> r.text());
        StatelessAssistant stateless = AiServices.builder(StatelessAssistant.class).chatModel(model).tools(tools).build();
        assertThat(stateless.chat("open one")).contains("Created python session");
        assertThat(sandboxTools.sessionCount(SandboxAgentTools.DEFAULT_SCOPE)).isOne();
    }

    @Test
    void closeClosesOnlyToolsItCreated() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        tools.createSession("alice", "python", false, null);
        tools.close();
        assertThat(sandboxTools.sessionCount()).as("tools given to the builder stay the caller's").isOne();

        SandboxAgentTools owned = SandboxAgentTools.create(client);
        owned.createSession("carol", "python", false, null);
        assertThat(owned.sandboxTools().sessionCount()).isOne();
        owned.close();
        assertThat(owned.sandboxTools().sessionCount()).isZero();
        assertThat(client.openSessions()).as("only alice's session is left").isOne();

        SandboxAgentTools describing = SandboxAgentTools.builder(client).imagesAsContent(false).build();
        describing.createSession("dan", "python", false, null);
        describing.close();
        assertThat(client.openSessions()).as("tools built from a client are closed with it").isOne();
    }
}
