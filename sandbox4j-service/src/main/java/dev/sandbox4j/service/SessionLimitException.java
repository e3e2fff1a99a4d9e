package dev.sandbox4j.service;

/**
 * A session was refused because a cap is reached. Closing a session (or waiting for the reaper) frees a slot.
 *
 * @since 0.2
 */
public final class SessionLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which cap was reached. */
    public enum Cap {
        /** All sessions of the service together ({@link SessionService.Builder#maxSessions}). */
        SERVICE,
        /** The sessions of one tenant ({@link SessionService.Builder#maxSessionsPerTenant}). */
        TENANT,
        /** The sessions of one principal, e.g. an API key ({@link SessionService.Builder#principalLimit}). */
        PRINCIPAL,
        /** The sessions of one scope, e.g. a conversation ({@link SessionRequest#maxInScope()}). */
        SCOPE
    }

    private final Cap cap;
    private final int open;
    private final int limit;

    SessionLimitException(Cap cap, int open, int limit, String message) {
        super(message, null, false, false);
        this.cap = cap;
        this.open = open;
        this.limit = limit;
    }

    /** The cap that was reached. */
    public Cap cap() {
        return cap;
    }

    /** Sessions open (or being opened) under that cap. */
    public int open() {
        return open;
    }

    /** The cap. */
    public int limit() {
        return limit;
    }
}
