package dev.sandbox4j.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.execution.ToolExecutionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configured tool callbacks against the real Docker engine. */
@Tag("docker")
class SpringAiIT {
    static final List<String> images = new CopyOnWriteArrayList<>();

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SandboxAutoConfiguration.class))
            .withBean(SandboxImageListener.class, () -> (scope, image) -> images.add(scope + ":" + describe(image)))
            .withPropertyValues(EngineSupport.properties().toArray(String[]::new));

    @BeforeAll
    static void engine() {
        EngineSupport.requireEngine();
    }

    @AfterAll
    static void noLeftovers() {
        EngineSupport.assertNoLeftovers();
    }

    static String describe(ToolImage image) {
        byte[] b = image.data();
        boolean png = b.length > 1000 && b[0] == (byte) 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
        return image.mimeType() + (png ? " png" : " not-png");
    }

    static String json(Map<String, ?> arguments) {
        try {
            return new ObjectMapper().writeValueAsString(arguments);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ToolCallback callback(ToolCallbackProvider provider, String name) {
        return Arrays.stream(provider.getToolCallbacks()).filter(c -> c.getToolDefinition().name().equals(name))
                .findFirst().orElseThrow();
    }

    static ToolContext conversation(String id) {
        return new ToolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY, id));
    }

    @Test
    void aToolCallbackRunsCodeInTheRealSandbox() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            ToolCallbackProvider provider = context.getBean(ToolCallbackProvider.class);
            String out = callback(provider, "execute_code").call(
                    "{\"language\": \"javascript\", \"code\": \"console.log([3, 4].map(x => x * x).join('+'))\"}",
                    conversation("it-js"));
            assertThat(out).startsWith("status: ok (exit code 0").contains("9+16");

            String failing = callback(provider, "execute_code").call(
                    "{\"language\": \"python\", \"code\": \"raise SystemExit(4)\"}", conversation("it-js"));
            assertThat(failing).startsWith("status: nonzero_exit (exit code 4");
        });
    }

    @Test
    void sessionsFilesAndPlotsThroughTheCallbacks() {
        runner.run(context -> {
            ToolCallbackProvider provider = context.getBean(ToolCallbackProvider.class);
            ToolContext alice = conversation("it-alice");
            assertThat(callback(provider, "create_session").call(
                    "{\"language\": \"python\", \"session_id\": \"lab\"}", alice)).contains("session 'lab'");
            callback(provider, "write_file").call(
                    "{\"session_id\": \"lab\", \"path\": \"data.csv\", \"content\": \"x,y\\n1,2\\n3,5\\n\"}", alice);
            String sum = callback(provider, "execute_code").call(json(Map.of("session_id", "lab", "code", """
                    import pandas as pd
                    df = pd.read_csv('data.csv')
                    print(df.y.sum())
                    """)), alice);
            assertThat(sum).contains("status: ok").contains("7");

            String plot = callback(provider, "execute_code").call(json(Map.of("session_id", "lab", "code", """
                    import matplotlib.pyplot as plt
                    plt.plot(df.x, df.y)
                    plt.show()
                    """)), alice);
            assertThat(plot).contains("status: ok").contains("Images produced (not included in this text): ")
                    .contains("image/png");
            assertThat(images).contains("it-alice:image/png png");

            assertThatThrownBy(() -> callback(provider, "read_file").call(
                    "{\"session_id\": \"lab\", \"path\": \"data.csv\"}", conversation("it-mallory")))
                    .isInstanceOf(ToolExecutionException.class).hasMessageContaining("Unknown session_id 'lab'");
            assertThat(context.getBean(SandboxTools.class).sessionCount("it-alice")).isOne();
        });
        // the context closed: the session's box is gone (checked for all tests in noLeftovers)
    }

    @Test
    void aChatClientWithAScriptedModelGetsTheRealOutput() {
        runner.run(context -> {
            ScriptedChatModel model = new ScriptedChatModel()
                    .callTool("execute_code", """
                            {"language": "python", "code": "import math\\nprint(math.factorial(20))"}""")
                    .answer(response -> "20! = " + response.responseData());
            ChatClient chat = ChatClient.builder(model)
                    .defaultTools(context.getBean(ToolCallbackProvider.class))
                    .build();
            String answer = chat.prompt().user("What is 20 factorial?")
                    .toolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY, "it-chat"))
                    .call().content();
            assertThat(answer).startsWith("20! = status: ok (exit code 0").contains("2432902008176640000");
        });
    }

    @Test
    void toolCallsUseTheWarmPool() {
        runner.withPropertyValues("sandbox4j.pool.python.min-size=1", "sandbox4j.pool.python.max-size=2")
                .run(context -> {
                    SandboxClient client = context.getBean(SandboxClient.class);
                    await().atMost(Duration.ofSeconds(60)).until(() -> client.poolStats().getFirst().ready() >= 1);
                    ToolCallbackProvider provider = context.getBean(ToolCallbackProvider.class);
                    String out = callback(provider, "execute_code").call(
                            "{\"language\": \"python\", \"code\": \"print('pooled')\"}", conversation("it-pool"));
                    assertThat(out).contains("pooled");
                    PoolStats stats = client.poolStats().getFirst();
                    assertThat(stats.handedOut()).as("the one-shot run took a pooled box: %s", stats).isOne();
                });
    }
}
