package dev.sandbox4j.cli;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.server.ApiKey;
import dev.sandbox4j.server.SandboxServer;
import dev.sandbox4j.server.ServerConfig;
import dev.sandbox4j.server.ServerConfigFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sandbox4j serve}: the HTTP service (REST + SSE, web console at /). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run the HTTP service: one-shot runs and sessions over REST (snake_case JSON, RFC 9457 errors), output "
                    + "streamed as server-sent events, a web console at /, /openapi.json, /metrics (Prometheus), "
                    + "/healthz and /readyz.",
            "",
            "API keys come from the config file (api_keys) or from the environment variable SANDBOX4J_API_KEYS "
                    + "(comma-separated 'tenant:secret' or 'id:tenant:secret'); never from the command line. "
                    + "Without keys there is no authentication and the server listens on 127.0.0.1 only.",
            "",
            "With API keys, /metrics and /readyz are the operator's: they need the operator key (operator_key, or "
                    + "SANDBOX4J_OPERATOR_KEY), or a listener of their own (--operator-port), or "
                    + "--open-operator-endpoints. /healthz stays open.",
            "",
            "On start-up, boxes left by sandbox4j processes that died are removed; on SIGTERM/SIGINT the server stops "
                    + "taking requests, lets runs in flight finish (--shutdown-grace) and removes every box it created."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  sandbox4j serve                 # http://127.0.0.1:8080, no keys",
            "  SANDBOX4J_API_KEYS=acme:$(openssl rand -hex 24) \\",
            "      sandbox4j serve --host 0.0.0.0 --audit-log audit.jsonl",
            "  sandbox4j serve --config server.yaml",
            "  curl -s localhost:8080/v1/execute -H 'Content-Type: application/json' \\",
            "      -d '{\"language\": \"python\", \"code\": \"print(1 + 1)\"}'"
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML or JSON settings (host, port, api_keys, limits, policy, labels, ...); options below "
                    + "override it.")
    Path config;

    @Option(names = "--host", description = "Interface to listen on (default 127.0.0.1; loopback only without keys).")
    String host;

    @Option(names = {"-p", "--port"}, description = "TCP port (default 8080; 0 picks a free one).")
    Integer port;

    @Option(names = "--max-concurrent-runs", paramLabel = "N",
            description = "Runs in flight at once (default: twice the available processors); more wait for a slot "
                    + "(--run-queue, --run-queue-wait), then get 429 with Retry-After.")
    Integer maxConcurrentRuns;

    @Option(names = "--run-queue", paramLabel = "N",
            description = "Runs that may wait for a slot, first come first served (default: 4 x "
                    + "--max-concurrent-runs; 0: none, 429 at once); one more gets 429 at once.")
    Integer runQueue;

    @Option(names = "--run-queue-wait", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How long a run waits for a slot before it gets 429 (default 5s; 0 for no queue).")
    Duration runQueueWait;

    @Option(names = "--max-concurrent-creations", paramLabel = "N",
            description = "Boxes created and started at once (default: the available processors); runs and sessions "
                    + "that need a new box wait their turn (--creation-queue).")
    Integer maxConcurrentCreations;

    @Option(names = "--creation-queue", paramLabel = "N",
            description = "Box creations that may wait for their turn (default 64; 0: none); more get 429 with "
                    + "Retry-After.")
    Integer creationQueue;

    @Option(names = "--max-sessions", paramLabel = "N", description = "Sessions open at once (default 32).")
    Integer maxSessions;

    @Option(names = "--max-body-size", paramLabel = "SIZE", converter = Converters.DataSizeConverter.class,
            description = "Largest JSON request body (default 10m); larger get 413.")
    DataSize maxBodySize;

    @Option(names = "--max-code-size", paramLabel = "SIZE", converter = Converters.DataSizeConverter.class,
            description = "Largest code in a request (default 1m); larger get 413.")
    DataSize maxCodeSize;

    @Option(names = "--default-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Timeout of runs that set none (default 30s).")
    Duration defaultTimeout;

    @Option(names = "--max-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Largest timeout_ms a request may ask for (default 5m).")
    Duration maxTimeout;

    @Option(names = "--session-idle-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Close sessions unused this long (default 10m).")
    Duration idleTimeout;

    @Option(names = "--max-session-lifetime", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Close sessions this long after they opened (default 1h).")
    Duration lifetime;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How long a shutdown waits for runs in flight (default 10s).")
    Duration shutdownGrace;

    @Option(names = "--policy", paramLabel = "PRESET|FILE", completionCandidates = Registries.Presets.class,
            description = "Security policy for every run: a preset (${COMPLETION-CANDIDATES}) or a policy file. "
                    + "Default: none.")
    String policy;

    @Option(names = "--request-policies", paramLabel = "custom|presets|none",
            description = "Which policies requests may carry: custom (default; presets and policy documents, whose "
                    + "regexes run on a linear-time engine), presets (names only), none.")
    String requestPolicies;

    @Option(names = "--request-header-timeout", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Close connections whose request header has not arrived in full within DURATION; also how "
                    + "long an idle keep-alive connection stays open (default 30s).")
    Duration requestHeaderTimeout;

    @Option(names = "--request-body-timeout", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Close connections whose request body has not arrived in full within DURATION (default 2m).")
    Duration requestBodyTimeout;

    @Option(names = "--min-request-data-rate", paramLabel = "SIZE", converter = Converters.DataSizeConverter.class,
            description = "Close connections whose request body arrives slower than SIZE per second, after 5 s "
                    + "(default 1k; 0 for none).")
    DataSize minRequestDataRate;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            description = "Connections one client address may hold open (default 64; 0 for no limit, e.g. behind a "
                    + "reverse proxy).")
    Integer maxConnectionsPerAddress;

    @Option(names = "--tenant-run-share", paramLabel = "N",
            description = "Runs a tenant may always have in flight when several tenants share the server; beyond "
                    + "it, idle slots are borrowed while a quarter stay free (default: half of --max-concurrent-runs).")
    Integer tenantRunShare;

    @Option(names = "--operator-port", paramLabel = "PORT",
            description = "Serve /metrics, /readyz and /healthz on a listener of their own, without a key. Default: "
                    + "none (with API keys, they then need the operator key from SANDBOX4J_OPERATOR_KEY).")
    Integer operatorPort;

    @Option(names = "--operator-host", paramLabel = "HOST",
            description = "Interface of the operator listener (default 127.0.0.1).")
    String operatorHost;

    @Option(names = "--open-operator-endpoints", negatable = true,
            description = "Let anyone read /metrics and /readyz on the main port, as before 0.2 (default: off).")
    Boolean openOperatorEndpoints;

    @Option(names = "--audit-log", paramLabel = "FILE",
            description = "Append the JSON-lines audit log (every request) to FILE instead of stderr.")
    Path auditLog;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Extra label on every box (repeatable).")
    Map<String, String> labels = Map.of();

    @Option(names = "--image", paramLabel = "LANG=IMAGE", description = "Run LANG in IMAGE (repeatable).")
    Map<String, String> images = Map.of();

    @Option(names = "--pool", paramLabel = "LANG=N",
            description = "Keep N started boxes of LANG ready (a warm pool: one-shot runs skip container creation).")
    Map<String, Integer> pools = Map.of();

    @Option(names = "--pool-max-uses", paramLabel = "LANG=N",
            description = "Let one box of LANG's pool serve N one-shot runs or sessions, scrubbed and verified between "
                    + "two (default 1: a new box per run; needs --pool LANG=...).")
    Map<String, Integer> poolMaxUses = Map.of();

    @Override
    public Integer call() throws InterruptedException {
        quietLibrariesButShowTheServer();
        ServerConfig.Builder b = config != null ? ServerConfigFiles.load(config) : ServerConfig.builder();
        if (host != null) {
            b.host(host);
        }
        if (port != null) {
            b.port(port);
        }
        if (maxConcurrentRuns != null) {
            b.maxConcurrentRuns(maxConcurrentRuns);
        }
        if (runQueue != null) {
            b.runQueue(runQueue);
        }
        if (runQueueWait != null) {
            b.runQueueWait(runQueueWait);
        }
        if (maxConcurrentCreations != null) {
            b.maxConcurrentCreations(maxConcurrentCreations);
        }
        if (creationQueue != null) {
            b.creationQueue(creationQueue);
        }
        if (maxSessions != null) {
            b.maxSessions(maxSessions);
        }
        if (maxBodySize != null) {
            b.maxBodySize(maxBodySize);
        }
        if (maxCodeSize != null) {
            b.maxCodeSize(maxCodeSize);
        }
        if (defaultTimeout != null) {
            b.defaultRunTimeout(defaultTimeout);
        }
        if (maxTimeout != null) {
            b.maxRunTimeout(maxTimeout);
        }
        if (idleTimeout != null) {
            b.sessionIdleTimeout(idleTimeout);
        }
        if (lifetime != null) {
            b.maxSessionLifetime(lifetime);
        }
        if (shutdownGrace != null) {
            b.shutdownGrace(shutdownGrace);
        }
        if (policy != null) {
            b.policy(PolicyFiles.presetOrFile(policy, Path.of(""), "policy"));
        }
        if (auditLog != null) {
            b.auditLog(auditLog);
        }
        if (requestPolicies != null) {
            b.requestPolicies(ServerConfig.RequestPolicies.parse(requestPolicies));
        }
        if (requestHeaderTimeout != null) {
            b.requestHeaderTimeout(requestHeaderTimeout);
        }
        if (requestBodyTimeout != null) {
            b.requestBodyTimeout(requestBodyTimeout);
        }
        if (minRequestDataRate != null) {
            b.minRequestDataRate(minRequestDataRate);
        }
        if (maxConnectionsPerAddress != null) {
            b.maxConnectionsPerAddress(maxConnectionsPerAddress);
        }
        if (tenantRunShare != null) {
            b.tenantRunShare(tenantRunShare);
        }
        if (operatorPort != null) {
            b.operatorPort(operatorPort);
        }
        if (operatorHost != null) {
            b.operatorHost(operatorHost);
        }
        if (openOperatorEndpoints != null) {
            b.openOperatorEndpoints(openOperatorEndpoints);
        }
        String operatorKey = System.getenv(ServerConfigFiles.OPERATOR_KEY_ENV);
        if (operatorKey != null && !operatorKey.isBlank()) {
            b.operatorKey(operatorKey.trim());
        }
        labels.forEach(b::label);
        images.forEach(b::image);
        pools.forEach(b::pool);
        poolMaxUses.forEach(b::poolMaxUses);
        String env = System.getenv(ServerConfigFiles.API_KEYS_ENV);
        if (env != null && !env.isBlank()) {
            List<ApiKey> keys = new ArrayList<>(b.build().apiKeys());
            keys.addAll(ServerConfigFiles.parseKeys(env));
            b.apiKeys(keys);
        }
        SandboxServer server = SandboxServer.start(b.build());
        server.closeOnSignals();
        Thread hook = new Thread(server::close, "sandbox4j-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("sandbox4j server listening on " + server.uri()
                + " (console at " + server.uri() + "/, API description at " + server.uri() + "/openapi.json)");
        spec.commandLine().getOut().flush();
        server.awaitShutdown();
        return 0;
    }

    /**
     * The CLI logs warnings only; a server should say what it does (start-up, orphans removed, sessions, shutdown)
     * and write its audit lines. Set before the first logger of these packages exists.
     */
    private static void quietLibrariesButShowTheServer() {
        setIfAbsent("org.slf4j.simpleLogger.log.dev.sandbox4j", "info");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
