package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.JavaScriptScanner;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.SourceScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * JavaScript on Node.js. Code with top-level {@code import}/{@code export} statements runs as an ES module
 * ({@code main.mjs}), anything else as CommonJS ({@code main.js}), so both {@code require} and {@code import} work.
 */
public final class JavaScriptHandler implements LanguageHandler {
    static final String ID = "javascript";
    private static final Pattern ESM = Pattern.compile(
            "^\\s*(import\\s+[\\w{*\"']|import\\s*[{*]|export\\s+(default|const|let|var|function|class|async|\\{|\\*))",
            Pattern.MULTILINE);
    /** An npm package spec from the registry: {@code name}, {@code @scope/name}, with an optional version/range. */
    private static final Pattern PACKAGE = Pattern.compile(
            "(@[a-z0-9][a-z0-9._~\\-]*/)?[a-z0-9][a-z0-9._~\\-]*(@[A-Za-z0-9._\\-^~<>=|*+ ]+)?",
            Pattern.CASE_INSENSITIVE);

    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("eval", "(?<![\\w.$])(eval|Function)\\s*\\(|\\bnew\\s+Function\\s*\\(", "evaluates dynamically built code", MEDIUM)
            .pattern("process-binding", "\\bprocess\\s*\\.\\s*(binding|_linkedBinding|dlopen)\\s*\\(", "native bindings", HIGH)
            .pattern("fetch", "(?<![\\w.$])fetch\\s*\\(|\\bnew\\s+(WebSocket|XMLHttpRequest)\\s*\\(", "network request", MEDIUM)
            .pattern("delete", "\\bfs(\\.promises)?\\s*\\.\\s*(unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync)\\s*\\(", "deletes files", MEDIUM)
            .pattern("file-write", "\\bfs(\\.promises)?\\s*\\.\\s*(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream)\\s*\\(",
                        "writes files", LOW)
            .pattern("env", "\\bprocess\\s*\\.\\s*env\\b", "reads the environment", LOW)
            .module("child_process", "runs system commands", HIGH)
            .modules(List.of("ffi-napi", "ffi", "node-ffi", "bindings"),
                    "calls native code", HIGH)
            .module("vm", "evaluates code in a new context", MEDIUM)
            .modules(List.of("net", "dgram", "tls", "http", "https", "http2", "dns", "axios", "node-fetch", "got",
                    "request", "ws", "undici"),
                    "network access", MEDIUM)
            .modules(List.of("aws-sdk", "@aws-sdk", "@google-cloud", "@azure", "firebase-admin"),
                    "cloud SDK", MEDIUM)
            .module("inspector", "debugger access", MEDIUM)
            .module("fs", "file system access", LOW)
            .modules(List.of("cluster", "worker_threads", "os", "process", "v8"),
                    "process / runtime internals", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link JavaScriptScanner}: comments, strings and imports of javascript code. */
    @Override
    public SourceScanner scanner() {
        return new JavaScriptScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("js", "node", "nodejs");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("js", "mjs", "cjs");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/javascript:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        String file = isModule(code) ? "main.mjs" : "main.js";
        // installed packages live in ~/node_modules; Node looks for node_modules next to the program (both require
        // and import), so link it there when there is one
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c",
                "[ -d \"$HOME/node_modules\" ] && ln -s \"$HOME/node_modules\" \"${1%/*}/node_modules\" 2>/dev/null;"
                        + " exec node \"$@\"", "node", context.path(file)));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of(file, code.getBytes(StandardCharsets.UTF_8)), argv, Map.of());
    }

    /**
     * {@code sandbox4j_kernel.js}: one {@code vm} context; requests on fd 3, messages on fd 4, so that what user code
     * and child processes write cannot corrupt the protocol.
     */
    @Override
    public ExecutionPlan kernelPlan(PlanContext context) {
        return new ExecutionPlan(Map.of("sandbox4j_kernel.js", HandlerSupport.resource("sandbox4j_kernel.js")),
                List.of("/bin/sh", "-c", "exec node \"$1\" 3<&0 4>&1 </dev/null 1>&2", "kernel",
                        context.path("sandbox4j_kernel.js")), Map.of("NODE_ENV", "production"));
    }

    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("javascript", "an npm package such as 'lodash' or 'lodash@4.17.21'",
                PACKAGE, libraries);
        // install into a fresh prefix (no package.json or .npmrc planted in the home directory is read while the box
        // has a network), then merge the result into ~/node_modules
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", """
                p="$PWD/prefix"; mkdir -p "$p" || exit 1
                npm install --prefix "$p" "$@" || exit $?
                mkdir -p "$HOME/node_modules" && cp -R "$p/node_modules/." "$HOME/node_modules/"
                """, "npm-install", "--no-audit", "--no-fund", "--no-package-lock", "--no-save",
                "--no-update-notifier", "--loglevel=error", "--cache", context.path("npm-cache")));
        if (context.config().npmRegistry() != null) {
            argv.add("--registry=" + context.config().npmRegistry());
        }
        if (context.caBundle() != null) {
            argv.add("--cafile=" + context.caBundle());
        }
        argv.addAll(libraries);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("NODE_ENV", "production");
        // config files that do not exist (npm refuses the same file twice, so not /dev/null for both)
        env.put("NPM_CONFIG_USERCONFIG", context.path("no-user-npmrc"));
        env.put("NPM_CONFIG_GLOBALCONFIG", context.path("no-global-npmrc"));
        if (context.caBundle() != null) {
            env.put("NODE_EXTRA_CA_CERTS", context.caBundle());
        }
        return new ExecutionPlan(Map.of(), argv, env);
    }

    /** Whether the code has top-level import/export statements (an ES module). */
    public static boolean isModule(String code) {
        return ESM.matcher(code).find();
    }
}
