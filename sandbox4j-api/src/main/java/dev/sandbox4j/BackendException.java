package dev.sandbox4j;

import org.jspecify.annotations.Nullable;

/**
 * The container engine failed an operation (create, exec, remove, ...) that should have worked.
 *
 * @since 0.1
 */
public final class BackendException extends SandboxException {
    private final String backend;

    public BackendException(String backend, String message, @Nullable Throwable cause) {
        super(backend + ": " + message, cause);
        this.backend = backend;
    }

    /** Name of the backend that failed, e.g. {@code "docker"}. */
    public String backend() {
        return backend;
    }
}
