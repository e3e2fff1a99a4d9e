package dev.sandbox4j.tools;

import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.service.ManagedSession;
import dev.sandbox4j.service.SessionLimitException;
import dev.sandbox4j.service.SessionNameTakenException;
import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.service.SessionRequest;
import dev.sandbox4j.service.SessionService;
import dev.sandbox4j.text.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The tools' sessions: {@code create_session}, {@code close_session}, {@code list_sessions} and the lookup every other
 * session tool goes through, on the {@link SessionService} (which owns caps, names, reaping and closing). A tool call's
 * owner is a scope of a tenant; the session ids the model sees are the sessions' names in that scope. The sessions the
 * tools opened carry this object as their attachment, so the tools can close theirs and nothing else, and remember no
 * scope of their own.
 */
final class ToolSessions {
    private final SessionService service;
    private final SessionOptions options;
    private final @Nullable Duration idleTimeout;
    private final int maxPerScope;
    private final Clock clock;

    ToolSessions(SessionService service, SessionOptions options, @Nullable Duration idleTimeout, int maxPerScope,
            Clock clock) {
        this.service = service;
        this.options = options;
        this.idleTimeout = idleTimeout;
        this.maxPerScope = maxPerScope;
        this.clock = clock;
    }

    SessionService service() {
        return service;
    }

    /** The options of a one-shot run for {@code owner}: the tools' options, with the owner's principal. */
    SessionOptions oneShotOptions(SessionOwner owner) {
        return owner.principal() == null ? options : options.toBuilder().principal(owner.principal()).build();
    }

    Duration idleTimeout() {
        return idleTimeout != null ? idleTimeout : service.idleTimeout();
    }

    ToolResult create(SessionOwner owner, String language, @Nullable Boolean stateful, @Nullable String requested) {
        if (requested != null && !SessionRequest.isValidName(requested)) {
            throw new ToolError("Invalid session_id '" + Texts.sanitize(requested, 70) + "': use 1 to 64 "
                    + "letters, digits, '_', '.' or '-', starting with a letter or digit; or omit it.");
        }
        String name = requested != null ? requested : "s-" + UUID.randomUUID().toString().substring(0, 8);
        boolean kernel = stateful != null ? stateful : hasKernel(language);
        ManagedSession s;
        try {
            s = open(owner, language, kernel, name);
        } catch (UnsupportedOperationException e) {
            if (stateful != null || !kernel) {
                throw e;
            }
            s = open(owner, language, false, name); // no kernel here after all: files still persist
        }
        Map<String, Object> m = sessionMap(s);
        return ToolResult.ok("Created " + (s.session().isStateful() ? "stateful " : "") + s.session().language()
                + " session '" + name + "'" + (s.session().isStateful()
                        ? " (variables, files and packages persist between runs)"
                        : " (files and packages persist between runs)")
                + "; it closes after " + ResultText.human(s.idleTimeout()) + " without use.", m);
    }

    private ManagedSession open(SessionOwner owner, String language, boolean stateful, String name) {
        SessionRequest r = new SessionRequest(owner, language, options.toBuilder().stateful(stateful).build(), name,
                idleTimeout, maxPerScope, this);
        try {
            return service.open(r);
        } catch (SessionNameTakenException e) {
            throw new ToolError("A session '" + name + "' already exists; use it, or close it first.");
        } catch (SessionLimitException e) {
            throw new ToolError(switch (e.cap()) {
                case SCOPE -> "Session limit reached: at most " + e.limit() + " open sessions (" + String.join(", ",
                        service.list(owner.tenant(), owner.scope()).stream().map(ManagedSession::label).toList())
                        + "). Close one with close_session first.";
                case SERVICE -> "The sandbox is busy: " + e.open() + " sessions are open. Run without a session, or "
                        + "try again later.";
                case TENANT, PRINCIPAL -> "Session limit reached: " + e.getMessage() + ", counting sessions opened "
                        + "through every channel. Close one first, or run without a session.";
            });
        } catch (IllegalStateException e) {
            if (service.isClosed()) {
                throw new ToolError("The sandbox tools are closed.");
            }
            throw e;
        }
    }

    private static boolean hasKernel(String language) {
        try {
            return Sandbox4j.language(language).map(LanguageInfo::stateful).orElse(true);
        } catch (IllegalStateException e) { // no engine on the class path that could tell: try, and fall back
            return true;
        }
    }

    ToolResult close(SessionOwner owner, String id) {
        ManagedSession s = service.findByName(owner, id).orElseThrow(() -> unknown(owner, id));
        service.close(s, "deleted");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("closed", true);
        return ToolResult.ok("Closed session '" + id + "'.", m);
    }

    ToolResult list(SessionOwner owner) {
        List<ManagedSession> open = service.list(owner.tenant(), owner.scope());
        StringBuilder text = new StringBuilder();
        if (open.isEmpty()) {
            text.append("No open sessions. Create one with create_session.");
        } else {
            text.append(open.size()).append(" open session(s) (at most ").append(maxPerScope).append("):");
            Instant now = clock.instant();
            for (ManagedSession s : open) {
                text.append("\n- ").append(s.label()).append(": ").append(s.session().language())
                        .append(s.session().isStateful() ? ", stateful" : "").append(", idle ")
                        .append(ResultText.human(Duration.between(s.lastUsedAt(), now).isNegative() ? Duration.ZERO
                                : Duration.between(s.lastUsedAt(), now)));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sessions", open.stream().map(ToolSessions::sessionMap).toList());
        m.put("max_sessions", maxPerScope);
        return ToolResult.ok(text.toString(), m);
    }

    /**
     * Calls {@code call} with the owner's session named {@code id}, one call at a time per session (a run, a file, an
     * installation), the session marked in use meanwhile.
     */
    ToolResult with(SessionOwner owner, String id, Function<ManagedSession, ToolResult> call) {
        ManagedSession s = service.findByName(owner, id).orElseThrow(() -> unknown(owner, id));
        try (ManagedSession.Use u = s.exclusive()) {
            if (!s.isOpen()) {
                throw unknown(owner, id);
            }
            return call.apply(s);
        }
    }

    private ToolError unknown(SessionOwner owner, String id) {
        String name = Texts.sanitize(id, 70);
        String reason = service.closedReason(owner, id).orElse(null);
        if ("idle".equals(reason)) {
            return new ToolError("Session '" + name + "' expired after " + ResultText.human(idleTimeout())
                    + " without use and was closed, with its files. Create a new one with create_session.");
        }
        if (reason != null) {
            return new ToolError("Session '" + name + "' was closed (" + switch (reason) {
                case "deleted" -> "deleted";
                case "lifetime" -> "its lifetime is over, or its sandbox failed";
                default -> Texts.sanitize(reason, 60);
            } + "), with its files. Create a new one with create_session.");
        }
        List<String> open = service.list(owner.tenant(), owner.scope()).stream().map(ManagedSession::label).toList();
        return new ToolError("Unknown session_id '" + name + "'. " + (open.isEmpty()
                ? "There are no open sessions; create one with create_session, or run without session_id."
                : "Open sessions: " + open + "."));
    }

    static Map<String, Object> sessionMap(ManagedSession s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", s.label());
        m.put("language", s.session().language());
        m.put("stateful", s.session().isStateful());
        m.put("created_at", s.createdAt().toString());
        m.put("last_used_at", s.lastUsedAt().toString());
        Instant expires = s.expiresAt() != null && s.expiresAt().isBefore(s.idleExpiresAt()) ? s.expiresAt()
                : s.idleExpiresAt();
        m.put("expires_at", expires.toString());
        return m;
    }

    /** Sessions open in the owner's scope. */
    int count(SessionOwner owner) {
        return service.list(owner.tenant(), owner.scope()).size();
    }

    /** The open sessions the tools opened, in every scope. */
    List<ManagedSession> mine() {
        return service.all().stream().filter(s -> s.attachment() == this).toList();
    }

    /** Sessions the tools opened that are open now. */
    int count() {
        return mine().size();
    }

    /** Scopes holding sessions the tools opened (the tools remember nothing of a scope without sessions). */
    int scopeCount() {
        return (int) mine().stream().map(s -> s.owner().tenant() + '\0' + s.owner().scope()).distinct().count();
    }

    int closeScope(SessionOwner owner, String reason) {
        return service.closeScope(owner, reason);
    }

    /** Closes every session the tools opened. */
    void closeAll(String reason) {
        for (ManagedSession s : mine()) {
            service.close(s, reason);
        }
    }
}
