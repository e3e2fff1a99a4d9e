package dev.sandbox4j.service;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.SessionOptions;
import java.time.Duration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What to open: for whom, which language, with which options, and how the session is managed.
 *
 * @param owner who the session belongs to
 * @param language the language id or alias
 * @param options the session's options; the service sets the principal (the owner's) and bounds the session's
 *     lifetime by its own
 * @param name a name unique in the owner's scope (the agent tools let a model choose one), or {@code null}; the
 *     session's {@link ManagedSession#id() id} is always the engine's
 * @param idleTimeout how long the session may stay unused, or {@code null} for the service's
 *     ({@link SessionService.Builder#idleTimeout})
 * @param maxInScope the most sessions the owner's scope may hold, this one included; 0 for no cap of its own
 * @param attachment what the front door keeps with the session (e.g. the HTTP API's request policy), or {@code null}
 * @since 0.2
 */
public record SessionRequest(SessionOwner owner, String language, SessionOptions options, @Nullable String name,
        @Nullable Duration idleTimeout, int maxInScope, @Nullable Object attachment) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** @throws IllegalArgumentException for a malformed name, a non-positive idle timeout or a negative cap */
    public SessionRequest {
        requireNonNull(owner, "owner");
        requireNonNull(language, "language");
        requireNonNull(options, "options");
        if (name != null && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("session name '" + dev.sandbox4j.text.Texts.sanitize(name, 70)
                    + "' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (idleTimeout != null && (idleTimeout.isNegative() || idleTimeout.isZero())) {
            throw new IllegalArgumentException("idleTimeout (" + idleTimeout + ") must be positive");
        }
        if (maxInScope < 0) {
            throw new IllegalArgumentException("maxInScope (" + maxInScope + ") must not be negative");
        }
    }

    /** A request with default options, no name, the service's idle timeout and no scope cap. */
    public static SessionRequest of(SessionOwner owner, String language, SessionOptions options) {
        return new SessionRequest(owner, language, options, null, null, 0, null);
    }

    /** Whether {@code name} is a valid session name. */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    /** The same request with this name. */
    public SessionRequest withName(@Nullable String newName) {
        return new SessionRequest(owner, language, options, newName, idleTimeout, maxInScope, attachment);
    }

    /** The same request with these options. */
    public SessionRequest withOptions(SessionOptions newOptions) {
        return new SessionRequest(owner, language, newOptions, name, idleTimeout, maxInScope, attachment);
    }
}
