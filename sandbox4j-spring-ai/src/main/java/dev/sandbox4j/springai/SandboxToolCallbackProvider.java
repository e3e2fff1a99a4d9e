package dev.sandbox4j.springai;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.tools.SandboxTools;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;

/**
 * The sandbox tools ({@code execute_code}, {@code create_session}, {@code close_session}, {@code list_sessions},
 * {@code write_file}, {@code read_file}, {@code list_files}, {@code install_packages}, {@code list_languages}) as
 * Spring AI tool callbacks, one {@link SandboxToolCallback} per {@link SandboxTools#specs() tool spec}.
 *
 * <pre>{@code
 * ChatClient chat = ChatClient.builder(chatModel).defaultTools(sandboxToolCallbackProvider).build();
 * String answer = chat.prompt()
 *         .user("What is the 30th Fibonacci number? Compute it.")
 *         .toolContext(Map.of(SandboxToolCallbackProvider.SCOPE_KEY, conversationId))
 *         .call()
 *         .content();
 * }</pre>
 *
 * <p>Sessions belong to a scope, taken from the tool context (see {@link SandboxToolCallback}). The provider uses
 * the {@link SandboxTools} but does not own them. Thread-safe.
 *
 * @since 0.2
 */
public final class SandboxToolCallbackProvider implements ToolCallbackProvider {
    /** The tool-context key whose value is the scope (conversation) of a call. */
    public static final String SCOPE_KEY = "sandbox4j.scope";
    /** The scope of calls whose tool context names none. */
    public static final String DEFAULT_SCOPE = "default";

    private final SandboxTools tools;
    private final SandboxToolCallback[] callbacks;

    private SandboxToolCallbackProvider(SandboxTools tools, @Nullable SandboxImageListener imageListener) {
        this.tools = tools;
        this.callbacks = tools.specs().stream()
                .map(spec -> new SandboxToolCallback(tools, spec, imageListener))
                .toArray(SandboxToolCallback[]::new);
    }

    /** A provider of every sandbox tool over {@code tools}. */
    public static SandboxToolCallbackProvider of(SandboxTools tools) {
        return builder(tools).build();
    }

    public static Builder builder(SandboxTools tools) {
        return new Builder(tools);
    }

    @Override
    public ToolCallback[] getToolCallbacks() {
        return callbacks.clone();
    }

    /** The tool layer underneath. */
    public SandboxTools sandboxTools() {
        return tools;
    }

    /** Configures a {@link SandboxToolCallbackProvider}. */
    public static final class Builder {
        private final SandboxTools tools;
        private @Nullable SandboxImageListener imageListener;

        private Builder(SandboxTools tools) {
            this.tools = requireNonNull(tools, "tools");
        }

        /** Receives each plot or image file a tool call produced (see {@link SandboxImageListener}). Default: none. */
        public Builder imageListener(SandboxImageListener listener) {
            this.imageListener = requireNonNull(listener, "listener");
            return this;
        }

        public SandboxToolCallbackProvider build() {
            return new SandboxToolCallbackProvider(tools, imageListener);
        }
    }
}
