package dev.sandbox4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Checks request bodies completely before anything is done with them, so that a bad request changes nothing: every
 * field's range, every path, every Base64 file, the language and the policy. Errors are 400 (413 for oversized code)
 * naming the field and the offending value.
 */
final class RequestValidator {
    static final int MAX_FILES = 1000;
    static final int MAX_LIBRARIES = 100;
    static final int MAX_ARGS = 1000;
    static final int MAX_PATH = 1024;

    private final SandboxClient client;
    private final ServerConfig config;
    private final Map<String, SecurityPolicy> presets = new ConcurrentHashMap<>();

    RequestValidator(SandboxClient client, ServerConfig config) {
        this.client = client;
        this.config = config;
    }

    /** A validated run request. */
    record RunSpec(
            @Nullable String language,
            String code,
            @Nullable Duration timeout,
            @Nullable Integer memoryMb,
            List<String> libraries,
            Map<String, byte[]> files,
            byte @Nullable [] stdin,
            @Nullable SecurityPolicy policy,
            List<String> args,
            @Nullable Boolean captureArtifacts,
            @Nullable Duration cpuTimeLimit) {}

    /** A validated session request. */
    record SessionSpec(String language, boolean stateful, @Nullable Duration timeout, Duration idleTimeout,
            @Nullable Integer memoryMb, @Nullable SecurityPolicy policy) {}

    /** A validated command request: one command or a sequence. */
    record CommandSpec(List<List<String>> commands, boolean sequence, @Nullable Duration timeout,
            byte @Nullable [] stdin, @Nullable String workdir) {}

    RunSpec run(Wire.ExecuteRequest r, boolean languageRequired) {
        String language = null;
        if (r.language() != null || languageRequired) {
            language = language(r.language());
        }
        String code = r.code();
        if (code == null) {
            throw ApiException.invalidField("code", "field 'code' is required");
        }
        long codeBytes = utf8Length(code);
        if (codeBytes > config.maxCodeSize().bytes()) {
            throw ApiException.tooLarge("code is " + codeBytes + " bytes; the limit is " + config.maxCodeSize()
                    .bytes() + " bytes (max_code_size)", config.maxCodeSize().bytes());
        }
        if (code.isBlank()) {
            throw ApiException.invalidField("code", "field 'code' must not be blank");
        }
        Duration timeout = timeout("timeout_ms", r.timeoutMs());
        Integer memory = memory(r.memoryMb());
        List<String> libraries = libraries(r.libraries(), false);
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (r.files() != null) {
            if (r.files().size() > MAX_FILES) {
                throw ApiException.invalidField("files", "at most " + MAX_FILES + " files per request, got "
                        + r.files().size());
            }
            for (Map.Entry<String, String> e : r.files().entrySet()) {
                String path = path("files", e.getKey());
                if (e.getValue() == null) {
                    throw ApiException.invalidField("files", "file '" + Texts.sanitize(path, 80)
                            + "' has no content; expected Base64");
                }
                try {
                    files.put(path, Base64.getMimeDecoder().decode(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    throw ApiException.invalidField("files", "file '" + Texts.sanitize(path, 80)
                            + "' is not valid Base64: " + ex.getMessage());
                }
            }
        }
        byte[] stdin = r.stdin() == null ? null : r.stdin().getBytes(StandardCharsets.UTF_8);
        SecurityPolicy policy = policy(r.policy());
        List<String> args = new ArrayList<>();
        if (r.args() != null) {
            if (r.args().size() > MAX_ARGS) {
                throw ApiException.invalidField("args", "at most " + MAX_ARGS + " arguments, got " + r.args().size());
            }
            for (String a : r.args()) {
                args.add(noNul("args", a));
            }
        }
        return new RunSpec(language, code, timeout, memory, libraries, files, stdin, policy, args,
                r.captureArtifacts(), timeout("cpu_time_limit_ms", r.cpuTimeLimitMs()));
    }

    SessionSpec session(Wire.CreateSessionRequest r) {
        String language = language(r.language());
        Duration timeout = timeout("timeout_ms", r.timeoutMs());
        Duration idle = config.sessionIdleTimeout();
        if (r.idleTimeoutS() != null) {
            long s = r.idleTimeoutS();
            if (s <= 0) {
                throw ApiException.invalidField("idle_timeout_s", "idle_timeout_s (" + s + ") must be positive");
            }
            if (s > config.sessionIdleTimeout().toSeconds()) {
                throw ApiException.invalidField("idle_timeout_s", "idle_timeout_s (" + s + ") must be at most "
                        + config.sessionIdleTimeout().toSeconds() + " (the server's session_idle_timeout)");
            }
            idle = Duration.ofSeconds(s);
        }
        return new SessionSpec(language, Boolean.TRUE.equals(r.stateful()), timeout, idle, memory(r.memoryMb()),
                policy(r.policy()));
    }

    CommandSpec commands(Wire.CommandsRequest r) {
        if ((r.command() == null) == (r.commands() == null)) {
            throw ApiException.invalidField("command",
                    "give exactly one of 'command' (one argv list) or 'commands' (a list of argv lists)");
        }
        List<List<String>> all = new ArrayList<>();
        if (r.command() != null) {
            all.add(argv("command", r.command()));
        } else {
            if (r.commands().isEmpty() || r.commands().size() > 100) {
                throw ApiException.invalidField("commands", "'commands' must have 1 to 100 entries, got "
                        + r.commands().size());
            }
            for (int i = 0; i < r.commands().size(); i++) {
                all.add(argv("commands[" + i + "]", r.commands().get(i)));
            }
        }
        String workdir = r.workdir() == null ? null : path("workdir", r.workdir());
        return new CommandSpec(all, r.commands() != null, timeout("timeout_ms", r.timeoutMs()),
                r.stdin() == null ? null : r.stdin().getBytes(StandardCharsets.UTF_8), workdir);
    }

    List<String> libraries(@Nullable List<String> libraries, boolean required) {
        if (libraries == null || libraries.isEmpty()) {
            if (required) {
                throw ApiException.invalidField("libraries", "field 'libraries' must list at least one library");
            }
            return List.of();
        }
        if (libraries.size() > MAX_LIBRARIES) {
            throw ApiException.invalidField("libraries", "at most " + MAX_LIBRARIES + " libraries, got "
                    + libraries.size());
        }
        for (String l : libraries) {
            if (l == null || l.isBlank() || l.length() > 300) {
                throw ApiException.invalidField("libraries", "library names must be 1 to 300 characters");
            }
            if (l.startsWith("-")) {
                throw ApiException.invalidField("libraries", "library '" + Texts.sanitize(l, 60)
                        + "' looks like an option; only package names (with versions) are accepted");
            }
            noNul("libraries", l);
        }
        return List.copyOf(libraries);
    }

    /** The canonical id of a language or alias. @throws ApiException 400 naming the known languages */
    String language(@Nullable String language) {
        if (language == null || language.isBlank()) {
            throw ApiException.invalidField("language", "field 'language' is required; one of "
                    + client.languages());
        }
        String l = language.trim().toLowerCase(Locale.ROOT);
        Set<String> ids = client.languages();
        if (ids.contains(l)) {
            return l;
        }
        String image;
        try {
            image = client.imageFor(l);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, Problem.UNKNOWN_LANGUAGE, "Expected language one of " + ids + " but was '"
                    + Texts.sanitize(language, 40) + "'", Map.of("field", "language", "languages", ids), null, e);
        }
        // an alias: the id whose image it shares, when that is unambiguous
        List<String> same = ids.stream().filter(id -> client.imageFor(id).equals(image)).toList();
        return same.size() == 1 ? same.get(0) : l;
    }

    @Nullable Duration timeout(String field, @Nullable Long millis) {
        if (millis == null) {
            return null;
        }
        if (millis <= 0) {
            throw ApiException.invalidField(field, field + " (" + millis + ") must be positive");
        }
        if (millis > config.maxRunTimeout().toMillis()) {
            throw ApiException.invalidField(field, field + " (" + millis + ") must be at most "
                    + config.maxRunTimeout().toMillis() + " (the server's max_run_timeout)");
        }
        return Duration.ofMillis(millis);
    }

    @Nullable Integer memory(@Nullable Integer mb) {
        if (mb == null) {
            return null;
        }
        long max = config.maxMemory().toMegabytes();
        if (mb < 6 || mb > max) {
            throw ApiException.invalidField("memory_mb", "memory_mb (" + mb + ") must be between 6 and " + max
                    + " (the server's max_memory)");
        }
        return mb;
    }

    /**
     * A preset name, a policy document in the policy-file format (its patterns run on a linear-time engine and are
     * capped, see {@link PolicyFiles}), or null; what the server's {@code request_policies} allows.
     */
    @Nullable SecurityPolicy policy(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        ServerConfig.RequestPolicies allowed = config.requestPolicies();
        if (allowed == ServerConfig.RequestPolicies.NONE) {
            throw ApiException.invalidField("policy", "this server does not accept a policy in requests "
                    + "(request_policies: none); its own policy applies");
        }
        if (node.isObject() && allowed == ServerConfig.RequestPolicies.PRESETS) {
            throw ApiException.invalidField("policy", "this server accepts only preset names as a request's policy "
                    + "(request_policies: presets): " + String.join(", ", SecurityPolicy.presetNames()));
        }
        try {
            if (node.isTextual()) {
                String name = node.asText().trim().toLowerCase(Locale.ROOT);
                return presets.computeIfAbsent(name, SecurityPolicy::preset);
            }
            if (node.isObject()) {
                return PolicyFiles.parse(node.toString(), true);
            }
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, Problem.INVALID_REQUEST, "policy: " + Texts.sanitize(
                    String.valueOf(e.getMessage()), 300), Map.of("field", "policy"), null, e);
        }
        throw ApiException.invalidField("policy", "policy must be a preset name ("
                + String.join(", ", SecurityPolicy.presetNames()) + ") or a policy object (the policy-file format)");
    }

    /**
     * A file path inside the box: relative to the work directory, or absolute under {@code /workspace} or
     * {@code /tmp}; no {@code ..} segments, no control characters.
     *
     * @throws ApiException 400 {@code invalid-path}
     */
    static String path(String field, @Nullable String path) {
        if (path == null || path.isEmpty()) {
            throw new ApiException(400, Problem.INVALID_PATH, field + ": the path must not be empty",
                    Map.of("field", field), null, null);
        }
        if (path.length() > MAX_PATH) {
            throw new ApiException(400, Problem.INVALID_PATH, field + ": the path is longer than " + MAX_PATH
                    + " characters", Map.of("field", field), null, null);
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new ApiException(400, Problem.INVALID_PATH, field + ": path '" + Texts.sanitize(path, 80)
                        + "' contains control characters", Map.of("field", field), null, null);
            }
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..")) {
                throw new ApiException(400, Problem.INVALID_PATH, field + ": path '" + Texts.sanitize(path, 80)
                        + "' contains '..'; paths must stay inside /workspace or /tmp", Map.of("field", field),
                        null, null);
            }
        }
        if (path.startsWith("/") && !(path.equals("/workspace") || path.startsWith("/workspace/")
                || path.equals("/tmp") || path.startsWith("/tmp/"))) {
            throw new ApiException(400, Problem.INVALID_PATH, field + ": absolute path '" + Texts.sanitize(path, 80)
                    + "' is outside /workspace and /tmp", Map.of("field", field), null, null);
        }
        return path;
    }

    private static List<String> argv(String field, @Nullable List<String> argv) {
        if (argv == null || argv.isEmpty() || argv.get(0) == null || argv.get(0).isBlank()) {
            throw ApiException.invalidField(field, field + " must be a non-empty list: program, then arguments");
        }
        if (argv.size() > MAX_ARGS) {
            throw ApiException.invalidField(field, field + " has more than " + MAX_ARGS + " arguments");
        }
        for (String a : argv) {
            noNul(field, a);
        }
        return List.copyOf(argv);
    }

    private static String noNul(String field, @Nullable String s) {
        if (s == null) {
            throw ApiException.invalidField(field, field + " must not contain null");
        }
        if (s.indexOf('\0') >= 0) {
            throw ApiException.invalidField(field, field + " must not contain NUL characters");
        }
        return s;
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
