package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.CppScanner;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.SourceScanner;
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
    static final String ID = "cpp";
    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("system", "(?<![\\w.>:])(std\\s*::\\s*)?(system|popen|execl|execlp|execle|execv|execvp|execvpe|execve|posix_spawnp?)\\s*\\(",
                        "runs a system command", HIGH)
            .pattern("fork", "(?<![\\w.>])(fork|vfork|clone)\\s*\\(", "creates processes", MEDIUM)
            .pattern("asm", "\\b(__asm__|asm)\\s*(volatile\\s*)?[({]", "inline assembly", MEDIUM)
            .pattern("dlopen", "\\bdlopen\\s*\\(", "loads native libraries at run time", HIGH)
            .pattern("socket", "(?<![\\w.>])socket\\s*\\(", "raw sockets", MEDIUM)
            .pattern("delete", "(?<![\\w.>])(remove|unlink|rmdir)\\s*\\(|\\bstd\\s*::\\s*filesystem\\s*::\\s*remove(_all)?\\s*\\(",
                        "deletes files", MEDIUM)
            .stringsPattern("file-write", "\\bfopen\\s*\\([^)]*['\"][rb+]*[wa][b+]*['\"]|\\bstd\\s*::\\s*ofstream\\b|\\bofstream\\b", "writes files", LOW)
            .pattern("env", "(?<![\\w.>])(getenv|setenv|putenv)\\s*\\(", "reads or changes the environment", LOW)
            .module("dlfcn.h", "loads native libraries at run time", HIGH)
            .module("sys/ptrace.h", "traces other processes", HIGH)
            .module("spawn.h", "runs programs", HIGH)
            .modules(List.of("sys/socket.h", "netinet", "arpa/inet.h", "netdb.h", "sys/un.h"),
                    "network sockets", MEDIUM)
            .module("sys/mman.h", "raw memory mapping", MEDIUM)
            .module("unistd.h", "POSIX process and file calls", LOW)
            .module("filesystem", "file system access", LOW)
            .module("fstream", "file streams", LOW)
            .module("thread", "threads", LOW)
            .module("pthread.h", "threads", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link CppScanner}: comments, strings and imports of cpp code. */
    @Override
    public SourceScanner scanner() {
        return new CppScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
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
