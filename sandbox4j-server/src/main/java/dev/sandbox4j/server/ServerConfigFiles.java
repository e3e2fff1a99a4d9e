package dev.sandbox4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.PolicyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link ServerConfig}s from YAML or JSON files and API keys from the environment.
 *
 * <pre>{@code
 * host: 0.0.0.0
 * port: 8080
 * max_concurrent_runs: 8          # runs in flight at once; more wait for a slot (run_queue), then get 429
 * run_queue: 32                   # runs that may wait for a slot, first come first served (default 4 x runs)
 * run_queue_wait: 5s              # how long one waits before it gets 429 (0: no queue, 429 at once)
 * max_concurrent_creations: 2     # boxes created and started at once (default: the available processors)
 * creation_queue: 64              # creations that may wait for their turn; more get 429
 * max_sessions: 32
 * max_body_size: 10m              # sizes: 512k, 10m, 1g or bytes
 * max_code_size: 1m
 * default_run_timeout: 30s        # durations: 500ms, 30s, 5m, 1h, or a number of seconds
 * max_run_timeout: 5m
 * session_idle_timeout: 10m
 * max_session_lifetime: 1h
 * policy: production              # a preset, or the path of a policy file
 * audit_log: /var/log/sandbox4j/audit.jsonl
 * labels: {team: data}
 * images: {python: registry.example/python:3.12}
 * pools: {python: 2}              # started boxes kept ready per language
 * pool_max_uses: {python: 100}    # runs one pooled box serves, scrubbed and verified between two (default 1)
 * request_policies: custom        # policies requests may carry: custom (presets and documents), presets, none
 * request_header_timeout: 30s     # slow or idle clients: header deadline (also the keep-alive idle time),
 * request_body_timeout: 2m        #   body deadline,
 * min_request_data_rate: 1k       #   slowest body, bytes per second (0: none),
 * max_connections_per_address: 64 #   connections per client address (0: no limit)
 * tenant_run_share: 4             # runs a tenant may always have in flight (default: half of max_concurrent_runs)
 * operator_key: "change-me-too-0123456789"   # what /metrics and /readyz require (or SANDBOX4J_OPERATOR_KEY)
 * operator_port: 9090             # or a listener of their own, without a key (operator_host: 127.0.0.1)
 * open_operator_endpoints: false  # true: /metrics and /readyz answer anyone, as before 0.2
 * api_keys:
 *   - {id: alice, tenant: acme, key: "change-me-0123456789", max_sessions: 4, max_concurrent_runs: 2}
 * }</pre>
 *
 * <p>Unknown keys are errors, so a typo does not silently leave a default in place.
 *
 * @since 0.2
 */
public final class ServerConfigFiles {
    /**
     * Environment variable with API keys: comma-separated {@code tenant:secret} or {@code id:tenant:secret}.
     */
    public static final String API_KEYS_ENV = "SANDBOX4J_API_KEYS";
    /** Environment variable with the operator key ({@code operator_key}), which never goes on a command line. */
    public static final String OPERATOR_KEY_ENV = "SANDBOX4J_OPERATOR_KEY";

    private static final Set<String> KEYS = Set.of("host", "port", "api_keys", "max_concurrent_runs", "max_sessions",
            "max_body_size", "max_code_size", "max_file_size", "default_run_timeout", "max_run_timeout", "max_memory",
            "session_idle_timeout", "max_session_lifetime", "session_check_interval", "retry_after", "policy",
            "images", "labels", "audit_log", "shutdown_grace", "backend", "pools", "request_policies",
            "request_header_timeout", "request_body_timeout", "min_request_data_rate", "max_connections_per_address",
            "tenant_run_share", "operator_key", "operator_host", "operator_port", "open_operator_endpoints",
            "pool_max_uses", "run_queue", "run_queue_wait", "max_concurrent_creations", "creation_queue");
    private static final Set<String> KEY_KEYS = Set.of("id", "tenant", "key", "max_sessions", "max_concurrent_runs");
    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)?\\s*");

    private ServerConfigFiles() {}

    /**
     * Reads a YAML or JSON file (by extension: {@code .json} is JSON, anything else YAML) into a builder, on top of
     * the defaults. A relative policy file path is resolved against the file's directory.
     *
     * @throws IllegalArgumentException naming the file and the key if something is wrong
     * @throws UncheckedIOException if the file cannot be read
     */
    public static ServerConfig.Builder load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("server config file '" + file + "' does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read server config file " + file, e);
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            return parse(text, file.toString().toLowerCase(Locale.ROOT).endsWith(".json"), dir);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses configuration text (YAML, or JSON if {@code json}); relative paths resolve against {@code dir}. */
    public static ServerConfig.Builder parse(String text, boolean json, Path dir) {
        JsonNode root;
        try {
            root = (json ? new ObjectMapper() : new ObjectMapper(new YAMLFactory())).readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not valid " + (json ? "JSON" : "YAML") + ": "
                    + Texts.sanitize(String.valueOf(e.getOriginalMessage()), 200), e);
        }
        ServerConfig.Builder b = ServerConfig.builder();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return b;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("expected a mapping of settings at the top level");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + Texts.sanitize(key, 60) + "'; known: "
                        + KEYS.stream().sorted().toList());
            }
            try {
                switch (key) {
                    case "host" -> b.host(text(v, key));
                    case "port" -> b.port(integer(v, key));
                    case "api_keys" -> b.apiKeys(keys(v));
                    case "max_concurrent_runs" -> b.maxConcurrentRuns(integer(v, key));
                    case "max_sessions" -> b.maxSessions(integer(v, key));
                    case "max_body_size" -> b.maxBodySize(size(v, key));
                    case "max_code_size" -> b.maxCodeSize(size(v, key));
                    case "max_file_size" -> b.maxFileSize(size(v, key));
                    case "default_run_timeout" -> b.defaultRunTimeout(duration(v, key));
                    case "max_run_timeout" -> b.maxRunTimeout(duration(v, key));
                    case "max_memory" -> b.maxMemory(size(v, key));
                    case "session_idle_timeout" -> b.sessionIdleTimeout(duration(v, key));
                    case "max_session_lifetime" -> b.maxSessionLifetime(duration(v, key));
                    case "session_check_interval" -> b.sessionCheckInterval(duration(v, key));
                    case "retry_after" -> b.retryAfter(duration(v, key));
                    case "policy" -> b.policy(PolicyFiles.presetOrFile(text(v, key), dir, "policy"));
                    case "images" -> strings(v, key).forEach(b::image);
                    case "labels" -> strings(v, key).forEach(b::label);
                    case "audit_log" -> b.auditLog(dir.resolve(text(v, key)));
                    case "shutdown_grace" -> b.shutdownGrace(duration(v, key));
                    case "backend" -> b.backend(text(v, key));
                    case "pools" -> strings(v, key).forEach((lang, n) -> b.pool(lang, parseInt(n, key + "." + lang)));
                    case "pool_max_uses" -> strings(v, key).forEach((lang, n) -> b.poolMaxUses(lang,
                            parseInt(n, key + "." + lang)));
                    case "request_policies" -> b.requestPolicies(ServerConfig.RequestPolicies.parse(text(v, key)));
                    case "request_header_timeout" -> b.requestHeaderTimeout(duration(v, key));
                    case "request_body_timeout" -> b.requestBodyTimeout(duration(v, key));
                    case "min_request_data_rate" -> b.minRequestDataRate(size(v, key));
                    case "max_connections_per_address" -> b.maxConnectionsPerAddress(integer(v, key));
                    case "tenant_run_share" -> b.tenantRunShare(integer(v, key));
                    case "operator_key" -> b.operatorKey(text(v, key));
                    case "operator_host" -> b.operatorHost(text(v, key));
                    case "operator_port" -> b.operatorPort(integer(v, key));
                    case "open_operator_endpoints" -> b.openOperatorEndpoints(bool(v, key));
                    case "run_queue" -> b.runQueue(integer(v, key));
                    case "run_queue_wait" -> b.runQueueWait(duration(v, key));
                    case "max_concurrent_creations" -> b.maxConcurrentCreations(integer(v, key));
                    case "creation_queue" -> b.creationQueue(integer(v, key));
                    default -> throw new IllegalStateException(key);
                }
            } catch (IllegalArgumentException ex) {
                throw ex.getMessage() != null && ex.getMessage().startsWith(key)
                        ? ex : new IllegalArgumentException(key + ": " + ex.getMessage(), ex);
            }
        }
        return b;
    }

    /**
     * API keys from {@link #API_KEYS_ENV}'s syntax: comma-separated {@code tenant:secret} (the id is the tenant,
     * numbered when a tenant has several) or {@code id:tenant:secret}.
     *
     * @throws IllegalArgumentException naming the entry (never its secret) if one is malformed
     */
    public static List<ApiKey> parseKeys(String spec) {
        List<ApiKey> keys = new ArrayList<>();
        Map<String, Integer> perTenant = new HashMap<>();
        int n = 0;
        for (String entry : spec.split(",")) {
            n++;
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            String[] parts = e.split(":", 3);
            if (parts.length == 2) {
                int i = perTenant.merge(parts[0], 1, Integer::sum);
                keys.add(ApiKey.of(i == 1 ? parts[0] : parts[0] + "-" + i, parts[0], parts[1]));
            } else if (parts.length == 3) {
                keys.add(ApiKey.of(parts[0], parts[1], parts[2]));
            } else {
                throw new IllegalArgumentException("API key entry " + n + " of " + API_KEYS_ENV
                        + " must be 'tenant:secret' or 'id:tenant:secret'");
            }
        }
        return keys;
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d} or a plain number of seconds. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("Expected a duration like '500ms', '30s', '5m' or '1h' but was '"
                    + Texts.sanitize(text, 40) + "'");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + Texts.sanitize(text, 40) + "' is too large", e);
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        try {
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + Texts.sanitize(text, 40) + "' is too large", e);
        }
    }

    private static List<ApiKey> keys(JsonNode v) {
        if (!v.isArray()) {
            throw new IllegalArgumentException("api_keys must be a list of {id, tenant, key}");
        }
        List<ApiKey> keys = new ArrayList<>();
        int i = 0;
        for (JsonNode k : v) {
            i++;
            if (!k.isObject()) {
                throw new IllegalArgumentException("api_keys entry " + i + " must be a mapping {id, tenant, key}");
            }
            for (Iterator<String> names = k.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!KEY_KEYS.contains(name)) {
                    throw new IllegalArgumentException("api_keys entry " + i + ": unknown setting '"
                            + Texts.sanitize(name, 40) + "'; known: " + KEY_KEYS.stream().sorted().toList());
                }
            }
            String tenant = text(k.path("tenant"), "api_keys[" + i + "].tenant");
            String id = k.has("id") ? text(k.get("id"), "api_keys[" + i + "].id") : tenant + "-" + i;
            String secret = text(k.path("key"), "api_keys[" + i + "].key");
            int sessions = k.has("max_sessions") ? integer(k.get("max_sessions"), "max_sessions") : 0;
            int runs = k.has("max_concurrent_runs") ? integer(k.get("max_concurrent_runs"), "max_concurrent_runs") : 0;
            keys.add(new ApiKey(id, tenant, secret, sessions, runs));
        }
        return keys;
    }

    private static int parseInt(String s, String key) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number but was '" + Texts.sanitize(s, 40)
                    + "'", e);
        }
    }

    private static String text(JsonNode v, String key) {
        if (v == null || !v.isValueNode() || v.isNull()) {
            throw new IllegalArgumentException(key + " must be a value");
        }
        return v.asText();
    }

    private static int integer(JsonNode v, String key) {
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(key + " must be a whole number but was '"
                    + Texts.sanitize(String.valueOf(v), 40) + "'");
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode v, String key) {
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false but was '"
                    + Texts.sanitize(String.valueOf(v), 40) + "'");
        }
        return v.asBoolean();
    }

    private static DataSize size(JsonNode v, String key) {
        return v.isIntegralNumber() ? DataSize.ofBytes(v.asLong()) : DataSize.parse(text(v, key));
    }

    private static Duration duration(JsonNode v, String key) {
        return v.isIntegralNumber() ? Duration.ofSeconds(v.asLong()) : parseDuration(text(v, key));
    }

    private static Map<String, String> strings(JsonNode v, String key) {
        if (!v.isObject()) {
            throw new IllegalArgumentException(key + " must be a mapping of names to strings");
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        v.properties().forEach(e -> m.put(e.getKey(), text(e.getValue(), key + "." + e.getKey())));
        return m;
    }
}
