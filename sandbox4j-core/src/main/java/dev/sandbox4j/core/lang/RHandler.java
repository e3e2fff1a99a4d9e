package dev.sandbox4j.core.lang;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** R: writes {@code main.R} and runs it with {@code Rscript}. Plots go to {@code Rplots.pdf} in the work directory. */
public final class RHandler implements LanguageHandler {
    @Override
    public String id() {
        return "r";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("rscript", "rlang");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/r:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        List<String> argv = new ArrayList<>(List.of("Rscript", "--no-save", "--no-restore", context.path("main.R")));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of("main.R", code.getBytes(StandardCharsets.UTF_8)), argv,
                Map.of("R_LIBS_USER", "/workspace/.R/library"));
    }
}
