package dev.sandbox4j.server;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the runs in flight, over all keys and per key. There is no queue: a run that finds no free slot is refused
 * at once with 429 and a {@code Retry-After}, so load beyond capacity costs the server almost nothing and memory
 * stays bounded. Thread-safe.
 */
final class RunLimiter {
    private final Semaphore global;
    private final int globalMax;
    private final Map<String, Semaphore> perKey = new ConcurrentHashMap<>();
    private final long retryAfterSeconds;

    RunLimiter(int globalMax, Duration retryAfter) {
        this.global = new Semaphore(globalMax);
        this.globalMax = globalMax;
        this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** A slot; closing it (once) frees it. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a slot for one run of {@code caller}.
     *
     * @throws ApiException 429 if the key or the server has no free slot
     */
    Permit acquire(Caller caller) {
        Semaphore mine = perKey.computeIfAbsent(caller.keyId(), k -> new Semaphore(caller.maxConcurrentRuns()));
        if (!mine.tryAcquire()) {
            throw ApiException.tooManyRequests("API key '" + caller.keyId() + "' already has "
                    + caller.maxConcurrentRuns() + " runs in flight (its limit); retry later", retryAfterSeconds);
        }
        if (!global.tryAcquire()) {
            mine.release();
            throw ApiException.tooManyRequests("the server is running " + globalMax
                    + " programs at once (its limit); retry later", retryAfterSeconds);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                global.release();
                mine.release();
            }
        };
    }

    /** Runs in flight now. */
    int inFlight() {
        return globalMax - global.availablePermits();
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
