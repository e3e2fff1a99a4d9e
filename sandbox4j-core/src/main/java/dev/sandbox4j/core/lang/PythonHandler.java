package dev.sandbox4j.core.lang;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Python 3: writes {@code main.py} and runs it with {@code python3 -u}. */
public final class PythonHandler implements LanguageHandler {
    @Override
    public String id() {
        return "python";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("py", "python3");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/python:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        List<String> argv = new ArrayList<>(List.of("python3", "-u", context.path("main.py")));
        argv.addAll(context.args());
        return new ExecutionPlan(
                Map.of("main.py", code.getBytes(StandardCharsets.UTF_8)),
                argv,
                Map.of("PYTHONUNBUFFERED", "1", "PYTHONDONTWRITEBYTECODE", "1", "MPLBACKEND", "Agg"));
    }
}
