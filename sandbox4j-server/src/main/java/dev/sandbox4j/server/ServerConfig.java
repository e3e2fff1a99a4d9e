package dev.sandbox4j.server;

import static dev.sandbox4j.server.ServerConfigChecks.checkApiKeys;
import static dev.sandbox4j.server.ServerConfigChecks.checkAtLeast;
import static dev.sandbox4j.server.ServerConfigChecks.checkHost;
import static dev.sandbox4j.server.ServerConfigChecks.checkLabels;
import static dev.sandbox4j.server.ServerConfigChecks.checkMaxMemory;
import static dev.sandbox4j.server.ServerConfigChecks.checkNotAbove;
import static dev.sandbox4j.server.ServerConfigChecks.checkNotNegative;
import static dev.sandbox4j.server.ServerConfigChecks.checkOperatorKey;
import static dev.sandbox4j.server.ServerConfigChecks.checkPool;
import static dev.sandbox4j.server.ServerConfigChecks.checkPort;
import static dev.sandbox4j.server.ServerConfigChecks.checkPositive;
import static dev.sandbox4j.server.ServerConfigChecks.checkSize;
import static java.util.Objects.requireNonNull;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.SecurityPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Configuration of the HTTP service. Immutable; build it with {@link #builder()} or load it from a file with
 * {@link ServerConfigFiles#load}. The rules its values follow (and the messages naming the file keys) are in
 * {@code ServerConfigChecks}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *         .port(8080)
 *         .apiKey(ApiKey.of("alice", "acme", System.getenv("ALICE_KEY")))
 *         .maxConcurrentRuns(8)
 *         .build();
 * try (SandboxServer server = SandboxServer.start(config)) { server.awaitShutdown(); }
 * }</pre>
 *
 * @param host interface to listen on (default {@code 127.0.0.1}); without API keys the server listens on loopback
 *     only, whatever this says
 * @param port TCP port (default 8080; 0 picks a free one)
 * @param apiKeys the accepted keys; empty (the default) turns authentication off and binds to loopback
 * @param maxConcurrentRuns runs in flight at once over all keys (default twice the available processors: on 2 cores,
 *     4); a run that finds no slot waits for one ({@code runQueue}, {@code runQueueWait}), then gets 429 with
 *     {@code Retry-After}
 * @param maxSessions sessions open at once over all keys (default 32); more get 429
 * @param maxBodySize largest JSON request body (default 10 MiB); larger get 413
 * @param maxCodeSize largest {@code code} in a request (default 1 MiB); larger get 413
 * @param maxFileSize largest file uploaded with {@code PUT /v1/sessions/{id}/files/{path}} (default 32 MiB)
 * @param defaultRunTimeout timeout of runs that name none (default 30 s)
 * @param maxRunTimeout the largest {@code timeout_ms} a request may ask for (default 5 min)
 * @param maxMemory the largest {@code memory_mb} a request may ask for (default 2 GiB)
 * @param sessionIdleTimeout sessions unused this long are closed; also the largest {@code idle_timeout_s} a request
 *     may ask for (default 10 min)
 * @param maxSessionLifetime sessions are closed this long after they were opened, used or not (default 1 h)
 * @param sessionCheckInterval how often idle and expired sessions are looked for (default 5 s)
 * @param retryAfter the {@code Retry-After} sent with 429 (default 1 s)
 * @param policy security policy screening every run's code, or {@code null} (default) for none; requests may add a
 *     policy of their own on top
 * @param images image per language instead of the handler's default
 * @param labels extra labels on every box the server creates (e.g. to find them from outside)
 * @param auditLog file the JSON-lines audit log is appended to, or {@code null} (default) for the SLF4J logger
 *     {@code dev.sandbox4j.audit}
 * @param shutdownGrace how long a shutdown waits for runs in flight before it removes the boxes (default 10 s)
 * @param backend backend name (e.g. {@code docker}), or {@code null} (default) to auto-detect
 * @param pools warm pools: language to the number of started boxes kept ready for one-shot runs and sessions with
 *     default limits (default none)
 * @param requestPolicies which policies requests may carry (default {@link RequestPolicies#CUSTOM}: presets and
 *     policy documents, whose patterns run on a linear-time regex engine)
 * @param requestHeaderTimeout a request's header must arrive in full within this time after the connection opened or
 *     the previous response was sent; otherwise the connection is closed (default 30 s). This is also how long an idle
 *     keep-alive connection stays open
 * @param requestBodyTimeout a request's body must arrive in full within this time (default 2 min)
 * @param minRequestDataRate a request body must arrive at least this fast, in bytes per second, averaged once it has
 *     been arriving for 5 s; 0 for no minimum (default 1 KiB/s)
 * @param maxConnectionsPerAddress connections one client address may hold open at once; more are closed at once
 *     (default 64; 0 for no limit, e.g. behind a reverse proxy that limits them itself)
 * @param tenantRunShare runs a tenant may always have in flight when several tenants are configured; beyond it a
 *     tenant borrows idle slots only while a quarter of {@code maxConcurrentRuns} (at least one) stays free for the
 *     others; 0 (the default) for half of {@code maxConcurrentRuns}, at least 1
 * @param operatorKey the key ({@code Authorization: Bearer <key>}) that {@code /metrics} and {@code /readyz} require
 *     when API keys are configured, or {@code null} (default) for none; API keys are not accepted there
 * @param operatorHost interface of the operator listener (default {@code 127.0.0.1})
 * @param operatorPort port of a second listener that serves only {@code /metrics}, {@code /readyz} and
 *     {@code /healthz}, without a key (0 picks a free one), or {@code null} (default) for none
 * @param openOperatorEndpoints whether {@code /metrics} and {@code /readyz} answer anyone on the main port, as before
 *     0.2 (default false)
 * @param poolMaxUses per pool language, how many one-shot runs or sessions one box serves, scrubbed and verified
 *     between two ({@code PoolConfig.maxUses}; default 1: a box per run); only for languages in {@code pools}
 * @param runQueue runs that may wait for a slot when all {@code maxConcurrentRuns} are taken, served first come first
 *     served; beyond it a run gets 429 at once; {@code null} (the default) for 4 × {@code maxConcurrentRuns}, 0 for
 *     no queue (429 at once, as before 0.2). A key (and, with several tenants, a tenant) may hold a part of the queue
 *     in proportion to the slots it may hold
 * @param runQueueWait how long a run waits in the queue for a slot before it gets 429 (default 5 s; zero: no queue)
 * @param maxConcurrentCreations boxes the server's client creates and starts at once
 *     ({@code SandboxClient.Builder.maxConcurrentCreations}), or {@code null} (default) for the library's default, the
 *     available processors; only for servers that make their own client ({@link SandboxServer#start(ServerConfig)})
 * @param creationQueue box creations that may wait for their turn ({@code SandboxClient.Builder.creationQueue});
 *     beyond it a run or session that needs a new box gets 429; {@code null} (default) for the library's default, 64
 * @since 0.2
 */
public record ServerConfig(
        String host,
        int port,
        List<ApiKey> apiKeys,
        int maxConcurrentRuns,
        int maxSessions,
        DataSize maxBodySize,
        DataSize maxCodeSize,
        DataSize maxFileSize,
        Duration defaultRunTimeout,
        Duration maxRunTimeout,
        DataSize maxMemory,
        Duration sessionIdleTimeout,
        Duration maxSessionLifetime,
        Duration sessionCheckInterval,
        Duration retryAfter,
        @Nullable SecurityPolicy policy,
        Map<String, String> images,
        Map<String, String> labels,
        @Nullable Path auditLog,
        Duration shutdownGrace,
        @Nullable String backend,
        Map<String, Integer> pools,
        RequestPolicies requestPolicies,
        Duration requestHeaderTimeout,
        Duration requestBodyTimeout,
        DataSize minRequestDataRate,
        int maxConnectionsPerAddress,
        int tenantRunShare,
        @Nullable String operatorKey,
        String operatorHost,
        @Nullable Integer operatorPort,
        boolean openOperatorEndpoints,
        Map<String, Integer> poolMaxUses,
        @Nullable Integer runQueue,
        Duration runQueueWait,
        @Nullable Integer maxConcurrentCreations,
        @Nullable Integer creationQueue) {

    /** Default of {@link #runQueueWait()}: 5 s. */
    public static final Duration DEFAULT_RUN_QUEUE_WAIT = Duration.ofSeconds(5);

    /** Default port: 8080. */
    public static final int DEFAULT_PORT = 8080;

    /**
     * Which security policies a request may carry (field {@code policy}). A request's policy only adds checks to the
     * server's own, so this is about the server's CPU: the patterns of a policy document run on a linear-time regex
     * engine, capped in number and length, under a time budget.
     *
     * @since 0.2
     */
    public enum RequestPolicies {
        /** Preset names and policy documents (the default). */
        CUSTOM,
        /** Preset names only. */
        PRESETS,
        /** None: a request with a policy is refused. */
        NONE;

        /** The setting's value in configuration files: {@code custom}, {@code presets}, {@code none}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the values if {@code value} is none of them */
        public static RequestPolicies parse(String value) {
            for (RequestPolicies p : values()) {
                if (p.wireName().equalsIgnoreCase(value.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("Expected request_policies one of [custom, presets, none] but was '"
                    + Texts.sanitize(value, 40) + "'");
        }
    }

    /** @throws IllegalArgumentException if a value is out of range; the message names it */
    public ServerConfig {
        requireNonNull(host, "host");
        requireNonNull(maxBodySize, "maxBodySize");
        requireNonNull(maxCodeSize, "maxCodeSize");
        requireNonNull(maxFileSize, "maxFileSize");
        requireNonNull(defaultRunTimeout, "defaultRunTimeout");
        requireNonNull(maxRunTimeout, "maxRunTimeout");
        requireNonNull(maxMemory, "maxMemory");
        requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
        requireNonNull(maxSessionLifetime, "maxSessionLifetime");
        requireNonNull(sessionCheckInterval, "sessionCheckInterval");
        requireNonNull(retryAfter, "retryAfter");
        requireNonNull(shutdownGrace, "shutdownGrace");
        checkHost(host);
        checkPort(port);
        apiKeys = List.copyOf(apiKeys);
        Set<String> secrets = checkApiKeys(apiKeys);
        checkAtLeast("max_concurrent_runs", maxConcurrentRuns, 1);
        checkAtLeast("max_sessions", maxSessions, 1);
        checkSize("max_body_size", maxBodySize, 1024);
        checkSize("max_code_size", maxCodeSize, 16);
        checkSize("max_file_size", maxFileSize, 1024);
        checkNotAbove("max_code_size", maxCodeSize, "max_body_size", maxBodySize);
        checkPositive("default_run_timeout", defaultRunTimeout);
        checkPositive("max_run_timeout", maxRunTimeout);
        checkNotAbove("default_run_timeout", defaultRunTimeout, "max_run_timeout", maxRunTimeout);
        checkMaxMemory(maxMemory);
        checkPositive("session_idle_timeout", sessionIdleTimeout);
        checkPositive("max_session_lifetime", maxSessionLifetime);
        checkPositive("session_check_interval", sessionCheckInterval);
        checkPositive("retry_after", retryAfter);
        checkNotNegative("shutdown_grace", shutdownGrace);
        images = Map.copyOf(images);
        labels = Map.copyOf(labels);
        checkLabels(labels);
        if (backend != null && backend.isBlank()) {
            throw new IllegalArgumentException("backend must not be blank (use null to auto-detect)");
        }
        pools = Map.copyOf(pools);
        pools.forEach(ServerConfigChecks::checkPool);
        poolMaxUses = Map.copyOf(poolMaxUses);
        for (Map.Entry<String, Integer> e : poolMaxUses.entrySet()) {
            ServerConfigChecks.checkPoolMaxUses(e.getKey(), e.getValue());
            if (!pools.containsKey(e.getKey())) {
                throw new IllegalArgumentException("pool_max_uses of '" + Texts.sanitize(e.getKey(), 40)
                        + "' but no pool of it: add it to pools (e.g. --pool " + Texts.sanitize(e.getKey(), 40)
                        + "=2)");
            }
        }
        requireNonNull(requestPolicies, "requestPolicies");
        checkPositive("request_header_timeout", requestHeaderTimeout);
        checkPositive("request_body_timeout", requestBodyTimeout);
        requireNonNull(minRequestDataRate, "minRequestDataRate");
        checkAtLeast("max_connections_per_address", maxConnectionsPerAddress, 0);
        checkAtLeast("tenant_run_share", tenantRunShare, 0);
        checkNotAbove("tenant_run_share", tenantRunShare, "max_concurrent_runs", maxConcurrentRuns);
        if (operatorKey != null) {
            checkOperatorKey(operatorKey);
            if (secrets.contains(operatorKey)) {
                throw new IllegalArgumentException("operator_key must differ from every API key");
            }
        }
        if (runQueue != null) {
            ServerConfigChecks.checkRunQueue(runQueue);
        }
        ServerConfigChecks.checkRunQueueWait(runQueueWait);
        if (maxConcurrentCreations != null) {
            ServerConfigChecks.checkMaxConcurrentCreations(maxConcurrentCreations);
        }
        if (creationQueue != null) {
            ServerConfigChecks.checkCreationQueue(creationQueue);
        }
        checkHost(requireNonNull(operatorHost, "operatorHost"));
        if (operatorPort != null) {
            checkPort(operatorPort);
            if (operatorPort != 0 && operatorPort == port) {
                throw new IllegalArgumentException("operator_port (" + operatorPort + ") must differ from port");
            }
        }
    }

    /** Every setting, with the operator key masked (API keys mask their own secrets). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ServerConfig[");
        for (java.lang.reflect.RecordComponent c : ServerConfig.class.getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                value = "?";
            }
            if (c.getName().equals("operatorKey") && value != null) {
                value = "****";
            }
            b.append(b.length() > 13 ? ", " : "").append(c.getName()).append('=').append(value);
        }
        return b.append(']').toString();
    }

    /** The runs a tenant may always have in flight: {@link #tenantRunShare()}, or its default. */
    public int effectiveTenantRunShare() {
        return tenantRunShare > 0 ? tenantRunShare : Math.max(1, maxConcurrentRuns / 2);
    }

    /** The runs that may wait for a slot: {@link #runQueue()}, or its default, 4 × {@link #maxConcurrentRuns()}. */
    public int effectiveRunQueue() {
        return runQueue != null ? runQueue : (int) Math.min(ServerConfigChecks.MAX_RUN_QUEUE, 4L * maxConcurrentRuns);
    }

    /** Whether requests must carry an API key. */
    public boolean authEnabled() {
        return !apiKeys.isEmpty();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link ServerConfig}; each method validates its argument at once. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private final List<ApiKey> apiKeys = new ArrayList<>();
        private int maxConcurrentRuns = 2 * SandboxClient.Builder.defaultMaxConcurrentCreations();
        private int maxSessions = 32;
        private DataSize maxBodySize = DataSize.ofMegabytes(10);
        private DataSize maxCodeSize = DataSize.ofMegabytes(1);
        private DataSize maxFileSize = DataSize.ofMegabytes(32);
        private Duration defaultRunTimeout = Duration.ofSeconds(30);
        private Duration maxRunTimeout = Duration.ofMinutes(5);
        private DataSize maxMemory = DataSize.ofGigabytes(2);
        private Duration sessionIdleTimeout = Duration.ofMinutes(10);
        private Duration maxSessionLifetime = Duration.ofHours(1);
        private Duration sessionCheckInterval = Duration.ofSeconds(5);
        private Duration retryAfter = Duration.ofSeconds(1);
        private @Nullable SecurityPolicy policy;
        private final Map<String, String> images = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private @Nullable Path auditLog;
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private @Nullable String backend;
        private final Map<String, Integer> pools = new LinkedHashMap<>();
        private RequestPolicies requestPolicies = RequestPolicies.CUSTOM;
        private Duration requestHeaderTimeout = Duration.ofSeconds(30);
        private Duration requestBodyTimeout = Duration.ofMinutes(2);
        private DataSize minRequestDataRate = DataSize.ofKilobytes(1);
        private int maxConnectionsPerAddress = 64;
        private int tenantRunShare;
        private @Nullable String operatorKey;
        private String operatorHost = "127.0.0.1";
        private @Nullable Integer operatorPort;
        private boolean openOperatorEndpoints;
        private final Map<String, Integer> poolMaxUses = new LinkedHashMap<>();
        private @Nullable Integer runQueue;
        private Duration runQueueWait = DEFAULT_RUN_QUEUE_WAIT;
        private @Nullable Integer maxConcurrentCreations;
        private @Nullable Integer creationQueue;

        private Builder() {}

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            apiKeys.addAll(c.apiKeys);
            maxConcurrentRuns = c.maxConcurrentRuns;
            maxSessions = c.maxSessions;
            maxBodySize = c.maxBodySize;
            maxCodeSize = c.maxCodeSize;
            maxFileSize = c.maxFileSize;
            defaultRunTimeout = c.defaultRunTimeout;
            maxRunTimeout = c.maxRunTimeout;
            maxMemory = c.maxMemory;
            sessionIdleTimeout = c.sessionIdleTimeout;
            maxSessionLifetime = c.maxSessionLifetime;
            sessionCheckInterval = c.sessionCheckInterval;
            retryAfter = c.retryAfter;
            policy = c.policy;
            images.putAll(c.images);
            labels.putAll(c.labels);
            auditLog = c.auditLog;
            shutdownGrace = c.shutdownGrace;
            backend = c.backend;
            pools.putAll(c.pools);
            requestPolicies = c.requestPolicies;
            requestHeaderTimeout = c.requestHeaderTimeout;
            requestBodyTimeout = c.requestBodyTimeout;
            minRequestDataRate = c.minRequestDataRate;
            maxConnectionsPerAddress = c.maxConnectionsPerAddress;
            tenantRunShare = c.tenantRunShare;
            operatorKey = c.operatorKey;
            operatorHost = c.operatorHost;
            operatorPort = c.operatorPort;
            openOperatorEndpoints = c.openOperatorEndpoints;
            poolMaxUses.putAll(c.poolMaxUses);
            runQueue = c.runQueue;
            runQueueWait = c.runQueueWait;
            maxConcurrentCreations = c.maxConcurrentCreations;
            creationQueue = c.creationQueue;
        }

        public Builder host(String host) {
            checkHost(requireNonNull(host, "host"));
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            checkPort(port);
            this.port = port;
            return this;
        }

        /** Adds an accepted key. */
        public Builder apiKey(ApiKey key) {
            apiKeys.add(requireNonNull(key, "key"));
            return this;
        }

        /** Replaces the accepted keys. */
        public Builder apiKeys(List<ApiKey> keys) {
            apiKeys.clear();
            keys.forEach(this::apiKey);
            return this;
        }

        public Builder maxConcurrentRuns(int n) {
            checkAtLeast("max_concurrent_runs", n, 1);
            this.maxConcurrentRuns = n;
            return this;
        }

        public Builder maxSessions(int n) {
            checkAtLeast("max_sessions", n, 1);
            this.maxSessions = n;
            return this;
        }

        public Builder maxBodySize(DataSize size) {
            checkSize("max_body_size", size, 1024);
            this.maxBodySize = size;
            return this;
        }

        public Builder maxCodeSize(DataSize size) {
            checkSize("max_code_size", size, 16);
            this.maxCodeSize = size;
            return this;
        }

        public Builder maxFileSize(DataSize size) {
            checkSize("max_file_size", size, 1024);
            this.maxFileSize = size;
            return this;
        }

        public Builder defaultRunTimeout(Duration d) {
            checkPositive("default_run_timeout", d);
            this.defaultRunTimeout = d;
            return this;
        }

        public Builder maxRunTimeout(Duration d) {
            checkPositive("max_run_timeout", d);
            this.maxRunTimeout = d;
            return this;
        }

        public Builder maxMemory(DataSize size) {
            requireNonNull(size, "maxMemory");
            this.maxMemory = size;
            return this;
        }

        public Builder sessionIdleTimeout(Duration d) {
            checkPositive("session_idle_timeout", d);
            this.sessionIdleTimeout = d;
            return this;
        }

        public Builder maxSessionLifetime(Duration d) {
            checkPositive("max_session_lifetime", d);
            this.maxSessionLifetime = d;
            return this;
        }

        public Builder sessionCheckInterval(Duration d) {
            checkPositive("session_check_interval", d);
            this.sessionCheckInterval = d;
            return this;
        }

        public Builder retryAfter(Duration d) {
            checkPositive("retry_after", d);
            this.retryAfter = d;
            return this;
        }

        public Builder policy(@Nullable SecurityPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder image(String language, String image) {
            requireNonNull(language, "language");
            requireNonNull(image, "image");
            if (image.isBlank()) {
                throw new IllegalArgumentException("image for '" + Texts.sanitize(language, 40)
                        + "' must not be blank");
            }
            images.put(language, image);
            return this;
        }

        /** Adds a label to every box the server creates; {@code dev.sandbox4j.*} is reserved. */
        public Builder label(String key, String value) {
            RuntimeConfig.builder().label(key, value).build(); // validates the key now
            labels.put(key, value);
            return this;
        }

        public Builder auditLog(@Nullable Path file) {
            this.auditLog = file;
            return this;
        }

        public Builder shutdownGrace(Duration d) {
            checkNotNegative("shutdown_grace", requireNonNull(d, "shutdownGrace"));
            this.shutdownGrace = d;
            return this;
        }

        public Builder backend(@Nullable String backend) {
            this.backend = backend;
            return this;
        }

        /** Keeps {@code ready} started boxes of {@code language} for one-shot runs and default sessions. */
        public Builder pool(String language, int ready) {
            checkPool(language, ready);
            pools.put(language, ready);
            return this;
        }

        /**
         * Lets one box of the pool of {@code language} serve {@code uses} one-shot runs or sessions, scrubbed and
         * verified between two ({@code PoolConfig.maxUses}); the language needs a {@link #pool}.
         */
        public Builder poolMaxUses(String language, int uses) {
            ServerConfigChecks.checkPoolMaxUses(language, uses);
            poolMaxUses.put(language, uses);
            return this;
        }

        /** Which policies requests may carry (default {@link RequestPolicies#CUSTOM}). */
        public Builder requestPolicies(RequestPolicies allowed) {
            this.requestPolicies = requireNonNull(allowed, "requestPolicies");
            return this;
        }

        /** How long a request's header may take to arrive, and an idle keep-alive connection may wait (30 s). */
        public Builder requestHeaderTimeout(Duration d) {
            checkPositive("request_header_timeout", d);
            this.requestHeaderTimeout = d;
            return this;
        }

        /** How long a request's body may take to arrive (default 2 min). */
        public Builder requestBodyTimeout(Duration d) {
            checkPositive("request_body_timeout", d);
            this.requestBodyTimeout = d;
            return this;
        }

        /** The slowest a request body may arrive, per second; {@link DataSize#ofBytes ofBytes(0)} for none (1 KiB). */
        public Builder minRequestDataRate(DataSize perSecond) {
            this.minRequestDataRate = requireNonNull(perSecond, "minRequestDataRate");
            return this;
        }

        /** Connections one client address may hold open at once (default 64; 0: no limit). */
        public Builder maxConnectionsPerAddress(int n) {
            checkAtLeast("max_connections_per_address", n, 0);
            this.maxConnectionsPerAddress = n;
            return this;
        }

        /** Runs a tenant may always have in flight (default 0: half of max_concurrent_runs, at least 1). */
        public Builder tenantRunShare(int n) {
            checkAtLeast("tenant_run_share", n, 0);
            this.tenantRunShare = n;
            return this;
        }

        /** The key {@code /metrics} and {@code /readyz} require on the main port (default none). */
        public Builder operatorKey(@Nullable String key) {
            if (key != null) {
                checkOperatorKey(key);
            }
            this.operatorKey = key;
            return this;
        }

        /** Interface of the operator listener (default 127.0.0.1). */
        public Builder operatorHost(String host) {
            checkHost(requireNonNull(host, "operatorHost"));
            this.operatorHost = host;
            return this;
        }

        /** Port of the operator listener ({@code /metrics}, {@code /readyz}, {@code /healthz}; default none). */
        public Builder operatorPort(@Nullable Integer port) {
            if (port != null) {
                checkPort(port);
            }
            this.operatorPort = port;
            return this;
        }

        /** Whether {@code /metrics} and {@code /readyz} answer anyone on the main port (default false). */
        public Builder openOperatorEndpoints(boolean open) {
            this.openOperatorEndpoints = open;
            return this;
        }

        /**
         * Runs that may wait for a slot when every one is taken (default {@code null}: 4 × max_concurrent_runs; 0: no
         * queue, 429 at once).
         */
        public Builder runQueue(@Nullable Integer n) {
            if (n != null) {
                ServerConfigChecks.checkRunQueue(n);
            }
            this.runQueue = n;
            return this;
        }

        /** How long a run waits for a slot before it gets 429 (default 5 s; zero: no queue). */
        public Builder runQueueWait(Duration d) {
            ServerConfigChecks.checkRunQueueWait(d);
            this.runQueueWait = d;
            return this;
        }

        /**
         * Boxes the server's client creates and starts at once (default {@code null}: the available processors); see
         * {@code SandboxClient.Builder.maxConcurrentCreations}.
         */
        public Builder maxConcurrentCreations(@Nullable Integer n) {
            if (n != null) {
                ServerConfigChecks.checkMaxConcurrentCreations(n);
            }
            this.maxConcurrentCreations = n;
            return this;
        }

        /**
         * Box creations that may wait for their turn (default {@code null}: 64; 0: none wait); see
         * {@code SandboxClient.Builder.creationQueue}.
         */
        public Builder creationQueue(@Nullable Integer n) {
            if (n != null) {
                ServerConfigChecks.checkCreationQueue(n);
            }
            this.creationQueue = n;
            return this;
        }

        /** @throws IllegalArgumentException if values contradict each other */
        public ServerConfig build() {
            return new ServerConfig(host, port, apiKeys, maxConcurrentRuns, maxSessions, maxBodySize, maxCodeSize,
                    maxFileSize, defaultRunTimeout, maxRunTimeout, maxMemory, sessionIdleTimeout, maxSessionLifetime,
                    sessionCheckInterval, retryAfter, policy, images, labels, auditLog, shutdownGrace, backend, pools,
                    requestPolicies, requestHeaderTimeout, requestBodyTimeout, minRequestDataRate,
                    maxConnectionsPerAddress, tenantRunShare, operatorKey, operatorHost, operatorPort,
                    openOperatorEndpoints, poolMaxUses, runQueue, runQueueWait, maxConcurrentCreations,
                    creationQueue);
        }
    }
}
