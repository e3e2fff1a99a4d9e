package dev.sandbox4j;

import java.time.Duration;

final class Timeouts {
    /** Longer than any sensible run; keeps deadline arithmetic far from overflow. */
    static final Duration MAX = Duration.ofDays(7);

    private Timeouts() {}

    static void checkPositive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " (" + d + ") must be positive");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(name + " (" + d + ") must be at most " + MAX);
        }
    }
}
