package dev.sandbox4j.server;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the runs in flight, over all keys, per key, and, when several tenants share the server, per tenant. There
 * is no queue: a run that finds no free slot is refused at once with 429 and a {@code Retry-After}, so load beyond
 * capacity costs the server almost nothing and memory stays bounded. Thread-safe.
 *
 * <p>Fair share. With two or more tenants configured, a tenant may always hold up to its share of the slots
 * ({@link ServerConfig#effectiveTenantRunShare()}, by default half of them); beyond that it borrows idle slots only
 * while {@link #reserve} of them (a quarter, at least one) stay free for the other tenants. So a tenant alone uses
 * most of the server, and one that floods it cannot keep another from running. With a single tenant (or none, when
 * authentication is off) there is nobody to be fair to, and every slot may be used.
 */
final class RunLimiter {
    private final int globalMax;
    private final int tenantShare;
    private final int reserve;
    private final boolean fair;
    private final Map<String, Semaphore> perKey = new ConcurrentHashMap<>();
    /** Runs in flight per tenant; guarded by {@code this}, like {@link #inUse}. */
    private final Map<String, Integer> perTenant = new HashMap<>();
    private int inUse;
    private final long retryAfterSeconds;

    /**
     * @param tenantShare the slots a tenant may always hold
     * @param fair whether the fair share applies (two or more tenants)
     */
    RunLimiter(int globalMax, Duration retryAfter, int tenantShare, boolean fair) {
        this.globalMax = globalMax;
        this.tenantShare = tenantShare;
        this.reserve = Math.max(1, globalMax / 4);
        this.fair = fair && tenantShare < globalMax;
        this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** Without fair shares (one tenant). */
    RunLimiter(int globalMax, Duration retryAfter) {
        this(globalMax, retryAfter, globalMax, false);
    }

    /** A slot; closing it (once) frees it. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a slot for one run of {@code caller}.
     *
     * @throws ApiException 429 if the key, its tenant's fair share or the server has no free slot
     */
    Permit acquire(Caller caller) {
        Semaphore mine = perKey.computeIfAbsent(caller.keyId(), k -> new Semaphore(caller.maxConcurrentRuns()));
        if (!mine.tryAcquire()) {
            throw ApiException.tooManyRequests("API key '" + caller.keyId() + "' already has "
                    + caller.maxConcurrentRuns() + " runs in flight (its limit); retry later", retryAfterSeconds);
        }
        String tenant = caller.tenant();
        synchronized (this) {
            int held = perTenant.getOrDefault(tenant, 0);
            int free = globalMax - inUse;
            if (free == 0) {
                mine.release();
                throw ApiException.tooManyRequests("the server is running " + globalMax
                        + " programs at once (its limit); retry later", retryAfterSeconds);
            }
            if (fair && held >= tenantShare && free - 1 < reserve) {
                mine.release();
                throw ApiException.tooManyRequests("tenant '" + tenant + "' already has " + held + " runs in flight, "
                        + "more than its fair share (" + tenantShare + " of the server's " + globalMax + "); the "
                        + "remaining slots are kept for other tenants; retry later", retryAfterSeconds);
            }
            inUse++;
            perTenant.merge(tenant, 1, Integer::sum);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                synchronized (this) {
                    inUse--;
                    perTenant.compute(tenant, (t, n) -> n == null || n <= 1 ? null : n - 1);
                }
                mine.release();
            }
        };
    }

    /** Runs in flight now. */
    synchronized int inFlight() {
        return inUse;
    }

    /** Runs in flight now of one tenant. */
    synchronized int inFlight(String tenant) {
        return perTenant.getOrDefault(tenant, 0);
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
