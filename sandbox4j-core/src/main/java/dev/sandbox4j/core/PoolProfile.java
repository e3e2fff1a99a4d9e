package dev.sandbox4j.core;

import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.BoxSpec;

/**
 * What the boxes of one warm pool ({@link BoxPool}) are made from, apart from their names and labels; a session takes
 * a pooled box only if its box would have exactly this profile. The runtime's {@code image} is left out:
 * {@link #image} is the resolved one.
 */
record PoolProfile(String language, String image, String supervisorUser, ResourceLimits limits,
        RuntimeConfig runtime) {
    static PoolProfile of(String language, BoxSpec spec) {
        return new PoolProfile(language, spec.image(), spec.supervisorUser(), spec.limits(),
                spec.runtime().image() == null ? spec.runtime() : spec.runtime().toBuilder().image(null).build());
    }
}
