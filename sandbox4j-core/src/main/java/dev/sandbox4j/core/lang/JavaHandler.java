package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.JavaScanner;
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
 * Java: one source file with any number of top-level types. The file is named after its top-level public type (javac
 * requires it), and the class run is the one declaring {@code static void main}: the public type if it has one, else
 * the first top-level type that has one, else a type nested in one ({@code Outer$Inner}); the {@code package}, if any,
 * is prefixed. The source is parsed with the JDK's parser (a lexical scan on a runtime without {@code jdk.compiler}),
 * so nested records, classes, enums and interfaces declared before {@code main} do not matter. The file is compiled
 * with {@code javac} into the run directory (its own step and timeout) and run with {@code java -cp}; a compile error
 * ends the run with status {@code compile_error} and javac's messages.
 */
public final class JavaHandler implements LanguageHandler {
    static final String ID = "java";
    /** Where installed jars go, relative to the home directory. */
    static final String LIB_DIR = ".sandbox4j/lib";
    /**
     * The box-side Maven downloader, resources compiled together in the box before they run (three files, so the
     * Java 17 single-file launcher cannot run them): arguments, resolution and downloads; POMs and their effective
     * models; the repository over HTTP(S) or {@code file:}.
     */
    static final List<String> MAVEN_FETCH_SOURCES = List.of("MavenFetch.java", "PomModels.java", "MavenRepo.java");
    private static final Pattern COORDINATE =
            Pattern.compile("[A-Za-z0-9_.\\-]+:[A-Za-z0-9_.\\-]+(:[A-Za-z0-9_.\\-]+){1,3}");

    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("runtime-exec", "\\bRuntime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*exec\\s*\\(|\\bnew\\s+ProcessBuilder\\s*\\(|\\bProcessBuilder\\s*\\.",
                        "runs a system command", HIGH)
            .pattern("reflection", "\\bClass\\s*\\.\\s*forName\\s*\\(|\\.\\s*(getDeclaredMethod|getDeclaredField|setAccessible)\\s*\\(",
                        "reflection (a way around static checks)", MEDIUM)
            .pattern("unsafe", "\\bsun\\s*\\.\\s*misc\\s*\\.\\s*Unsafe\\b|\\bSystem\\s*\\.\\s*(load|loadLibrary)\\s*\\(", "native code / Unsafe", HIGH)
            .pattern("delete", "\\bFiles\\s*\\.\\s*(delete|deleteIfExists)\\s*\\(|\\.\\s*delete\\s*\\(\\s*\\)", "deletes files", MEDIUM)
            .pattern("file-write", "\\bnew\\s+(FileOutputStream|FileWriter|PrintWriter\\s*\\(\\s*new\\s+File)\\b|\\bFiles\\s*\\.\\s*(write|writeString|newOutputStream|newBufferedWriter)\\s*\\(",
                        "writes files", LOW)
            .pattern("exit", "\\bSystem\\s*\\.\\s*exit\\s*\\(|\\bRuntime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*halt\\s*\\(", "exits the JVM", LOW)
            .pattern("env", "\\bSystem\\s*\\.\\s*getenv\\s*\\(", "reads the environment", LOW)
            .module("java.lang.ProcessBuilder", "runs system commands", HIGH)
            .module("sun.misc", "JDK internals (Unsafe)", HIGH)
            .module("jdk.internal", "JDK internals", HIGH)
            .module("java.lang.foreign", "foreign function and memory access", HIGH)
            .module("java.lang.reflect", "reflection", MEDIUM)
            .module("java.lang.invoke", "method handles (reflection)", MEDIUM)
            .module("java.net", "network access", MEDIUM)
            .module("javax.net", "network access", MEDIUM)
            .module("java.rmi", "remote method invocation", MEDIUM)
            .module("java.io.ObjectInputStream", "deserialisation of untrusted data can run code", MEDIUM)
            .module("javax.script", "script engines evaluate code", MEDIUM)
            .module("javax.tools", "compiles code at run time", MEDIUM)
            .modules(List.of("com.amazonaws", "software.amazon", "com.google.cloud", "com.azure"),
                    "cloud SDK", MEDIUM)
            .module("java.nio.file", "file system access", LOW)
            .module("java.util.concurrent", "threads", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link JavaScanner}: comments, strings and imports of java code. */
    @Override
    public SourceScanner scanner() {
        return new JavaScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("jdk");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("java");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/java:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        JavaLayout layout = JavaLayout.of(code);
        String mainClass = layout.mainClass();
        String file = layout.fileName() + ".java";
        String classes = context.path("classes");
        String libs = context.home() + "/" + LIB_DIR + "/*";
        List<String> compile = List.of("javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "-nowarn",
                "-Xlint:-path", "-encoding", "UTF-8", "-cp", libs, "-d", classes, context.path(file));
        List<String> argv = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-cp", classes + ":" + libs, mainClass));
        argv.addAll(context.args());
        return new ExecutionPlan(Map.of(file, code.getBytes(StandardCharsets.UTF_8)), argv, Map.of(), compile);
    }

    /**
     * Maven coordinates ({@code group:artifact:version}) are resolved with their runtime dependencies by a small
     * JDK-only program compiled and run in the box ({@link #MAVEN_FETCH_SOURCES}, main class {@code MavenFetch}), and
     * the jars land in {@code ~/.sandbox4j/lib}, which is on the class path of every later compile and run.
     */
    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("java", "Maven coordinates such as 'com.google.code.gson:gson:2.11.0'",
                COORDINATE, libraries);
        String classes = context.path("mavenfetch");
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> compile = new ArrayList<>(List.of("javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
                "-nowarn", "-encoding", "UTF-8", "-d", classes));
        for (String source : MAVEN_FETCH_SOURCES) {
            files.put(source, HandlerSupport.resource(source));
            compile.add(context.path(source));
        }
        List<String> argv = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                classes, "MavenFetch"));
        if (context.caBundle() != null) {
            argv.add("--ca");
            argv.add(context.caBundle());
        }
        argv.add(context.config().mavenRepository());
        argv.add(context.home() + "/" + LIB_DIR);
        argv.addAll(libraries);
        return new ExecutionPlan(files, argv, Map.of(), compile);
    }

    /**
     * The binary name of the class whose {@code main} runs (package included, {@code Outer$Inner} for a nested
     * class); the top-level public type, or the first type, or {@code Main} when no type declares {@code main}.
     */
    public static String mainClass(String code) {
        return JavaLayout.of(code).mainClass();
    }

    /** The name the source file gets (without {@code .java}): the top-level public type, if there is one. */
    public static String fileName(String code) {
        return JavaLayout.of(code).fileName();
    }
}
