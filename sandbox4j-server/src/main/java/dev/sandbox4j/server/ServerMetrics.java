package dev.sandbox4j.server;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.SandboxClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The service's Prometheus metrics (Micrometer): runs by kind, language and status; latency histograms by phase
 * (request, open, run, close); where each run's time went ({@code sandbox_run_phase_seconds{phase, language}}, from
 * the result's {@link dev.sandbox4j.PhaseTimings}: queue, acquire, policy, install, compile, run, teardown,
 * artifacts); active sessions; runs in flight and waiting for a slot; policy blocks; refused requests by reason; warm
 * pool sizes, misses, recycled boxes and scrub failures per language; JVM basics. Thread-safe.
 */
final class ServerMetrics implements AutoCloseable {
    /** Histogram buckets for phase latencies: 1 ms to 5 minutes. */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(5)
    };

    /** Histogram buckets for the phases of a run: 100 µs (a pooled hand-out, a policy scan) to 5 minutes. */
    private static final Duration[] RUN_PHASE_BUCKETS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000)),
            java.util.Arrays.stream(BUCKETS)).toArray(Duration[]::new);

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    ServerMetrics(IntSupplier activeSessions, IntSupplier runsInFlight, IntSupplier runsWaiting,
            SandboxClient client) {
        Gauge.builder("sandbox.sessions.active", activeSessions, IntSupplier::getAsInt)
                .description("Sessions open through the API").strongReference(true).register(registry);
        Gauge.builder("sandbox.runs.in_flight", runsInFlight, IntSupplier::getAsInt)
                .description("Runs (and commands, installations, file listings) in flight").strongReference(true)
                .register(registry);
        Gauge.builder("sandbox.runs.waiting", runsWaiting, IntSupplier::getAsInt)
                .description("Runs waiting for a slot (run_queue)").strongReference(true).register(registry);
        Gauge.builder("sandbox.client.sessions.open", client, SandboxClient::openSessions)
                .description("Sessions of the server's client, one-shot runs included").register(registry);
        List<PoolStats> pools = client.poolStats();
        for (PoolStats p : pools) {
            String lang = p.language();
            pool("sandbox.pool.ready", "Warm boxes ready to be handed out", client, lang, PoolStats::ready);
            pool("sandbox.pool.in_use", "Warm boxes handed out to open sessions", client, lang, PoolStats::inUse);
            pool("sandbox.pool.misses", "Sessions of a pool's profile that found no ready box", client, lang,
                    x -> x.misses());
            poolCounter("sandbox.pool.recycled", "Boxes given back to the pool after a use, scrubbed and verified "
                    + "clean (pool_max_uses > 1)", client, lang, PoolStats::recycled);
            poolCounter("sandbox.pool.scrub_failures", "Boxes removed instead of recycled because their scrub failed "
                    + "or found something left", client, lang, PoolStats::scrubFailures);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void pool(String name, String description, SandboxClient client, String language,
            ToDoubleFunction<PoolStats> value) {
        Gauge.builder(name, client, c -> c.poolStats().stream().filter(p -> p.language().equals(language))
                        .mapToDouble(value).findFirst().orElse(Double.NaN))
                .description(description).tag("language", language).register(registry);
    }

    /** A counter of the pool of {@code language} that grows from the client's start ({@link PoolStats}). */
    private void poolCounter(String name, String description, SandboxClient client, String language,
            ToDoubleFunction<PoolStats> value) {
        FunctionCounter.builder(name, client, c -> c.poolStats().stream().filter(p -> p.language().equals(language))
                        .mapToDouble(value).findFirst().orElse(0))
                .description(description).tag("language", language).register(registry);
    }

    /** A run, command or installation finished. */
    void run(String kind, String language, ExecutionResult r) {
        Counter.builder("sandbox.runs").description("Finished runs by kind, language and status")
                .tags("kind", kind, "language", language, "status", r.status().wireName())
                .register(registry).increment();
        if (r.status() == ExecutionStatus.BLOCKED_BY_POLICY) {
            policyBlocked(language);
        }
        r.phases().durations().forEach((phase, d) -> Timer.builder("sandbox.run.phase")
                .description("Where the time of runs goes, by phase (the result's phases_ms)")
                .tags("phase", phase.wireName(), "language", language)
                .serviceLevelObjectives(RUN_PHASE_BUCKETS)
                .register(registry).record(d));
    }

    void policyBlocked(String language) {
        Counter.builder("sandbox.policy.blocks").description("Runs the security policy refused")
                .tag("language", language).register(registry).increment();
    }

    /** Time spent in one phase: {@code open} (box created), {@code run}, {@code close} (box removed). */
    void phase(String phase, String language, long nanos) {
        Timer.builder("sandbox.phase").description("Latency of each phase of the work behind a request")
                .tags("phase", phase, "language", language)
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** One HTTP request; {@code route} is the matched route template, never the raw path. */
    void request(String method, String route, int status, long nanos) {
        Timer.builder("sandbox.http.requests").description("HTTP requests by route and status")
                .tags("method", method, "route", route, "status", Integer.toString(status))
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /**
     * A request refused for capacity or size: {@code too_many_runs}, {@code too_many_sessions},
     * {@code too_many_creations} (the client's bound on box creations and its queue), {@code pool_exhausted},
     * {@code too_large}, and the connection guard's {@code slow_header}, {@code slow_body},
     * {@code too_many_connections}.
     */
    void rejected(String reason) {
        Counter.builder("sandbox.requests.rejected").description("Requests refused by backpressure or size limits")
                .tag("reason", reason).register(registry).increment();
    }

    void sessionClosed(String reason) {
        Counter.builder("sandbox.sessions.closed").description("Sessions closed, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
