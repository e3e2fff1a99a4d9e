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
 * executable work directory and runs it. A compile error ends the run with go's exit code and messages.
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
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c",
                "b=\"$HOME/.cache/sandbox4j\"; export GOCACHE=\"$HOME/.cache/go-build\" GOTMPDIR=\"$b/tmp\"; "
                        + "mkdir -p \"$b/tmp\" && "
                        + "go build -o \"$b/main\" \"$1\" || exit $?; shift; exec \"$b/main\" \"$@\"",
                "go", context.path("main.go")));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of("main.go", code.getBytes(StandardCharsets.UTF_8)), argv,
                Map.of("GO111MODULE", "off", "GOFLAGS", "-buildvcs=false", "GOMAXPROCS", "2"));
    }
}
