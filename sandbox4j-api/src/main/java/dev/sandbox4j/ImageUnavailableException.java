package dev.sandbox4j;

import org.jspecify.annotations.Nullable;

/**
 * The image a session needs is not present on the engine (and cannot be pulled).
 *
 * <p>The message says how to get it, e.g. {@code sandbox4j images build}.
 *
 * @since 0.1
 */
public final class ImageUnavailableException extends SandboxException {
    private final String image;

    public ImageUnavailableException(String image, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.image = image;
    }

    /** The image reference that was not found. */
    public String image() {
        return image;
    }
}
