package dev.sandbox4j;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * No container engine could be used: none was found, or the one asked for does not answer.
 *
 * <p>{@link #attempts()} lists each backend that was tried and why it failed.
 *
 * @since 0.1
 */
public final class BackendUnavailableException extends SandboxException {
    private final List<String> attempts;

    public BackendUnavailableException(String message, List<String> attempts, @Nullable Throwable cause) {
        super(message + (attempts.isEmpty() ? "" : format(attempts)), cause);
        this.attempts = List.copyOf(attempts);
    }

    /** One line per backend tried: {@code "docker: cannot connect to unix:///var/run/docker.sock (...)"}. */
    public List<String> attempts() {
        return attempts;
    }

    private static String format(List<String> attempts) {
        StringBuilder sb = new StringBuilder(":");
        for (String a : attempts) {
            sb.append("\n  - ").append(a);
        }
        return sb.toString();
    }
}
