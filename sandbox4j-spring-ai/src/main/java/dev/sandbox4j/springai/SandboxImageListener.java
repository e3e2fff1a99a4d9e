package dev.sandbox4j.springai;

import dev.sandbox4j.tools.ToolImage;

/**
 * Receives each plot or image file a tool call produced, e.g. to show it to the user: Spring AI passes only text
 * to the model, which reads a description of the image instead. Called on the thread of the tool call. A bean of
 * this type is picked up by the auto-configured {@link SandboxToolCallbackProvider}.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface SandboxImageListener {
    /**
     * @param scope the scope (conversation) of the call
     * @param image the image
     */
    void onImage(String scope, ToolImage image);
}
