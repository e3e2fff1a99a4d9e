/**
 * Spring AI integration: {@link dev.sandbox4j.springai.SandboxToolCallbackProvider} (the sandbox tools as Spring AI
 * tool callbacks) and a Spring Boot auto-configuration ({@link dev.sandbox4j.springai.SandboxAutoConfiguration},
 * {@code sandbox4j.*} properties) that creates the {@code SandboxClient}, the tools and the provider.
 */
@NullMarked
package dev.sandbox4j.springai;

import org.jspecify.annotations.NullMarked;
