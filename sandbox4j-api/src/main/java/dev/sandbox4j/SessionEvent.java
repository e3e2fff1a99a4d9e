package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A session opened or closed.
 *
 * @param time      when
 * @param sessionId the session's id
 * @param principal who (see {@code SessionOptions.principal}), e.g. an API key id or OS user
 * @param language  canonical language id
 * @param image     the box's image
 * @param reason    why it closed ({@code null} when opened or closed normally)
 * @since 0.1
 */
public record SessionEvent(Instant time, String sessionId, String principal, String language, String image,
        @Nullable String reason) {
    public SessionEvent {
        requireNonNull(time, "time");
        requireNonNull(sessionId, "sessionId");
        requireNonNull(principal, "principal");
        requireNonNull(language, "language");
        requireNonNull(image, "image");
    }
}
