package dev.sandbox4j.service;

/**
 * A session was refused because its scope already has one with that name.
 *
 * @since 0.2
 */
public final class SessionNameTakenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String name;

    SessionNameTakenException(String name) {
        super("a session named '" + name + "' already exists in this scope");
        this.name = name;
    }

    /** The name. */
    public String name() {
        return name;
    }
}
