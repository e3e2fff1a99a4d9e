package dev.sandbox4j.tools;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.text.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools' sessions: {@code create_session}, {@code close_session}, {@code list_sessions}, the lookup every other
 * session tool goes through, the caps (per scope and for all scopes) and idle expiry.
 */
final class ToolScopes {
    private static final Logger log = LoggerFactory.getLogger(SandboxTools.class);
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final int EXPIRED_MEMORY = 32;

    private final SandboxClient client;
    private final SessionOptions options;
    private final Duration idleTimeout;
    private final int maxPerScope;
    private final int maxSessions;
    private final Clock clock;
    private final BooleanSupplier closed;
    private final Map<String, Scope> scopes = new ConcurrentHashMap<>();
    /** Sessions open or being opened, in all scopes (kept apart from the scopes' locks: no lock nesting). */
    private final AtomicInteger reserved = new AtomicInteger();

    ToolScopes(SandboxClient client, SessionOptions options, Duration idleTimeout, int maxPerScope, int maxSessions,
            Clock clock, BooleanSupplier closed) {
        this.client = client;
        this.options = options;
        this.idleTimeout = idleTimeout;
        this.maxPerScope = maxPerScope;
        this.maxSessions = maxSessions;
        this.clock = clock;
        this.closed = closed;
    }

    static void requireScope(String scope) {
        if (scope.isBlank()) {
            throw new ToolError("Internal error: the caller gave no scope.");
        }
    }

    ToolResult create(String scope, String language, @Nullable Boolean stateful, @Nullable String requestedId) {
        requireScope(scope);
        if (requestedId != null && !SESSION_ID.matcher(requestedId).matches()) {
            throw new ToolError("Invalid session_id '" + Texts.sanitize(requestedId, 70) + "': use 1 to 64 "
                    + "letters, digits, '_', '.' or '-', starting with a letter or digit; or omit it.");
        }
        String id = requestedId != null ? requestedId : "s-" + UUID.randomUUID().toString().substring(0, 8);
        Scope s = reserve(scope, id);
        SandboxSession session = null;
        boolean registered = false;
        try {
            session = open(language, stateful);
            Instant now = clock.instant();
            Entry e = new Entry(id, scope, session, now);
            synchronized (s) {
                s.pending.remove(id);
                if (s.removed || closed.getAsBoolean()) {
                    throw new ToolError("The conversation ended while the session was being created.");
                }
                s.sessions.put(id, e);
                s.expired.remove(id);
                registered = true;
            }
            log.info("Opened session {} ({}, {}) for scope {}", id, session.id(), session.language(), scope);
            Map<String, Object> m = sessionMap(e);
            return ToolResult.ok("Created " + (e.session.isStateful() ? "stateful " : "") + e.session.language()
                    + " session '" + id + "'" + (e.session.isStateful()
                            ? " (variables, files and packages persist between runs)"
                            : " (files and packages persist between runs)")
                    + "; it closes after " + ResultText.human(idleTimeout) + " without use.", m);
        } finally {
            synchronized (s) {
                s.pending.remove(id);
            }
            if (!registered) {
                reserved.decrementAndGet();
                if (session != null) {
                    session.close();
                }
            }
        }
    }

    private SandboxSession open(String language, @Nullable Boolean stateful) {
        if (stateful != null) {
            return client.openSession(language, options.toBuilder().stateful(stateful).build());
        }
        try {
            return client.openSession(language, options.toBuilder().stateful(true).build());
        } catch (UnsupportedOperationException e) { // no kernel for this language: files still persist
            return client.openSession(language, options.toBuilder().stateful(false).build());
        }
    }

    ToolResult close(String scope, String id) {
        Scope s = scopes.get(scope);
        Entry e = null;
        if (s != null) {
            synchronized (s) {
                e = s.sessions.remove(id);
            }
        }
        if (e == null) {
            throw unknownSession(s, id);
        }
        closeEntry(e);
        log.info("Closed session {} ({}) of scope {}", id, e.session.id(), scope);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("closed", true);
        return ToolResult.ok("Closed session '" + id + "'.", m);
    }

    ToolResult list(String scope) {
        List<Entry> entries = entries(scope);
        List<Map<String, Object>> list = entries.stream().map(this::sessionMap).toList();
        StringBuilder text = new StringBuilder();
        if (entries.isEmpty()) {
            text.append("No open sessions. Create one with create_session.");
        } else {
            text.append(entries.size()).append(" open session(s) (at most ").append(maxPerScope).append("):");
            for (Entry e : entries) {
                text.append("\n- ").append(e.id).append(": ").append(e.session.language())
                        .append(e.session.isStateful() ? ", stateful" : "").append(", idle ")
                        .append(ResultText.human(Duration.between(e.lastUsed, clock.instant())));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sessions", list);
        m.put("max_sessions", maxPerScope);
        return ToolResult.ok(text.toString(), m);
    }

    /** Calls {@code call} with the scope's session {@code id}, one call at a time per session. */
    ToolResult with(String scope, String id, Function<Entry, ToolResult> call) {
        requireScope(scope);
        Scope s = scopes.get(scope);
        Entry e = null;
        if (s != null) {
            synchronized (s) {
                e = s.sessions.get(id);
            }
        }
        if (e == null) {
            throw unknownSession(s, id);
        }
        e.lock.lock();
        try {
            if (e.closing) {
                throw new ToolError("Session '" + id + "' was closed (idle for " + ResultText.human(idleTimeout)
                        + "). Create a new one with create_session.");
            }
            e.lastUsed = clock.instant();
            try {
                return call.apply(e);
            } finally {
                e.lastUsed = clock.instant();
            }
        } finally {
            e.lock.unlock();
        }
    }

    int count(String scope) {
        Scope s = scopes.get(scope);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.sessions.size();
        }
    }

    int count() {
        int n = 0;
        for (Scope s : scopes.values()) {
            synchronized (s) {
                n += s.sessions.size();
            }
        }
        return n;
    }

    int scopeCount() {
        return scopes.size();
    }

    int closeScope(String scope) {
        Scope s = scopes.remove(scope);
        if (s == null) {
            return 0;
        }
        List<Entry> entries;
        synchronized (s) {
            s.removed = true;
            entries = new ArrayList<>(s.sessions.values());
            s.sessions.clear();
        }
        entries.forEach(this::closeEntry);
        return entries.size();
    }

    void closeAll() {
        for (String scope : List.copyOf(scopes.keySet())) {
            closeScope(scope);
        }
    }

    int reapIdle() {
        Instant now = clock.instant();
        List<Entry> expired = new ArrayList<>();
        for (Map.Entry<String, Scope> se : scopes.entrySet()) {
            Scope s = se.getValue();
            synchronized (s) {
                for (var it = s.sessions.values().iterator(); it.hasNext(); ) {
                    Entry e = it.next();
                    if (!e.lastUsed.plus(idleTimeout).isAfter(now) && e.lock.tryLock()) {
                        try {
                            e.closing = true;
                        } finally {
                            e.lock.unlock();
                        }
                        it.remove();
                        s.rememberExpired(e.id);
                        s.lastActivity = now;
                        expired.add(e);
                    }
                }
                // forget a conversation that has had no session for a while (its expiry notes go with it)
                if (s.sessions.isEmpty() && s.pending.isEmpty() && !s.lastActivity.plus(idleTimeout).isAfter(now)) {
                    s.removed = true;
                    scopes.remove(se.getKey(), s);
                }
            }
        }
        for (Entry e : expired) {
            log.info("Closing session {} ({}) of scope {}: idle for {}", e.id, e.session.id(), e.scope, idleTimeout);
            closeEntry(e);
        }
        return expired.size();
    }

    private Scope reserve(String scope, String id) {
        while (true) {
            if (closed.getAsBoolean()) {
                throw new ToolError("The sandbox tools are closed.");
            }
            Scope s = scopes.computeIfAbsent(scope, k -> new Scope());
            synchronized (s) {
                if (s.removed) {
                    continue; // closeScope raced us: take a fresh one
                }
                if (s.sessions.containsKey(id) || s.pending.contains(id)) {
                    throw new ToolError("A session '" + id + "' already exists; use it, or close it first.");
                }
                if (s.sessions.size() + s.pending.size() >= maxPerScope) {
                    throw new ToolError("Session limit reached: at most " + maxPerScope + " open sessions ("
                            + String.join(", ", s.sessions.keySet()) + "). Close one with close_session first.");
                }
                if (reserved.incrementAndGet() > maxSessions) {
                    reserved.decrementAndGet();
                    throw new ToolError("The sandbox is busy: " + maxSessions + " sessions are open. Run without "
                            + "a session, or try again later.");
                }
                s.pending.add(id);
                s.lastActivity = clock.instant();
                return s;
            }
        }
    }

    private ToolError unknownSession(@Nullable Scope s, String id) {
        List<String> open = List.of();
        boolean expired = false;
        if (s != null) {
            synchronized (s) {
                open = List.copyOf(s.sessions.keySet());
                expired = s.expired.contains(id);
            }
        }
        if (expired) {
            return new ToolError("Session '" + Texts.sanitize(id, 70) + "' expired after "
                    + ResultText.human(idleTimeout)
                    + " without use and was closed, with its files. Create a new one with create_session.");
        }
        return new ToolError("Unknown session_id '" + Texts.sanitize(id, 70) + "'. "
                + (open.isEmpty() ? "There are no open sessions; create one with create_session, or run without "
                        + "session_id." : "Open sessions: " + open + "."));
    }

    private List<Entry> entries(String scope) {
        Scope s = scopes.get(scope);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            return List.copyOf(s.sessions.values());
        }
    }

    private Map<String, Object> sessionMap(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", e.id);
        m.put("language", e.session.language());
        m.put("stateful", e.session.isStateful());
        m.put("created_at", e.created.toString());
        m.put("last_used_at", e.lastUsed.toString());
        m.put("expires_at", e.lastUsed.plus(idleTimeout).toString());
        return m;
    }

    /** Closes a session already removed from its scope (each entry passes here exactly once). */
    private void closeEntry(Entry e) {
        reserved.decrementAndGet();
        e.lock.lock(); // wait for a running call
        try {
            e.closing = true;
            e.session.close();
        } catch (RuntimeException ex) {
            log.warn("Closing session {} ({}) failed", e.id, e.session.id(), ex);
        } finally {
            e.lock.unlock();
        }
    }

    private static final class Scope {
        final Map<String, Entry> sessions = new LinkedHashMap<>();
        final Set<String> pending = new LinkedHashSet<>();
        final Set<String> expired = new LinkedHashSet<>();
        boolean removed;
        Instant lastActivity = Instant.EPOCH;

        void rememberExpired(String id) {
            expired.add(id);
            if (expired.size() > EXPIRED_MEMORY) {
                expired.remove(expired.iterator().next());
            }
        }
    }

    /** An open session of a scope; {@link #session()} is what a tool uses. */
    static final class Entry {
        final String id;
        final String scope;
        final SandboxSession session;
        final Instant created;
        final ReentrantLock lock = new ReentrantLock();
        volatile Instant lastUsed;
        volatile boolean closing;

        Entry(String id, String scope, SandboxSession session, Instant created) {
            this.id = id;
            this.scope = scope;
            this.session = session;
            this.created = created;
            this.lastUsed = created;
        }

        SandboxSession session() {
            return session;
        }

        String id() {
            return id;
        }
    }
}
