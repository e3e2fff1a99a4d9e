package dev.sandbox4j;

/**
 * The session (or its client) was closed, explicitly or because its lifetime ({@link
 * SessionOptions#sessionTimeout()}) expired, so it cannot run anything any more.
 *
 * @since 0.1
 */
public final class SessionClosedException extends SandboxException {
    public SessionClosedException(String message) {
        super(message, null);
    }
}
