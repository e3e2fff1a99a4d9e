package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.entry;

import io.javalin.http.Context;

/**
 * The run slots as the routes take them: a {@link RunLimiter} permit for the request's caller, with the client's
 * connection watched while the request waits for a slot (a client that hangs up leaves the queue), and refusals
 * counted in {@code sandbox_requests_rejected_total{reason="too_many_runs"}}. Thread-safe.
 */
final class RunSlots {
    private final RunLimiter limiter;
    private final ServerMetrics metrics;
    private final DisconnectWatcher watcher;

    RunSlots(RunLimiter limiter, ServerMetrics metrics, DisconnectWatcher watcher) {
        this.limiter = limiter;
        this.metrics = metrics;
        this.watcher = watcher;
    }

    /**
     * A run permit of the request's caller, once there is a slot for it.
     *
     * @throws ApiException 429 when the caller, its tenant or the server runs too much and no slot came in time
     *     (counted as rejected), 503 while shutting down
     * @throws RunLimiter.Abandoned if the client hung up while waiting (the request is recorded as cancelled)
     */
    RunLimiter.Permit acquire(Context ctx, Caller caller) {
        try {
            return limiter.acquire(caller, abandon -> watcher.watch(ctx, abandon)::close);
        } catch (ApiException e) {
            if (e.status == 429) {
                metrics.rejected("too_many_runs");
            }
            throw e;
        } catch (RunLimiter.Abandoned e) {
            entry(ctx).cancelled = true;
            throw e;
        }
    }

    long retryAfterSeconds() {
        return limiter.retryAfterSeconds();
    }
}
