package dev.sandbox4j.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.PoolStats;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolResult;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in an ApplicationContextRunner, against the in-memory FakeBackend (no engine). */
class SandboxAutoConfigurationTest {
    final FakeBackend backend = new FakeBackend();
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SandboxAutoConfiguration.class))
            .withBean(SandboxClientCustomizer.class, () -> b -> b.backendFactory(backend.factory()))
            .withPropertyValues("sandbox4j.reap-orphans=false");

    @Test
    void createsTheClientTheToolsAndTheToolCallbackProvider() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(SandboxClient.class).hasSingleBean(SandboxTools.class)
                    .hasSingleBean(SandboxToolCallbackProvider.class);
            assertThat(context.getBean(SandboxClient.class).backendName()).isEqualTo("fake");
            ToolCallback[] callbacks = context.getBean(ToolCallbackProvider.class).getToolCallbacks();
            assertThat(Arrays.stream(callbacks).map(c -> c.getToolDefinition().name())).containsExactly(
                    "execute_code", "create_session", "close_session", "list_sessions", "write_file", "read_file",
                    "list_files", "install_packages", "list_languages");
        });
    }

    @Test
    void closingTheContextClosesTheSessionsAndTheClient() {
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        runner.run(context -> {
            ToolResult r = context.getBean(SandboxTools.class).createSession("chat", "python", false, "s");
            assertThat(r.isError()).as(r.text()).isFalse();
            assertThat(backend.boxes).hasSize(1);
        });
        assertThat(backend.boxes).as("the session's box is removed").isEmpty();
        assertThat(backend.closed).as("the client closed its backend").isTrue();
    }

    @Test
    void bindsPolicyPoolsLabelsAndToolLimits(@TempDir Path dir) throws Exception {
        Path policyFile = dir.resolve("policy.yaml");
        PolicyFiles.save(SecurityPolicy.strict().toBuilder().name("from-file").build(), policyFile);
        backend.behaviour = r -> Behaviour.exit(0, "", "");
        runner.withPropertyValues(
                        "sandbox4j.policy=" + policyFile,
                        "sandbox4j.default-timeout=7s",
                        "sandbox4j.pool.python.min-size=0",
                        "sandbox4j.pool.python.max-size=2",
                        "sandbox4j.labels[example.team]=spring",
                        "sandbox4j.tools.max-sessions-per-scope=1")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SandboxProperties p = context.getBean(SandboxProperties.class);
                    assertThat(p.defaultTimeout()).hasSeconds(7);
                    assertThat(p.tools().idleTimeout()).hasMinutes(15);
                    SandboxClient client = context.getBean(SandboxClient.class);
                    assertThat(client.check("python", "print(1)").policy()).isEqualTo("from-file");
                    assertThat(client.poolStats()).extracting(PoolStats::language).containsExactly("python");

                    SandboxTools tools = context.getBean(SandboxTools.class);
                    assertThat(tools.createSession("chat", "python", false, "one").isError()).isFalse();
                    assertThat(backend.boxes.values()).singleElement()
                            .satisfies(box -> assertThat(box.spec().runtime().labels())
                                    .containsEntry("example.team", "spring"));
                    ToolResult second = tools.createSession("chat", "python", false, "two");
                    assertThat(second.isError()).isTrue();
                    assertThat(second.text()).contains("1");
                });
    }

    @Test
    void policyPresetsAreAcceptedAndNonsenseFailsTheStartWithAClearMessage() {
        runner.withPropertyValues("sandbox4j.policy=strict").run(context -> assertThat(
                context.getBean(SandboxClient.class).check("python", "print(1)").policy()).isEqualTo("strict"));
        runner.withPropertyValues("sandbox4j.policy=/no/such/policy.yaml").run(context -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessage("sandbox4j.policy '/no/such/policy.yaml' is neither "
                        + "a preset (permissive, development, production, strict) nor a file"));
        runner.withPropertyValues("sandbox4j.default-timeout=0s").run(context -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessageContaining("sandbox4j.default-timeout (PT0S) must be "
                        + "positive"));
        runner.withPropertyValues("sandbox4j.tools.max-sessions-per-scope=0").run(context -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessageContaining("maxSessionsPerScope (0) must be at "
                        + "least 1"));
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnBeans() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasSingleBean(SandboxClient.class).hasSingleBean(SandboxTools.class)
                    .hasSingleBean(SandboxToolCallbackProvider.class);
            assertThat(context.getBean(SandboxTools.class)).isSameAs(context.getBean("myTools"));
            assertThat(context.getBean(SandboxClient.class)).isSameAs(context.getBean("myClient"));
        });
    }

    @Test
    void canBeTurnedOffAndWorksWithoutSpringAi() {
        runner.withPropertyValues("sandbox4j.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(SandboxClient.class).doesNotHaveBean(SandboxTools.class)
                .doesNotHaveBean(SandboxToolCallbackProvider.class));
        runner.withClassLoader(new FilteredClassLoader(ToolCallbackProvider.class)).run(context -> assertThat(context)
                .hasNotFailed().hasSingleBean(SandboxClient.class).hasSingleBean(SandboxTools.class)
                .doesNotHaveBean(SandboxToolCallbackProvider.class));
    }

    @Test
    void theReadmeExamplePropertiesBind() {
        // the "Spring AI" properties of docs/mcp-and-agents.md, without sandbox4j.backend (this test runs on the fake backend)
        runner.withPropertyValues("sandbox4j.default-timeout=20s", "sandbox4j.policy=production",
                        "sandbox4j.pool.python.min-size=2", "sandbox4j.pool.python.max-size=8",
                        "sandbox4j.labels[team]=agents", "sandbox4j.tools.max-sessions-per-scope=4",
                        "sandbox4j.tools.idle-timeout=15m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SandboxProperties p = context.getBean(SandboxProperties.class);
                    assertThat(p.defaultTimeout()).hasSeconds(20);
                    assertThat(p.pool()).containsEntry("python", new SandboxProperties.Pool(2, 8));
                    assertThat(p.labels()).containsEntry("team", "agents");
                    assertThat(p.tools().maxSessionsPerScope()).isEqualTo(4);
                    assertThat(context.getBean(SandboxClient.class).check("python", "print(1)").policy())
                            .isEqualTo("production");
                });
    }

    @Test
    void isRegisteredAsAnAutoConfiguration() {
        // what Spring Boot reads from META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
                .contains(SandboxAutoConfiguration.class.getName());
    }

    @Test
    void defaultsMatchTheToolLayer() {
        SandboxProperties p = SandboxProperties.defaults();
        assertThat(p.tools()).isEqualTo(new SandboxProperties.Tools(4, 32, java.time.Duration.ofMinutes(15),
                java.time.Duration.ofMinutes(5), 20_000));
        assertThat(p.defaultTimeout()).isEqualTo(SandboxClient.DEFAULT_TIMEOUT);
        assertThat(p.pool()).isEmpty();
        assertThat(p.labels()).isEqualTo(Map.of());
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        final FakeBackend own = new FakeBackend();

        @Bean
        SandboxClient myClient() {
            return SandboxClient.builder().backendFactory(own.factory()).reapOrphans(false).build();
        }

        @Bean
        SandboxTools myTools(SandboxClient client) {
            return SandboxTools.builder(client).maxSessionsPerScope(2).build();
        }
    }
}
