package dev.sandbox4j.core.lang;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Go: builds {@code main.go} with {@code go build} (modules off; build cache in {@code $HOME/.cache}) into an
 * executable work directory as its own step, then runs it; a compile error ends the run with status
 * {@code compile_error} and the compiler's messages.
 */
public final class GoHandler implements LanguageHandler {
    @Override
    public String id() {
        return "go";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("golang");
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
        List<String> compile = List.of("/bin/sh", "-c",
                "b=\"$HOME/.cache/sandbox4j\"; export GOCACHE=\"$HOME/.cache/go-build\" GOTMPDIR=\"$b/tmp\"; "
                        + "mkdir -p \"$b/tmp\" && exec go build -o \"$b/main\" \"$1\"",
                "go", context.path("main.go"));
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$HOME/.cache/sandbox4j/main\" \"$@\"",
                "main"));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of("main.go", code.getBytes(StandardCharsets.UTF_8)), argv,
                Map.of("GO111MODULE", "off", "GOFLAGS", "-buildvcs=false", "GOMAXPROCS", "2"), compile);
    }
}
