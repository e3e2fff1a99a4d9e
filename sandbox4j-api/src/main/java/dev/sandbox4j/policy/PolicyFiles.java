package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads and saves {@link SecurityPolicy} files (YAML or JSON, chosen by the file extension: {@code .json} is JSON,
 * anything else YAML), so operators can configure a policy without code:
 *
 * <pre>
 * name: team-policy
 * extends: production          # optional: start from a preset (permissive, development, production, strict)
 * threshold: medium            # safe | low | medium | high
 * dynamic_imports: high        # severity of imports computed at run time
 * default_rules: production    # optional: which of the languages' default rules apply (none, permissive, ...,
 *                              #   strict); a preset named by extends sets its own, a file without either has none
 * remove: [pattern:python.environ, module:python:os]   # drop rules of the preset or of the languages by id
 * patterns:
 *   - id: no-sleep
 *     regex: '\btime\.sleep\('
 *     description: sleeping wastes the box
 *     severity: low
 *     scope: code              # code | code_and_strings | raw
 *     languages: [python]      # omitted: every language
 * restricted_modules:
 *   - name: requests
 *     description: HTTP client
 *     severity: high
 *     languages: [python]
 * </pre>
 *
 * <p>The languages' default rules are not listed in a file that names a tier ({@code extends} or
 * {@code default_rules}): each language's plug-in brings them ({@link LanguageRules}) and the policy applies those of
 * its tier, so a new language's rules apply without editing the file. {@link #toText} writes a policy as it is: its own
 * rules, its tier and what it removed; to write out every rule a policy applies (for example to start a file from a
 * preset and edit any rule), write {@code Sandbox4j.expand(policy)}, as {@code sandbox4j policy} does.
 *
 * <p>Custom {@link PolicyRule}s are Java code and are not saved; {@link #toText} notes how many were left out.
 * Unknown keys are errors (a typo must not silently weaken a policy).
 *
 * <p>Patterns of a policy file (and of a policy a request of the HTTP service carries, which uses this format) run on a
 * linear-time regex engine, RE2/J, so no regex can make a check backtrack for minutes: a regex must be valid RE2
 * syntax as well as Java syntax (no look-ahead, look-behind or back-references), unless it is the regex of a built-in
 * rule: a language-independent one or one of a language on the class path (vetted; a file written from an expanded
 * policy holds copies of them). At most {@value #MAX_PATTERNS} patterns, each regex at most
 * {@value #MAX_REGEX_LENGTH} characters.
 *
 * @since 0.1
 */
public final class PolicyFiles {
    private static final Set<String> TOP = Set.of("name", "extends", "threshold", "dynamic_imports",
            "default_rules", "remove", "patterns", "restricted_modules");
    private static final Set<String> PATTERN = Set.of("id", "regex", "description", "severity", "scope",
            "languages");
    private static final Set<String> MODULE = Set.of("name", "description", "severity", "languages");
    /**
     * Most patterns in one policy file or request policy.
     *
     * @since 0.2
     */
    public static final int MAX_PATTERNS = 128;
    /**
     * Longest regex of a pattern in a policy file or request policy, in characters.
     *
     * @since 0.2
     */
    public static final int MAX_REGEX_LENGTH = 1000;

    private PolicyFiles() {}

    /**
     * Reads a policy file.
     *
     * @throws IllegalArgumentException with the file name and what is wrong, for any content error
     * @throws UncheckedIOException if the file cannot be read
     */
    public static SecurityPolicy load(Path file) {
        requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("policy file '" + file + "' does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy file '" + file + "'", e);
        }
        try {
            return parse(text, isJson(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy file '" + file + "': " + e.getMessage(), e);
        }
    }

    /**
     * The policy a configuration setting names: a preset ({@link SecurityPolicy#presetNames()}, in any case, or
     * {@code dev}/{@code prod}), else a policy file, relative paths resolved against {@code baseDir}. Surrounding
     * blanks are ignored.
     *
     * @param presetOrFile the setting's value
     * @param baseDir what a relative file path is relative to (the configuration file's directory, or
     *     {@code Path.of("")} for the working directory)
     * @param setting the setting's name, for the message, e.g. {@code "policy"}
     * @throws IllegalArgumentException {@code "<setting> '<value>' is neither a preset (permissive, ...) nor a
     *     file"} if it is neither, or as {@link #load} for a file that is not a valid policy
     * @since 0.2
     */
    public static SecurityPolicy presetOrFile(String presetOrFile, Path baseDir, String setting) {
        requireNonNull(presetOrFile, setting);
        requireNonNull(baseDir, "baseDir");
        String value = presetOrFile.trim();
        if (SecurityPolicy.isPreset(value)) {
            return SecurityPolicy.preset(value);
        }
        Path file = baseDir.resolve(value);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(setting + " '" + Texts.sanitize(value, 80) + "' is neither a preset ("
                    + String.join(", ", SecurityPolicy.presetNames()) + ") nor a file");
        }
        return load(file);
    }

    /** Writes a policy (YAML or JSON by extension). */
    public static void save(SecurityPolicy policy, Path file) {
        try {
            Files.writeString(file, toText(policy, isJson(file)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write policy file '" + file + "'", e);
        }
    }

    private static boolean isJson(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }

    private static ObjectMapper mapper(boolean json) {
        return json ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                : new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    }

    /**
     * Parses policy text.
     *
     * @throws IllegalArgumentException saying what is wrong and where
     */
    public static SecurityPolicy parse(String text, boolean json) {
        Object root;
        try {
            root = mapper(json).readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid " + (json ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage(), e);
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException("expected a mapping at the top level");
        }
        checkKeys(top, TOP, "top level");
        SecurityPolicy.Builder b = top.containsKey("extends")
                ? SecurityPolicy.preset(str(top, "extends", "top level")).toBuilder()
                : SecurityPolicy.builder();
        if (top.containsKey("name")) {
            b.name(str(top, "name", "top level"));
        }
        if (top.containsKey("threshold")) {
            b.threshold(Severity.parse(str(top, "threshold", "top level")));
        }
        if (top.containsKey("dynamic_imports")) {
            b.dynamicImportSeverity(Severity.parse(str(top, "dynamic_imports", "top level")));
        }
        if (top.containsKey("default_rules")) {
            b.defaultRuleTier(RuleTier.parse(str(top, "default_rules", "top level")));
        }
        for (Object id : list(top, "remove", "top level")) {
            b.remove(String.valueOf(id));
        }
        int i = 0;
        List<?> patterns = list(top, "patterns", "top level");
        if (patterns.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException("at most " + MAX_PATTERNS + " patterns are allowed, got "
                    + patterns.size());
        }
        for (Object o : patterns) {
            String where = "patterns[" + i++ + "]";
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(where + " must be a mapping");
            }
            checkKeys(m, PATTERN, where);
            String regex = str(m, "regex", where);
            if (regex.length() > MAX_REGEX_LENGTH) {
                throw new IllegalArgumentException(where + ".regex is " + regex.length() + " characters; at most "
                        + MAX_REGEX_LENGTH + " are allowed");
            }
            SecurityPattern pattern = new SecurityPattern(str(m, "id", where), regex,
                    m.containsKey("description") ? str(m, "description", where) : "",
                    Severity.parse(str(m, "severity", where)),
                    m.containsKey("scope") ? PatternScope.parse(str(m, "scope", where)) : PatternScope.CODE,
                    languages(m, where));
            try {
                CompiledPattern.checkLinearTime(pattern.id(), regex);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            b.addPattern(pattern);
        }
        i = 0;
        for (Object o : list(top, "restricted_modules", "top level")) {
            String where = "restricted_modules[" + i++ + "]";
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(where + " must be a mapping");
            }
            checkKeys(m, MODULE, where);
            b.addRestrictedModule(new RestrictedModule(str(m, "name", where),
                    m.containsKey("description") ? str(m, "description", where) : "",
                    Severity.parse(str(m, "severity", where)), languages(m, where)));
        }
        return b.build();
    }

    /**
     * The policy as YAML or JSON text: its own rules written out (no {@code extends}), and, when it applies default
     * rules of the languages, their tier ({@code default_rules}) and the ones it removed ({@code remove}). Loading the
     * text gives a policy that checks as this one does.
     */
    public static String toText(SecurityPolicy policy, boolean json) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("name", policy.name());
        top.put("threshold", policy.threshold().wireName());
        top.put("dynamic_imports", policy.dynamicImportSeverity().wireName());
        if (policy.defaultRuleTier() != RuleTier.NONE) {
            top.put("default_rules", policy.defaultRuleTier().wireName());
            if (!policy.removedDefaultRules().isEmpty()) {
                top.put("remove", policy.removedDefaultRules());
            }
        }
        List<Object> patterns = new ArrayList<>();
        for (SecurityPattern p : policy.patterns()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id());
            m.put("regex", p.regex());
            m.put("description", p.description());
            m.put("severity", p.severity().wireName());
            m.put("scope", p.scope().wireName());
            if (!p.languages().isEmpty()) {
                m.put("languages", p.languages().stream().sorted().toList());
            }
            patterns.add(m);
        }
        top.put("patterns", patterns);
        List<Object> modules = new ArrayList<>();
        for (RestrictedModule r : policy.restrictedModules()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("description", r.description());
            m.put("severity", r.severity().wireName());
            if (!r.languages().isEmpty()) {
                m.put("languages", r.languages().stream().sorted().toList());
            }
            modules.add(m);
        }
        top.put("restricted_modules", modules);
        try {
            String text = mapper(json).writeValueAsString(top);
            if (!json && !policy.rules().isEmpty()) {
                text = "# " + policy.rules().size() + " custom Java rule(s) are not part of this file\n" + text;
            }
            return text;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise policy", e);
        }
    }

    private static void checkKeys(Map<?, ?> m, Set<String> allowed, String where) {
        for (Object k : m.keySet()) {
            if (!allowed.contains(String.valueOf(k))) {
                throw new IllegalArgumentException("unknown key '" + Texts.sanitize(String.valueOf(k), 40) + "' in "
                        + where + "; expected one of " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static String str(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException(where + " needs '" + key + "'");
        }
        if (v instanceof Map || v instanceof List) {
            throw new IllegalArgumentException(where + "." + key + " must be a plain value");
        }
        return String.valueOf(v);
    }

    private static List<?> list(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException(where + "." + key + " must be a list");
        }
        return l;
    }

    private static Set<String> languages(Map<?, ?> m, String where) {
        Set<String> out = new LinkedHashSet<>();
        for (Object o : list(m, "languages", where)) {
            out.add(String.valueOf(o).toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
