package dev.sandbox4j.core;

import dev.sandbox4j.spi.DirectBackend;

/** What the engine refuses on a {@link DirectBackend}: the backend's declared reason, or a sentence of its own. */
final class Direct {
    private Direct() {}

    /** The refusal of {@code what} because the backend lacks {@code feature}. */
    static UnsupportedOperationException refused(DirectBackend backend, DirectBackend.Feature feature, String what) {
        String why = backend.lacks().get(feature);
        return new UnsupportedOperationException(why != null ? why : "the " + backend.name() + " backend does not "
                + "support " + what);
    }
}
