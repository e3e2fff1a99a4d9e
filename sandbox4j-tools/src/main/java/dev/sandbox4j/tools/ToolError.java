package dev.sandbox4j.tools;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.text.Texts;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A caller mistake or a refusal, turned into an error result with this message (no stack trace: it is an answer). */
final class ToolError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(SandboxTools.class);

    ToolError(String message) {
        super(message, null, false, false);
    }

    /** What the model reads when a call of {@code tool} failed with {@code e}: what went wrong and what to do. */
    static ToolResult toResult(String tool, RuntimeException e) {
        return switch (e) {
            case ToolError t -> ToolResult.error(t.getMessage());
            case IllegalArgumentException i -> ToolResult.error("Invalid arguments for " + tool + ": "
                    + i.getMessage());
            case UnsupportedOperationException u -> ToolResult.error("Not supported: " + u.getMessage());
            case UncheckedIOException io when io.getCause() instanceof NoSuchFileException nf -> ToolResult.error(
                    "No such file '" + Texts.sanitize(String.valueOf(nf.getFile()), 120)
                            + "'. List the directory with list_files.");
            case UncheckedIOException io -> {
                log.warn("Tool {} failed", tool, io);
                yield ToolResult.error("The sandbox failed (" + tool + "): " + Texts.sanitize(io.getMessage(), 300));
            }
            case SandboxException se -> {
                log.warn("Tool {} failed: {}", tool, se.toString());
                yield ToolResult.error(sandboxError(se));
            }
            default -> {
                log.warn("Tool {} failed", tool, e);
                yield ToolResult.error("Internal error in " + tool + " (" + e.getClass().getSimpleName() + "): "
                        + Texts.sanitize(String.valueOf(e.getMessage()), 300));
            }
        };
    }

    private static String sandboxError(SandboxException e) {
        String msg = Texts.sanitize(String.valueOf(e.getMessage()), 400);
        return switch (e) {
            case ImageUnavailableException i -> "The language's image is not available: " + msg;
            case SessionClosedException c -> "The session is closed: " + msg + ". Create a new one with create_session.";
            case PoolExhaustedException p -> "The sandbox is busy: " + msg + ". Try again later.";
            case SandboxBusyException b -> "The sandbox is busy creating boxes (" + msg + "). Try again in a few "
                    + "seconds.";
            case BackendUnavailableException b -> "The sandbox engine is unavailable: " + msg;
            case BackendException b -> "The sandbox engine failed: " + msg;
        };
    }
}
