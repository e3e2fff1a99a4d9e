package dev.sandbox4j.langchain4j;

/**
 * A tool call that failed (bad arguments, unknown session or language, engine failure). Its message is written for
 * the model: LangChain4j's default tool error handler sends it back as the tool's error result.
 *
 * @since 0.2
 */
public final class SandboxToolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxToolException(String message) {
        // no stack trace: this is an answer for the model, not a bug (LangChain4j logs it at WARN)
        super(message, null, false, false);
    }
}
