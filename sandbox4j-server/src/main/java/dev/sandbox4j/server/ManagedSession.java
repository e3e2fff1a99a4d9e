package dev.sandbox4j.server;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.policy.SecurityPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** A session opened through the API, with its owner, its policy and its idle/lifetime bookkeeping. */
final class ManagedSession {
    final SandboxSession session;
    final Caller owner;
    final Instant createdAt;
    final Duration idleTimeout;
    final Instant expiresAt;
    final @Nullable SecurityPolicy requestPolicy;
    final @Nullable Duration defaultTimeout;
    final int memoryMb;
    private final AtomicInteger busy = new AtomicInteger();
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile Instant lastUsedAt;

    ManagedSession(SandboxSession session, Caller owner, Duration idleTimeout, Duration lifetime,
            @Nullable SecurityPolicy requestPolicy, @Nullable Duration defaultTimeout, int memoryMb) {
        this.session = requireNonNull(session, "session");
        this.owner = requireNonNull(owner, "owner");
        this.createdAt = Instant.now();
        this.lastUsedAt = createdAt;
        this.idleTimeout = idleTimeout;
        this.expiresAt = createdAt.plus(lifetime);
        this.requestPolicy = requestPolicy;
        this.defaultTimeout = defaultTimeout;
        this.memoryMb = memoryMb;
    }

    String id() {
        return session.id();
    }

    /** Marks the session in use until the returned handle is closed; an idle check never closes a busy session. */
    Use use() {
        busy.incrementAndGet();
        touch();
        return () -> {
            touch();
            busy.decrementAndGet();
        };
    }

    /** A period of use of the session. */
    interface Use extends AutoCloseable {
        @Override
        void close();
    }

    private void touch() {
        lastUsedNanos = System.nanoTime();
        lastUsedAt = Instant.now();
    }

    boolean isBusy() {
        return busy.get() > 0;
    }

    /** Whether the session was not used for its idle timeout (and is not in use now). */
    boolean isIdle(long nowNanos) {
        return !isBusy() && nowNanos - lastUsedNanos >= idleTimeout.toNanos();
    }

    boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", session.id());
        m.put("language", session.language());
        m.put("image", session.image());
        m.put("stateful", session.isStateful());
        m.put("open", session.isOpen());
        m.put("busy", isBusy());
        m.put("created_at", createdAt.toString());
        m.put("last_used_at", lastUsedAt.toString());
        m.put("expires_at", expiresAt.toString());
        m.put("idle_timeout_s", idleTimeout.toSeconds());
        m.put("timeout_ms", defaultTimeout == null ? null : defaultTimeout.toMillis());
        m.put("memory_mb", memoryMb);
        m.put("policy", requestPolicy == null ? null : requestPolicy.name());
        m.put("installed_libraries", session.installedLibraries());
        return m;
    }
}
