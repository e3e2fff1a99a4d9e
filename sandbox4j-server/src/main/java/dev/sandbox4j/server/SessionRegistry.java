package dev.sandbox4j.server;

import dev.sandbox4j.text.Texts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions opened through the API, by id, with their owners. Enforces the session limits (server-wide and per
 * key), hides sessions of other tenants (404, as if they did not exist) and closes idle and expired ones. Thread-safe.
 */
final class SessionRegistry {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    private final Map<String, ManagedSession> sessions = new ConcurrentHashMap<>();
    private final int maxTotal;
    private final long retryAfterSeconds;
    /** Sessions plus pending reservations per key; guarded by {@code this}. */
    private final Map<String, Integer> perKey = new HashMap<>();
    /** Sessions plus pending reservations; guarded by {@code this}. */
    private int total;
    private final BiConsumer<ManagedSession, String> onClosed;

    SessionRegistry(int maxTotal, long retryAfterSeconds, BiConsumer<ManagedSession, String> onClosed) {
        this.maxTotal = maxTotal;
        this.retryAfterSeconds = retryAfterSeconds;
        this.onClosed = onClosed;
    }

    /** A slot for a session being opened; {@link #add} turns it into the session's, closing it gives it back. */
    final class Reservation implements AutoCloseable {
        private final String keyId;
        private final AtomicBoolean done = new AtomicBoolean();

        private Reservation(String keyId) {
            this.keyId = keyId;
        }

        @Override
        public void close() {
            if (done.compareAndSet(false, true)) {
                release(keyId);
            }
        }
    }

    /**
     * Reserves a slot for a new session of {@code caller}.
     *
     * @throws ApiException 429 if the key or the server is at its session limit
     */
    synchronized Reservation reserve(Caller caller) {
        int mine = perKey.getOrDefault(caller.keyId(), 0);
        if (mine >= caller.maxSessions()) {
            throw ApiException.tooManyRequests("API key '" + caller.keyId() + "' already has " + mine
                    + " open sessions (its limit is " + caller.maxSessions() + "); close one first",
                    retryAfterSeconds);
        }
        if (total >= maxTotal) {
            throw ApiException.tooManyRequests("the server has " + total + " open sessions (its limit); retry later",
                    retryAfterSeconds);
        }
        perKey.merge(caller.keyId(), 1, Integer::sum);
        total++;
        return new Reservation(caller.keyId());
    }

    private synchronized void release(String keyId) {
        perKey.computeIfPresent(keyId, (k, n) -> n <= 1 ? null : n - 1);
        total--;
    }

    /** Registers an opened session; its reservation now belongs to it. */
    void add(ManagedSession s, Reservation r) {
        if (!r.done.compareAndSet(false, true)) {
            throw new IllegalStateException("reservation already used");
        }
        sessions.put(s.id(), s);
    }

    /**
     * The caller's session with this id.
     *
     * @throws ApiException 404 if there is none, it belongs to another tenant or it has closed
     */
    ManagedSession get(Caller caller, String id) {
        ManagedSession s = sessions.get(id);
        if (s == null || !s.owner.tenant().equals(caller.tenant())) {
            throw ApiException.notFound(Problem.SESSION_NOT_FOUND, "there is no session '"
                    + dev.sandbox4j.text.Texts.sanitize(id, 80) + "'");
        }
        if (!s.session.isOpen()) {
            remove(s, "lifetime");
            throw ApiException.notFound(Problem.SESSION_NOT_FOUND, "session '" + id
                    + "' has closed (its lifetime is over or its box failed)");
        }
        return s;
    }

    /** The caller's tenant's open sessions, oldest first. */
    List<ManagedSession> list(Caller caller) {
        List<ManagedSession> mine = new ArrayList<>();
        for (ManagedSession s : sessions.values()) {
            if (s.owner.tenant().equals(caller.tenant()) && s.session.isOpen()) {
                mine.add(s);
            }
        }
        mine.sort(Comparator.comparing(s -> s.createdAt));
        return mine;
    }

    /** Closes the caller's session (404 if it is not theirs). */
    void close(Caller caller, String id) {
        remove(get(caller, id), "deleted");
    }

    /** Removes a session from the registry and closes it (its box is removed). */
    void remove(ManagedSession s, String reason) {
        if (sessions.remove(s.id(), s)) {
            release(s.owner.keyId());
            try {
                s.session.close();
            } finally {
                log.info("Session {} of tenant {} closed ({})", s.id(), s.owner.tenant(), reason);
                onClosed.accept(s, reason);
            }
        }
    }

    /** Closes sessions that were idle too long, are past their lifetime, or closed themselves. */
    int reap() {
        long now = System.nanoTime();
        Instant wall = Instant.now();
        int n = 0;
        for (ManagedSession s : sessions.values()) {
            String reason = !s.session.isOpen() || s.isExpired(wall) ? "lifetime" : s.isIdle(now) ? "idle" : null;
            if (reason != null) {
                remove(s, reason);
                n++;
            }
        }
        return n;
    }

    /** Closes every session (shutdown). */
    void closeAll(String reason) {
        try (var closer = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (ManagedSession s : sessions.values()) {
                closer.submit(() -> remove(s, reason));
            }
        }
    }

    int size() {
        return sessions.size();
    }

    List<ManagedSession> all() {
        return List.copyOf(sessions.values());
    }
}
