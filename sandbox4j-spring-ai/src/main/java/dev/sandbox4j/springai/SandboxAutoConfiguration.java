package dev.sandbox4j.springai;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.tools.SandboxTools;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration of sandbox4j: a {@link SandboxClient} (from the {@code sandbox4j.*}
 * {@link SandboxProperties}, changed by any {@link SandboxClientCustomizer} beans), the {@link SandboxTools} over it
 * and, with Spring AI on the class path, a {@link SandboxToolCallbackProvider} (which hands images to the
 * {@link SandboxImageListener} bean, if there is one). Each bean is created only if the
 * application defines none of its type; the client and the tools are closed with the context (the tools first, so
 * their sessions' boxes are removed, then the client's remaining boxes). {@code sandbox4j.enabled=false} turns it off.
 *
 * <p>The client connects to the engine when the context starts: without a usable backend the start fails with a
 * {@link dev.sandbox4j.BackendUnavailableException} that lists each backend tried and why it failed. The Docker
 * backend is {@code sandbox4j-backend-docker}, which the application adds.
 *
 * @since 0.2
 */
@AutoConfiguration
@ConditionalOnClass(SandboxClient.class)
@ConditionalOnProperty(prefix = "sandbox4j", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SandboxProperties.class)
public class SandboxAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public SandboxClient sandboxClient(SandboxProperties properties,
            ObjectProvider<SandboxClientCustomizer> customizers) {
        SandboxClient.Builder builder = properties.applyTo(SandboxClient.builder());
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public SandboxTools sandboxTools(SandboxClient sandboxClient, SandboxProperties properties) {
        return properties.toolsBuilder(sandboxClient).build();
    }

    /** The Spring AI part, only with Spring AI on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.ai.tool.ToolCallbackProvider")
    static class SpringAiTools {
        @Bean
        @ConditionalOnMissingBean
        SandboxToolCallbackProvider sandboxToolCallbackProvider(SandboxTools sandboxTools,
                ObjectProvider<SandboxImageListener> imageListener) {
            SandboxToolCallbackProvider.Builder b = SandboxToolCallbackProvider.builder(sandboxTools);
            imageListener.ifUnique(b::imageListener);
            return b.build();
        }
    }
}
