package dev.sandbox4j.springai;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolResult;
import dev.sandbox4j.tools.ToolSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.ToolExecutionException;

/**
 * One sandbox tool ({@code execute_code}, {@code create_session}, ...) as a Spring AI {@link ToolCallback}. Its
 * definition (name, description, JSON input schema) is the tool layer's {@link ToolSpec}; get all of them from
 * {@link SandboxToolCallbackProvider}.
 *
 * <p>The scope of the call (which conversation's sessions it may see and use) comes from the {@link ToolContext}:
 * {@link SandboxToolCallbackProvider#SCOPE_KEY} if present, else Spring AI's
 * {@link ChatMemory#CONVERSATION_ID}, else {@link SandboxToolCallbackProvider#DEFAULT_SCOPE}.
 *
 * <p>The answer is the text of the tool result. Spring AI tool results are text only, so plots and image files are
 * described in it (name, type, size) and handed to the provider's image listener, if any. A call that fails (bad
 * arguments, unknown session or language, engine failure) throws {@link ToolExecutionException}; Spring AI's default
 * exception processor sends its message back to the model. A program that runs and fails is not an error.
 *
 * @since 0.2
 */
public final class SandboxToolCallback implements ToolCallback {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxTools tools;
    private final ToolSpec spec;
    private final ToolDefinition definition;
    private final @Nullable SandboxImageListener imageListener;

    SandboxToolCallback(SandboxTools tools, ToolSpec spec, @Nullable SandboxImageListener imageListener) {
        this.tools = requireNonNull(tools, "tools");
        this.spec = requireNonNull(spec, "spec");
        this.imageListener = imageListener;
        this.definition = ToolDefinition.builder()
                .name(spec.name())
                .description(spec.description())
                .inputSchema(spec.inputSchema())
                .build();
    }

    /** The tool layer's description of this tool (with its output schema). */
    public ToolSpec spec() {
        return spec;
    }

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    /** Calls the tool in the {@link SandboxToolCallbackProvider#DEFAULT_SCOPE default scope}. */
    @Override
    public String call(String toolInput) {
        return call(toolInput, null);
    }

    @Override
    public String call(String toolInput, @Nullable ToolContext toolContext) {
        String scope = scope(toolContext);
        Map<String, Object> arguments = parse(toolInput);
        ToolResult r = tools.call(scope, spec.name(), arguments);
        if (r.isError()) {
            throw new ToolExecutionException(definition, new SandboxToolFailure(r.text()));
        }
        if (imageListener != null) {
            r.images().forEach(image -> imageListener.onImage(scope, image));
        }
        return r.text() + describe(r.images());
    }

    private Map<String, Object> parse(@Nullable String toolInput) {
        if (toolInput == null || toolInput.isBlank()) {
            return Map.of();
        }
        Object value;
        try {
            value = JSON.readValue(toolInput, Object.class);
        } catch (JsonProcessingException e) {
            throw notAnObject(Texts.sanitize(e.getOriginalMessage(), 120));
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw notAnObject(value instanceof List ? "got an array" : "got '" + Texts.sanitize(toolInput, 40) + "'");
        }
        Map<String, Object> arguments = new LinkedHashMap<>();
        m.forEach((k, v) -> arguments.put(String.valueOf(k), v));
        return arguments;
    }

    private ToolExecutionException notAnObject(String why) {
        return new ToolExecutionException(definition, new SandboxToolFailure("The arguments of " + spec.name()
                + " are not a JSON object (" + why + "). Send them as the tool's input schema describes."));
    }

    static String scope(@Nullable ToolContext context) {
        if (context != null) {
            for (String key : List.of(SandboxToolCallbackProvider.SCOPE_KEY, ChatMemory.CONVERSATION_ID)) {
                Object v = context.getContext().get(key);
                if (v != null && !v.toString().isBlank()) {
                    return v.toString();
                }
            }
        }
        return SandboxToolCallbackProvider.DEFAULT_SCOPE;
    }

    /** A text note about the images of a result (the model gets text only). */
    static String describe(List<ToolImage> images) {
        if (images.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n\nImages produced (not included in this text): ");
        for (int i = 0; i < images.size(); i++) {
            ToolImage image = images.get(i);
            sb.append(i == 0 ? "" : ", ").append(image.name()).append(" (").append(image.mimeType()).append(", ")
                    .append(image.data().length).append(" bytes)");
        }
        return sb.append('.').toString();
    }

    @Override
    public String toString() {
        return "SandboxToolCallback[" + spec.name() + "]";
    }

    /** The message of a failed call, for the model (no stack trace: it is an answer, not a bug). */
    static final class SandboxToolFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SandboxToolFailure(String message) {
            super(message, null, false, false);
        }
    }
}
