package dev.sandbox4j.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.execution.DefaultToolExecutionExceptionProcessor;
import org.springframework.ai.tool.execution.ToolExecutionException;

class SandboxToolCallbackTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false).build();
    final SandboxTools tools = SandboxTools.builder(client).reaperInterval(Duration.ZERO).build();
    final SandboxToolCallbackProvider provider = SandboxToolCallbackProvider.of(tools);

    @AfterEach
    void close() {
        tools.close();
        client.close();
    }

    ToolCallback callback(String name) {
        return Arrays.stream(provider.getToolCallbacks()).filter(c -> c.getToolDefinition().name().equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void definitionsAreTheToolLayersSpecs() {
        assertThat(provider.getToolCallbacks()).hasSameSizeAs(tools.specs());
        for (ToolSpec spec : tools.specs()) {
            ToolCallback c = callback(spec.name());
            assertThat(c.getToolDefinition().description()).isEqualTo(spec.description());
            assertThat(c.getToolDefinition().inputSchema()).isEqualTo(spec.inputSchema());
            assertThat(c.getToolMetadata().returnDirect()).isFalse();
        }
        assertThat(provider.getToolCallbacks()).as("a copy each time").isNotSameAs(provider.getToolCallbacks());
    }

    @Test
    void runsCodeAndReturnsTheTextTheModelReads() {
        backend.behaviour = r -> String.join(" ", r.argv()).contains("python3 -u")
                ? Behaviour.exit(0, "42\n", "") : Behaviour.exit(0, "", "");
        String out = callback("execute_code").call("{\"language\": \"python\", \"code\": \"print(6 * 7)\"}");
        assertThat(out).startsWith("status: ok (exit code 0").contains("42");
    }

    @Test
    void theToolContextNamesTheScope() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        ToolCallback create = callback("create_session");
        create.call("{\"language\": \"python\", \"session_id\": \"a\", \"stateful\": false}",
                new ToolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY, "alice")));
        create.call("{\"language\": \"python\", \"session_id\": \"b\", \"stateful\": false}",
                new ToolContext(Map.of(ChatMemory.CONVERSATION_ID, "conversation-7")));
        create.call("{\"language\": \"python\", \"session_id\": \"c\", \"stateful\": false}");
        assertThat(tools.sessionCount("alice")).isOne();
        assertThat(tools.sessionCount("conversation-7")).isOne();
        assertThat(tools.sessionCount(SandboxToolCallbackProvider.DEFAULT_SCOPE)).isOne();

        assertThat(callback("list_sessions").call("{}", new ToolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY,
                "alice")))).contains("a").doesNotContain("conversation-7");
    }

    @Test
    void failuresAreToolExecutionExceptionsWhoseMessageGoesToTheModel() {
        ToolCallback exec = callback("execute_code");
        assertThatThrownBy(() -> exec.call("{\"code\": \"print(1)\"}"))
                .isInstanceOfSatisfying(ToolExecutionException.class, e -> {
                    assertThat(e.getToolDefinition().name()).isEqualTo("execute_code");
                    String forModel = DefaultToolExecutionExceptionProcessor.builder().build().process(e);
                    assertThat(forModel).startsWith("Missing argument 'language'");
                });
        assertThatThrownBy(() -> exec.call("[1, 2"))
                .isInstanceOf(ToolExecutionException.class)
                .hasMessageStartingWith("The arguments of execute_code are not a JSON object (");
        assertThatThrownBy(() -> exec.call("[1, 2]"))
                .isInstanceOf(ToolExecutionException.class)
                .hasMessage("The arguments of execute_code are not a JSON object (got an array). Send them as the "
                        + "tool's input schema describes.");
        assertThat(callback("list_languages").call("")).as("no arguments at all is an empty object")
                .contains("python");
        assertThatThrownBy(() -> callback("close_session").call("{\"session_id\": \"nope\"}"))
                .isInstanceOf(ToolExecutionException.class)
                .hasMessageContaining("Unknown session_id 'nope'");
    }

    @Test
    void imagesAreDescribedInTheText() {
        // the image listener is exercised with a real plot in SpringAiIT
        ToolImage png = new ToolImage("figure-1.png", "image/png", new byte[] {1, 2, 3});
        assertThat(SandboxToolCallback.describe(List.of(png, new ToolImage("b.svg", "image/svg+xml", new byte[5]))))
                .isEqualTo("\n\nImages produced (not included in this text): figure-1.png (image/png, 3 bytes), "
                        + "b.svg (image/svg+xml, 5 bytes).");
        assertThat(SandboxToolCallback.describe(List.of())).isEmpty();
    }
}
