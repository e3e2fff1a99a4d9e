package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.GoScanner;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.SourceScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Go: builds {@code main.go} with {@code go build} (modules off; build cache in {@code $HOME/.cache}) into an
 * executable work directory as its own step, then runs it; a compile error ends the run with status
 * {@code compile_error} and the compiler's messages.
 */
public final class GoHandler implements LanguageHandler {
    static final String ID = "go";
    /** The module that installed libraries belong to, relative to the home directory. */
    static final String MODULE_DIR = ".sandbox4j/gomod";
    private static final Pattern MODULE =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~/\\-]*(@[A-Za-z0-9._\\-+]+)?");

    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("exec", "\\bexec\\s*\\.\\s*(Command|CommandContext)\\s*\\(|\\bsyscall\\s*\\.\\s*(Exec|ForkExec|StartProcess)\\s*\\(|\\bos\\s*\\.\\s*StartProcess\\s*\\(",
                        "runs a system command", HIGH)
            .pattern("delete", "\\bos\\s*\\.\\s*(Remove|RemoveAll)\\s*\\(", "deletes files", MEDIUM)
            .pattern("file-write", "\\bos\\s*\\.\\s*(WriteFile|Create|OpenFile)\\s*\\(|\\bioutil\\s*\\.\\s*WriteFile\\s*\\(", "writes files", LOW)
            .pattern("env", "\\bos\\s*\\.\\s*(Getenv|Setenv|Environ|LookupEnv)\\s*\\(", "reads or changes the environment", LOW)
            .module("os/exec", "runs system commands", HIGH)
            .module("syscall", "raw system calls", HIGH)
            .module("golang.org/x/sys", "raw system calls", HIGH)
            .module("plugin", "loads native plugins", HIGH)
            .module("unsafe", "unsafe memory access", MEDIUM)
            .module("net", "network access", MEDIUM)
            .module("reflect", "reflection", MEDIUM)
            .module("encoding/gob", "deserialisation", LOW)
            .modules(List.of("github.com/aws", "cloud.google.com", "github.com/Azure"),
                    "cloud SDK", MEDIUM)
            .module("os", "operating-system access", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link GoScanner}: comments, strings and imports of go code. */
    @Override
    public SourceScanner scanner() {
        return new GoScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("golang");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("go");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/go:bookworm";
    }

    @Override
    public boolean needsExecutableWorkdir() {
        return true;
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        // GOPATH mode (no network, no go.mod needed) unless libraries were installed: then build inside the module
        // that `install` created, with the proxy off (everything it needs is in the module cache)
        List<String> compile = List.of("/bin/sh", "-c", """
                b="$HOME/.cache/sandbox4j"; export GOCACHE="$HOME/.cache/go-build" GOTMPDIR="$b/tmp"
                mkdir -p "$b/tmp" || exit 1
                m="$HOME/%s"
                if [ -f "$m/go.mod" ]; then
                  cp "$1" "$m/main.go" && cd "$m" && GO111MODULE=on GOFLAGS=-mod=mod GOPROXY=off exec go build -o "$b/main" .
                fi
                exec go build -o "$b/main" "$1"
                """.formatted(MODULE_DIR), "go", context.path("main.go"));
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$HOME/.cache/sandbox4j/main\" \"$@\"",
                "main"));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of("main.go", code.getBytes(StandardCharsets.UTF_8)), argv,
                Map.of("GO111MODULE", "off", "GOFLAGS", "-buildvcs=false", "GOMAXPROCS", "2"), compile);
    }

    /**
     * {@code go get} in module mode, in a module kept at {@code ~/.sandbox4j/gomod} (created on first use); later
     * builds compile the program inside that module.
     */
    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("go", "a module path such as 'github.com/google/uuid@v1.6.0'", MODULE, libraries);
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", """
                m="$HOME/%s"; mkdir -p "$m" "$HOME/.cache/go-build" && cd "$m" || exit 1
                [ -f go.mod ] || go mod init sandbox >/dev/null || exit 1
                exec go get "$@"
                """.formatted(MODULE_DIR), "go-get"));
        argv.addAll(libraries);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GO111MODULE", "on");
        env.put("GOFLAGS", "-mod=mod -buildvcs=false");
        env.put("GOCACHE", context.home() + "/.cache/go-build");
        env.put("GOTOOLCHAIN", "local");
        // nothing from the (untrusted) home directory configures the fetch: no go env file, no git config
        env.put("GOENV", "off");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        if (context.config().goProxy() != null) {
            env.put("GOPROXY", context.config().goProxy());
        }
        if (context.config().goSumDb() != null) {
            env.put("GOSUMDB", context.config().goSumDb());
        }
        if (context.caBundle() != null) {
            env.put("SSL_CERT_FILE", context.caBundle());
        }
        return new ExecutionPlan(Map.of(), argv, env);
    }
}
