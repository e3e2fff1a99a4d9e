package dev.sandbox4j.tools;

import static java.util.Objects.requireNonNull;

/**
 * The description of one tool, shared by every adapter (MCP {@code Tool}, LangChain4j {@code ToolSpecification},
 * Spring AI {@code ToolDefinition}) so none of them redefines names, texts or schemas.
 *
 * @param name the tool's name, snake_case (e.g. {@code execute_code}); the key of {@link SandboxTools#call}
 * @param title a short human-readable title
 * @param description what the tool does, written for the model
 * @param inputSchema JSON Schema (draft 2020-12 subset: {@code type object}, {@code properties},
 *     {@code required}) of the arguments, as JSON text
 * @param outputSchema JSON Schema of {@link ToolResult#structured()} for a successful call, as JSON text
 * @param readOnly whether the tool changes nothing (MCP {@code readOnlyHint})
 * @param destructive whether the tool may destroy state (MCP {@code destructiveHint})
 * @param idempotent whether repeating the call with the same arguments has no further effect (MCP
 *     {@code idempotentHint})
 * @since 0.2
 */
public record ToolSpec(String name, String title, String description, String inputSchema, String outputSchema,
        boolean readOnly, boolean destructive, boolean idempotent) {
    public ToolSpec {
        requireNonNull(name, "name");
        requireNonNull(title, "title");
        requireNonNull(description, "description");
        requireNonNull(inputSchema, "inputSchema");
        requireNonNull(outputSchema, "outputSchema");
    }
}
