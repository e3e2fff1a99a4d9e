package dev.sandbox4j.tools;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer of one tool call, in the shape every agent framework can pass on.
 *
 * @param text what the model reads: a short summary (status, exit code, duration) and the program's output, each
 *     stream truncated in the middle past {@link SandboxTools.Builder#maxOutputChars(int)}; for an error, the message
 * @param images plots and image files, in the order they were produced (MCP {@code ImageContent}, LangChain4j
 *     {@code ImageContent})
 * @param structured the full result as JSON-compatible values ({@code String}, {@code Number}, {@code Boolean},
 *     {@code List}, {@code Map}, {@code null}) with snake_case keys, matching the tool's
 *     {@link ToolSpec#outputSchema()}; MCP sends it as {@code structuredContent}. For an error it holds
 *     {@code error} (the message) only. Keys keep insertion order; the map is unmodifiable.
 * @param isError whether the call failed (bad input, unknown session or language, engine failure). A program that
 *     ran and failed (non-zero exit, timeout) is not an error: the model reads its status and output.
 * @since 0.2
 */
public record ToolResult(String text, List<ToolImage> images, Map<String, Object> structured, boolean isError) {
    public ToolResult {
        requireNonNull(text, "text");
        images = List.copyOf(images);
        // Map.copyOf would reject the null values JSON allows (e.g. "kill_reason": null) and lose the key order
        structured = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(structured, "structured")));
    }

    /** A successful result without images. */
    public static ToolResult ok(String text, Map<String, Object> structured) {
        return new ToolResult(text, List.of(), structured, false);
    }

    /** An error result: {@code text} is the message, {@code structured} is {@code {"error": message}}. */
    public static ToolResult error(String message) {
        return new ToolResult(message, List.of(), Map.of("error", message), true);
    }
}
