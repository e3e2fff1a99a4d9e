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
 * C++ (g++, C++17): compiles {@code main.cpp} into {@code $HOME/.cache/sandbox4j/main} (the work directory is
 * executable for this language) as its own step, then runs it; a compile error ends the run with status
 * {@code compile_error} and g++'s messages.
 */
public final class CppHandler implements LanguageHandler {
    @Override
    public String id() {
        return "cpp";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("c++", "cxx", "g++");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("cpp", "cc", "cxx", "c++");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/cpp:bookworm";
    }

    @Override
    public boolean needsExecutableWorkdir() {
        return true;
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        List<String> compile = List.of("/bin/sh", "-c",
                "b=\"$HOME/.cache/sandbox4j\"; mkdir -p \"$b\" && exec g++ -std=c++17 -O1 -pipe -o \"$b/main\" \"$1\"",
                "g++", context.path("main.cpp"));
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$HOME/.cache/sandbox4j/main\" \"$@\"",
                "main"));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of("main.cpp", code.getBytes(StandardCharsets.UTF_8)), argv, Map.of(), compile);
    }
}
