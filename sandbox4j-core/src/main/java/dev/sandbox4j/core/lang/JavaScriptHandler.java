package dev.sandbox4j.core.lang;

import dev.sandbox4j.spi.ExecutionPlan;
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
    private static final Pattern ESM = Pattern.compile(
            "^\\s*(import\\s+[\\w{*\"']|import\\s*[{*]|export\\s+(default|const|let|var|function|class|async|\\{|\\*))",
            Pattern.MULTILINE);

    @Override
    public String id() {
        return "javascript";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("js", "node", "nodejs");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/javascript:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        String file = isModule(code) ? "main.mjs" : "main.js";
        List<String> argv = new ArrayList<>(List.of("node", context.path(file)));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of(file, code.getBytes(StandardCharsets.UTF_8)), argv, Map.of());
    }

    /** Whether the code has top-level import/export statements (an ES module). */
    public static boolean isModule(String code) {
        return ESM.matcher(code).find();
    }
}
