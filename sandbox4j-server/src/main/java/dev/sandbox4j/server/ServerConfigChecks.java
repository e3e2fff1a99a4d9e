package dev.sandbox4j.server;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules the values of a {@link ServerConfig} follow: each value's range, checked by the builder's methods as a
 * value is set and again by the record's constructor, and the rules between values (unique API keys, a code size
 * within the body size, ...), checked by the constructor. Each message names the configuration-file key
 * ({@code max_body_size}) and the offending value; every method throws {@link IllegalArgumentException} (or
 * {@link NullPointerException} for a missing value).
 */
final class ServerConfigChecks {
    private ServerConfigChecks() {}

    static void checkHost(String host) {
        if (host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]%_-]{1,255}")) {
            throw new IllegalArgumentException("host '" + Texts.sanitize(host, 60)
                    + "' must be a host name or IP address such as 127.0.0.1 or 0.0.0.0");
        }
    }

    static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port (" + port + ") must be between 0 and 65535 (0 picks a free one)");
        }
    }

    static void checkAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " (" + value + ") must be at least " + min);
        }
    }

    static void checkSize(String name, DataSize size, long minBytes) {
        requireNonNull(size, name);
        if (size.bytes() < minBytes) {
            throw new IllegalArgumentException(name + " (" + size + ") must be at least " + minBytes + " bytes");
        }
        if (size.bytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " (" + size + ") must be below 2 GiB");
        }
    }

    static void checkPositive(String name, Duration d) {
        requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " (" + d + ") must be positive");
        }
    }

    static void checkNotNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " (" + d + ") must not be negative");
        }
    }

    /** {@code name (value) must not exceed limitName (limit)}. */
    static <T extends Comparable<? super T>> void checkNotAbove(String name, T value, String limitName, T limit) {
        if (value.compareTo(limit) > 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must not exceed " + limitName + " (" + limit
                    + ")");
        }
    }

    static void checkMaxMemory(DataSize maxMemory) {
        if (maxMemory.toMegabytes() < 6) {
            throw new IllegalArgumentException("max_memory (" + maxMemory + ") must be at least 6 MiB");
        }
    }

    /** The most runs {@code run_queue} may let wait. */
    static final int MAX_RUN_QUEUE = 100_000;

    /** The longest {@code run_queue_wait}. */
    static final Duration MAX_RUN_QUEUE_WAIT = Duration.ofMinutes(5);

    static void checkRunQueue(int n) {
        if (n < 0 || n > MAX_RUN_QUEUE) {
            throw new IllegalArgumentException("run_queue (" + n + ") must be between 0 and " + MAX_RUN_QUEUE
                    + " (0: no queue)");
        }
    }

    static void checkRunQueueWait(Duration d) {
        requireNonNull(d, "run_queue_wait");
        if (d.isNegative() || d.compareTo(MAX_RUN_QUEUE_WAIT) > 0) {
            throw new IllegalArgumentException("run_queue_wait (" + d + ") must be between 0 and 5 minutes (0: no "
                    + "queue)");
        }
    }

    static void checkMaxConcurrentCreations(int n) {
        if (n < 1 || n > 1024) {
            throw new IllegalArgumentException("max_concurrent_creations (" + n + ") must be between 1 and 1024");
        }
    }

    static void checkCreationQueue(int n) {
        if (n < 0 || n > MAX_RUN_QUEUE) {
            throw new IllegalArgumentException("creation_queue (" + n + ") must be between 0 and " + MAX_RUN_QUEUE
                    + " (0: a creation that cannot start at once is refused)");
        }
    }

    static void checkPoolMaxUses(String language, Integer uses) {
        requireNonNull(language, "pool language");
        if (uses == null || uses < 1 || uses > 1_000_000) {
            throw new IllegalArgumentException("pool_max_uses of '" + Texts.sanitize(language, 40) + "' (" + uses
                    + ") must be between 1 and 1000000");
        }
    }

    static void checkPool(String language, Integer ready) {
        requireNonNull(language, "pool language");
        if (ready == null || ready < 1 || ready > 64) {
            throw new IllegalArgumentException("pool of '" + Texts.sanitize(language, 40) + "' (" + ready
                    + ") must keep 1 to 64 boxes ready");
        }
    }

    /** The same rules as the boxes' own labels (reserved namespace), checked now rather than at the first session. */
    static void checkLabels(Map<String, String> labels) {
        RuntimeConfig.Builder rb = RuntimeConfig.builder();
        labels.forEach(rb::label);
        rb.build();
    }

    /** Checks that ids and secrets are unique; returns the secrets. */
    static Set<String> checkApiKeys(List<ApiKey> apiKeys) {
        Set<String> ids = new HashSet<>();
        Set<String> secrets = new HashSet<>();
        for (ApiKey k : apiKeys) {
            if (!ids.add(k.id())) {
                throw new IllegalArgumentException("two API keys have the id '" + k.id() + "'; ids must be unique");
            }
            if (!secrets.add(k.secret())) {
                throw new IllegalArgumentException("API key '" + k.id() + "' has the same secret as another key");
            }
        }
        return secrets;
    }

    static void checkOperatorKey(String key) {
        if (key.length() < ApiKey.MIN_SECRET_LENGTH || key.isBlank()) {
            throw new IllegalArgumentException("operator_key is too short (" + key.length() + " characters); use at "
                    + "least " + ApiKey.MIN_SECRET_LENGTH + ", e.g. `openssl rand -hex 24`");
        }
    }
}
