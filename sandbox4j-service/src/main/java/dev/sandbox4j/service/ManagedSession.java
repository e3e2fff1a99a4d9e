package dev.sandbox4j.service;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A session the {@link SessionService} manages: the engine's {@link SandboxSession} with its owner, its name, its use
 * and its deadlines.
 *
 * <p>Front doors mark each use ({@link #use()}, or {@link #exclusive()} for runs), so that the idle reaper never closes
 * a session in use and each use counts as activity. Thread-safe. Close it through the service
 * ({@link SessionService#close(ManagedSession, String)}), never through {@link #session()}.
 *
 * @since 0.2
 */
public final class ManagedSession {
    private final SandboxSession session;
    private final SessionOwner owner;
    private final @Nullable String name;
    private final SessionOptions options;
    private final Duration idleTimeout;
    private final Instant createdAt;
    private final @Nullable Instant expiresAt;
    private final @Nullable Object attachment;
    private final Clock clock;
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();
    /** The order of opening (sessions opened within one tick of the clock list in that order). */
    final long seq = SEQUENCE.incrementAndGet();
    private final AtomicInteger busy = new AtomicInteger();
    private final ReentrantLock runLock = new ReentrantLock(true);
    private volatile Instant lastUsedAt;

    ManagedSession(SandboxSession session, SessionOwner owner, @Nullable String name, SessionOptions options,
            Duration idleTimeout, @Nullable Duration lifetime, @Nullable Object attachment, Clock clock) {
        this.session = requireNonNull(session, "session");
        this.owner = requireNonNull(owner, "owner");
        this.name = name;
        this.options = options;
        this.idleTimeout = idleTimeout;
        this.attachment = attachment;
        this.clock = clock;
        this.createdAt = clock.instant();
        this.lastUsedAt = createdAt;
        this.expiresAt = lifetime == null ? null : createdAt.plus(lifetime);
    }

    /** The engine's session id (unique, also the box's label); the HTTP API's {@code session_id}. */
    public String id() {
        return session.id();
    }

    /** The name given when it was opened (unique in its scope), or {@code null}. */
    public @Nullable String name() {
        return name;
    }

    /** Its name, or its id when it has none: how the agent tools refer to it. */
    public String label() {
        return name != null ? name : session.id();
    }

    public SessionOwner owner() {
        return owner;
    }

    /** The engine's session: run, read and write through it; close through the service. */
    public SandboxSession session() {
        return session;
    }

    /** The options it was opened with (principal and lifetime as the service set them). */
    public SessionOptions options() {
        return options;
    }

    /** What the front door that opened it kept with it, or {@code null}. */
    public @Nullable Object attachment() {
        return attachment;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant lastUsedAt() {
        return lastUsedAt;
    }

    /** When its lifetime ends, or {@code null} if the service bounds none. */
    public @Nullable Instant expiresAt() {
        return expiresAt;
    }

    /** When it closes if it stays unused (and its lifetime allows it that long). */
    public Instant idleExpiresAt() {
        return lastUsedAt.plus(idleTimeout);
    }

    /** Whether a use is in progress. */
    public boolean isBusy() {
        return busy.get() > 0;
    }

    /** Whether the engine's session is still open. */
    public boolean isOpen() {
        return session.isOpen();
    }

    /**
     * Marks the session in use until the returned handle is closed (file transfers, listings): the idle reaper skips
     * it meanwhile, and the use counts as activity. Several uses may overlap.
     */
    public Use use() {
        busy.incrementAndGet();
        touch();
        return () -> {
            touch();
            busy.decrementAndGet();
        };
    }

    /**
     * Like {@link #use()}, and one at a time (first come, first served): for runs, installations, commands and resets.
     * While it is held, a {@link SandboxSession#cancelRun()} can only stop the holder's own run.
     */
    public Use exclusive() {
        runLock.lock();
        Use u;
        try {
            u = use();
        } catch (RuntimeException e) {
            runLock.unlock();
            throw e;
        }
        return () -> {
            try {
                u.close();
            } finally {
                runLock.unlock();
            }
        };
    }

    /** A period of use; close it when done. */
    public interface Use extends AutoCloseable {
        @Override
        void close();
    }

    private void touch() {
        lastUsedAt = clock.instant();
    }

    boolean isIdle(Instant now) {
        return !isBusy() && !lastUsedAt.plus(idleTimeout).isAfter(now);
    }

    boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "ManagedSession[" + id() + (name != null ? " '" + name + "'" : "") + ", " + session.language() + ", "
                + owner.tenant() + "/" + owner.scope() + "]";
    }
}
