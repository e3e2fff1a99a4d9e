package dev.sandbox4j.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import dev.sandbox4j.tools.SandboxTools;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configured provider in a ChatClient (as docs/mcp-and-agents.md shows it), with a scripted model and FakeBackend. */
class ChatClientToolsTest {
    final FakeBackend backend = new FakeBackend();
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SandboxAutoConfiguration.class))
            .withBean(SandboxClientCustomizer.class, () -> b -> b.backendFactory(backend.factory()))
            .withPropertyValues("sandbox4j.reap-orphans=false");

    @Test
    void aChatClientCallsTheToolsWithTheConversationAsScope() {
        backend.behaviour = r -> String.join(" ", r.argv()).contains("python3 -u")
                ? Behaviour.exit(0, "42\n", "") : Behaviour.exit(0, "", "");
        runner.run(context -> {
            ScriptedChatModel model = new ScriptedChatModel()
                    .callTool("create_session",
                            "{\"language\": \"python\", \"session_id\": \"calc\", \"stateful\": false}")
                    .callTool("execute_code", "{\"session_id\": \"calc\", \"code\": \"print(6 * 7)\"}")
                    .answer(response -> "The sandbox printed: " + response.responseData());
            ChatClient chat = ChatClient.builder(model)
                    .defaultTools(context.getBean(ToolCallbackProvider.class))
                    .build();

            String answer = chat.prompt()
                    .user("What is 6 times 7? Compute it.")
                    .toolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY, "user-42"))
                    .call()
                    .content();

            assertThat(answer).startsWith("The sandbox printed: status: ok (exit code 0").contains("42");
            assertThat(model.remainingSteps()).isZero();
            assertThat(context.getBean(SandboxTools.class).sessionCount("user-42")).isOne();
            ToolCallingChatOptions options = (ToolCallingChatOptions) model.prompts().getFirst().getOptions();
            assertThat(options.getToolCallbacks()).extracting(c -> c.getToolDefinition())
                    .extracting(ToolDefinition::name).contains("execute_code", "create_session", "list_languages")
                    .hasSize(9);
        });
        assertThat(backend.boxes).as("the context closed the session").isEmpty();
    }
}
