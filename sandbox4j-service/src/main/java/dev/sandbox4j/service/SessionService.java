package dev.sandbox4j.service;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.text.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of managed sessions' lifetimes, shared by every front door of a process: the HTTP API, MCP over HTTP
 * and stdio, the LangChain4j and Spring AI tools.
 *
 * <pre>{@code
 * try (SessionService sessions = SessionService.builder(client).maxSessions(32).maxSessionsPerTenant(8)
 *         .idleTimeout(Duration.ofMinutes(10)).maxLifetime(Duration.ofHours(1)).build()) {
 *     ManagedSession s = sessions.open(SessionRequest.of(new SessionOwner("acme", "rest", "acme/alice"), "python",
 *             SessionOptions.defaults()));
 *     try (ManagedSession.Use u = s.exclusive()) {
 *         s.session().run("print(1)");
 *     }
 *     sessions.list("acme");                       // every session of the tenant, whichever door opened it
 *     sessions.close(s, "deleted");
 * }
 * }</pre>
 *
 * <p><b>Owners.</b> A session belongs to a {@link SessionOwner}: a tenant (the only one that sees and uses it) and a
 * scope in it (the HTTP API, an MCP session, a conversation). {@link #find(String, String)} and {@link #list(String)}
 * answer per tenant, {@link #findByName} and {@link #list(String, String)} per scope.
 *
 * <p><b>Caps.</b> Opening a session reserves a slot under every cap at once, or fails with a
 * {@link SessionLimitException} naming the one reached: all sessions ({@link Builder#maxSessions}), the tenant's
 * ({@link Builder#maxSessionsPerTenant}), the principal's ({@link Builder#principalLimit}) and the scope's
 * ({@link SessionRequest#maxInScope()}). Sessions being opened count.
 *
 * <p><b>Reaping.</b> A session unused for its idle timeout is closed (never while in use), one past its lifetime
 * ({@link Builder#maxLifetime}) is closed whatever it does, and one whose box went away is forgotten: a background
 * thread checks every {@link Builder#reaperInterval}, and {@link #reap()} does it on demand. Each opened and closed
 * session is logged with its tenant, and the engine's audit events carry the owner's principal.
 *
 * <p>Thread-safe. The service uses the client but never closes it; {@link #close()} closes every session it opened.
 *
 * @since 0.2
 */
public final class SessionService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionService.class);
    private static final int CLOSED_MEMORY = 1024;

    /** Told when a session opens and closes (metrics, front doors' own bookkeeping). Must not throw. */
    public interface Listener {
        default void opened(ManagedSession session) {}

        /**
         * @param reason {@code deleted}, {@code idle}, {@code lifetime}, {@code ended} (its scope ended),
         *     {@code shutdown}, or what the closer said
         * @param took how long closing took (the box's removal)
         */
        default void closed(ManagedSession session, String reason, Duration took) {}
    }

    private final SandboxClient client;
    private final int maxSessions;
    private final int maxSessionsPerTenant;
    private final ToIntFunction<SessionOwner> principalLimit;
    private final Duration idleTimeout;
    private final @Nullable Duration maxLifetime;
    private final Clock clock;
    private final @Nullable ScheduledExecutorService reaper;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, ManagedSession> sessions = new ConcurrentHashMap<>();
    /** Sessions open or being opened: in all, per tenant, per principal, per scope; names per scope. Guarded by this. */
    private int total;
    private final Map<String, Integer> perTenant = new HashMap<>();
    private final Map<String, Integer> perPrincipal = new HashMap<>();
    private final Map<String, Integer> perScope = new HashMap<>();
    private final Map<String, java.util.Set<String>> names = new HashMap<>();
    /** Why recently closed sessions closed, by tenant+id and scope+name (so callers hear why). Guarded by itself. */
    private final Map<String, String> closedReasons = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CLOSED_MEMORY;
        }
    };
    private volatile boolean closed;

    private SessionService(Builder b) {
        this.client = b.client;
        this.maxSessions = b.maxSessions;
        this.maxSessionsPerTenant = b.maxSessionsPerTenant;
        this.principalLimit = b.principalLimit;
        this.idleTimeout = b.idleTimeout;
        this.maxLifetime = b.maxLifetime;
        this.clock = b.clock;
        if (b.reaperInterval.isZero()) {
            this.reaper = null;
        } else {
            this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sandbox4j-session-reaper");
                t.setDaemon(true);
                return t;
            });
            long ms = b.reaperInterval.toMillis();
            reaper.scheduleWithFixedDelay(this::reapQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** A builder of a service over {@code client} (used, never closed). */
    public static Builder builder(SandboxClient client) {
        return new Builder(client);
    }

    /** The client sessions are opened on. */
    public SandboxClient client() {
        return client;
    }

    /** The cap on all sessions together. */
    public int maxSessions() {
        return maxSessions;
    }

    /** The idle timeout of sessions that set none. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Adds a listener of opened and closed sessions. */
    public void addListener(Listener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    // ------------------------------------------------------------------ opening

    /**
     * Opens a session for the request's owner.
     *
     * @throws SessionLimitException if a cap is reached (nothing was opened)
     * @throws SessionNameTakenException if the scope has a session of that name
     * @throws IllegalStateException if the service is closed
     * @throws IllegalArgumentException if the language is unknown; and whatever
     *     {@link SandboxClient#openSession(String, SessionOptions)} throws
     */
    public ManagedSession open(SessionRequest request) {
        requireNonNull(request, "request");
        SessionOwner owner = request.owner();
        reserve(request);
        SandboxSession session = null;
        boolean registered = false;
        try {
            SessionOptions.Builder o = request.options().toBuilder();
            if (owner.principal() != null) {
                o.principal(owner.principal());
            }
            Duration lifetime = lifetime(request.options());
            if (lifetime != null) {
                o.sessionTimeout(lifetime);
            }
            SessionOptions options = o.build();
            session = client.openSession(request.language(), options);
            ManagedSession ms = new ManagedSession(session, owner, request.name(), options,
                    request.idleTimeout() != null ? request.idleTimeout() : idleTimeout, lifetime,
                    request.attachment(), clock);
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the session service is closed");
                }
                sessions.put(ms.id(), ms);
                registered = true;
            }
            log.info("Session {}{} ({}{}) opened for tenant {} ({}{})", ms.id(),
                    ms.name() != null ? " '" + ms.name() + "'" : "", session.language(),
                    session.isStateful() ? ", stateful" : "", owner.tenant(), owner.scope(),
                    owner.principal() != null ? ", " + owner.principal() : "");
            for (Listener l : listeners) {
                notify(() -> l.opened(ms));
            }
            return ms;
        } finally {
            if (!registered) {
                release(owner, request.name());
                if (session != null) {
                    session.close();
                }
            }
        }
    }

    private @Nullable Duration lifetime(SessionOptions options) {
        Duration own = options.sessionTimeout();
        if (maxLifetime == null) {
            return own;
        }
        return own == null || own.compareTo(maxLifetime) > 0 ? maxLifetime : own;
    }

    private synchronized void reserve(SessionRequest r) {
        if (closed) {
            throw new IllegalStateException("the session service is closed");
        }
        SessionOwner o = r.owner();
        String scope = scopeKey(o);
        if (r.name() != null && names.getOrDefault(scope, java.util.Set.of()).contains(r.name())) {
            throw new SessionNameTakenException(r.name());
        }
        int inScope = perScope.getOrDefault(scope, 0);
        if (r.maxInScope() > 0 && inScope >= r.maxInScope()) {
            throw new SessionLimitException(SessionLimitException.Cap.SCOPE, inScope, r.maxInScope(),
                    "scope '" + Texts.sanitize(o.scope(), 80) + "' already has " + inScope + " open sessions (its "
                            + "limit is " + r.maxInScope() + ")");
        }
        int limit = o.principal() == null ? 0 : principalLimit.applyAsInt(o);
        int mine = o.principal() == null ? 0 : perPrincipal.getOrDefault(principalKey(o), 0);
        if (limit > 0 && mine >= limit) {
            throw new SessionLimitException(SessionLimitException.Cap.PRINCIPAL, mine, limit,
                    "'" + o.principal() + "' already has " + mine + " open sessions (its limit is " + limit + ")");
        }
        int tenant = perTenant.getOrDefault(o.tenant(), 0);
        if (maxSessionsPerTenant > 0 && tenant >= maxSessionsPerTenant) {
            throw new SessionLimitException(SessionLimitException.Cap.TENANT, tenant, maxSessionsPerTenant,
                    "tenant '" + o.tenant() + "' already has " + tenant + " open sessions (the limit per tenant is "
                            + maxSessionsPerTenant + ")");
        }
        if (total >= maxSessions) {
            throw new SessionLimitException(SessionLimitException.Cap.SERVICE, total, maxSessions,
                    total + " sessions are open (the limit for all together)");
        }
        total++;
        perTenant.merge(o.tenant(), 1, Integer::sum);
        perScope.merge(scope, 1, Integer::sum);
        if (o.principal() != null) {
            perPrincipal.merge(principalKey(o), 1, Integer::sum);
        }
        if (r.name() != null) {
            names.computeIfAbsent(scope, k -> new java.util.HashSet<>()).add(r.name());
        }
    }

    private synchronized void release(SessionOwner o, @Nullable String name) {
        total--;
        decrement(perTenant, o.tenant());
        decrement(perScope, scopeKey(o));
        if (o.principal() != null) {
            decrement(perPrincipal, principalKey(o));
        }
        if (name != null) {
            java.util.Set<String> set = names.get(scopeKey(o));
            if (set != null && set.remove(name) && set.isEmpty()) {
                names.remove(scopeKey(o));
            }
        }
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static String scopeKey(SessionOwner o) {
        return o.tenant() + '\0' + o.scope();
    }

    private static String principalKey(SessionOwner o) {
        return o.tenant() + '\0' + o.principal();
    }

    // ------------------------------------------------------------------ finding and listing

    /**
     * The tenant's open session with this id; a session whose box went away is closed and not found.
     */
    public Optional<ManagedSession> find(String tenant, String id) {
        ManagedSession s = sessions.get(requireNonNull(id, "id"));
        if (s == null || !s.owner().tenant().equals(tenant)) {
            return Optional.empty();
        }
        if (!s.isOpen()) {
            close(s, "lifetime");
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /** The open session named {@code name} in the owner's scope (its tenant and scope). */
    public Optional<ManagedSession> findByName(SessionOwner scope, String name) {
        for (ManagedSession s : sessions.values()) {
            if (name.equals(s.name()) && sameScope(s.owner(), scope)) {
                if (!s.isOpen()) {
                    close(s, "lifetime");
                    return Optional.empty();
                }
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * Why the tenant's session with this id, or the scope's session with this name, closed lately ({@code idle},
     * {@code lifetime}, {@code deleted}, ...), if it did.
     */
    public Optional<String> closedReason(String tenant, String id) {
        synchronized (closedReasons) {
            return Optional.ofNullable(closedReasons.get(tenant + "\0id\0" + id));
        }
    }

    /** Why the scope's session named {@code name} closed lately, if it did. */
    public Optional<String> closedReason(SessionOwner scope, String name) {
        synchronized (closedReasons) {
            return Optional.ofNullable(closedReasons.get(scopeKey(scope) + "\0name\0" + name));
        }
    }

    /** The tenant's open sessions (through every front door), oldest first. */
    public List<ManagedSession> list(String tenant) {
        return collect(s -> s.owner().tenant().equals(tenant));
    }

    /** The open sessions of one scope of a tenant, oldest first. */
    public List<ManagedSession> list(String tenant, String scope) {
        return collect(s -> s.owner().tenant().equals(tenant) && s.owner().scope().equals(scope));
    }

    /** Every open session, oldest first. */
    public List<ManagedSession> all() {
        return collect(s -> true);
    }

    private List<ManagedSession> collect(java.util.function.Predicate<ManagedSession> which) {
        List<ManagedSession> out = new ArrayList<>();
        for (ManagedSession s : sessions.values()) {
            if (which.test(s) && s.isOpen()) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(ManagedSession::createdAt).thenComparingLong(s -> s.seq));
        return out;
    }

    /** Sessions registered now (open, or closed by their box and not yet reaped). */
    public int size() {
        return sessions.size();
    }

    /** The tenant's sessions registered now. */
    public int size(String tenant) {
        return (int) sessions.values().stream().filter(s -> s.owner().tenant().equals(tenant)).count();
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes a session (its box is removed; a run in progress ends killed) and frees its slot. Idempotent.
     *
     * @return whether this call closed it
     */
    public boolean close(ManagedSession s, String reason) {
        requireNonNull(reason, "reason");
        if (!sessions.remove(s.id(), s)) {
            return false;
        }
        release(s.owner(), s.name());
        synchronized (closedReasons) {
            closedReasons.put(s.owner().tenant() + "\0id\0" + s.id(), reason);
            if (s.name() != null) {
                closedReasons.put(scopeKey(s.owner()) + "\0name\0" + s.name(), reason);
            }
        }
        long t0 = System.nanoTime();
        try {
            s.session().close();
        } finally {
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            log.info("Session {}{} of tenant {} ({}) closed ({})", s.id(), s.name() != null ? " '" + s.name() + "'"
                    : "", s.owner().tenant(), s.owner().scope(), reason);
            for (Listener l : listeners) {
                notify(() -> l.closed(s, reason, took));
            }
        }
        return true;
    }

    /**
     * Closes every session of one scope (an MCP session or a conversation ended).
     *
     * @return how many were closed
     */
    public int closeScope(SessionOwner scope, String reason) {
        int n = 0;
        for (ManagedSession s : sessions.values()) {
            if (sameScope(s.owner(), scope) && close(s, reason)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Closes sessions unused for their idle timeout (skipping those in use), past their lifetime, or whose box went
     * away.
     *
     * @return how many were closed
     */
    public int reap() {
        Instant now = clock.instant();
        int n = 0;
        for (ManagedSession s : sessions.values()) {
            String reason = !s.isOpen() || s.isExpired(now) ? "lifetime" : s.isIdle(now) ? "idle" : null;
            if (reason != null && close(s, reason)) {
                n++;
            }
        }
        return n;
    }

    private void reapQuietly() {
        try {
            reap();
        } catch (RuntimeException e) {
            log.warn("Reaping sessions failed: {}", e.toString());
        }
    }

    /**
     * Refuses new sessions, stops the reaper and closes every session (removing their boxes, in parallel). The client
     * stays open. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (reaper != null) {
            reaper.shutdownNow();
        }
        try (var closer = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ManagedSession s : sessions.values()) {
                closer.submit(() -> close(s, "shutdown"));
            }
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    private static boolean sameScope(SessionOwner a, SessionOwner b) {
        return a.tenant().equals(b.tenant()) && a.scope().equals(b.scope());
    }

    private static void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("A session listener failed: {}", e.toString());
        }
    }

    /**
     * Configures a {@link SessionService}. Each setter checks its argument at once.
     *
     * @since 0.2
     */
    public static final class Builder {
        private final SandboxClient client;
        private int maxSessions = 32;
        private int maxSessionsPerTenant;
        private ToIntFunction<SessionOwner> principalLimit = o -> 0;
        private Duration idleTimeout = Duration.ofMinutes(15);
        private @Nullable Duration maxLifetime;
        private Duration reaperInterval = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(SandboxClient client) {
            this.client = requireNonNull(client, "client");
        }

        /** At most this many sessions at once, of all tenants and front doors together. The default is 32. */
        public Builder maxSessions(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxSessions (" + max + ") must be at least 1");
            }
            this.maxSessions = max;
            return this;
        }

        /** At most this many sessions per tenant; 0 (the default) for no cap but {@link #maxSessions}. */
        public Builder maxSessionsPerTenant(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxSessionsPerTenant (" + max + ") must not be negative");
            }
            this.maxSessionsPerTenant = max;
            return this;
        }

        /**
         * The cap of an owner's principal (e.g. its API key's {@code max_sessions}), over all its scopes; 0 for none.
         * Asked under the service's lock: answer quickly. By default there is none.
         */
        public Builder principalLimit(ToIntFunction<SessionOwner> limit) {
            this.principalLimit = requireNonNull(limit, "limit");
            return this;
        }

        /** How long a session may stay unused, unless its request says otherwise. The default is 15 minutes. */
        public Builder idleTimeout(Duration timeout) {
            positive("idleTimeout", timeout);
            this.idleTimeout = timeout;
            return this;
        }

        /** The longest a session may live, or {@code null} (the default) for the client's own bound. */
        public Builder maxLifetime(@Nullable Duration lifetime) {
            if (lifetime != null) {
                positive("maxLifetime", lifetime);
            }
            this.maxLifetime = lifetime;
            return this;
        }

        /**
         * How often a background thread reaps sessions; {@link Duration#ZERO} for never (call {@link #reap()}). The
         * default is 30 seconds.
         */
        public Builder reaperInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("reaperInterval (" + interval + ") must not be negative");
            }
            this.reaperInterval = interval;
            return this;
        }

        /** The clock of idle and lifetime deadlines (tests). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        private static void positive(String name, Duration d) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " (" + d + ") must be positive");
            }
        }

        public SessionService build() {
            return new SessionService(this);
        }
    }
}
