package dev.sandbox4j.core.lang;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Java: one source file with any number of top-level classes. The main class is the class that declares
 * {@code static void main} (the nearest class declaration before it), prefixed with the {@code package}, if any.
 * The file is compiled with {@code javac} into the run directory (its own step and timeout) and run with
 * {@code java -cp}; a compile error ends the run with status {@code compile_error} and javac's messages.
 */
public final class JavaHandler implements LanguageHandler {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile("\\b(class|record|enum|interface)\\s+([A-Za-z_$][\\w$]*)");
    /** Where installed jars go, relative to the home directory. */
    static final String LIB_DIR = ".sandbox4j/lib";
    private static final Pattern COORDINATE =
            Pattern.compile("[A-Za-z0-9_.\\-]+:[A-Za-z0-9_.\\-]+(:[A-Za-z0-9_.\\-]+){1,3}");
    private static final Pattern MAIN = Pattern.compile("\\bstatic\\s+(?:final\\s+)?void\\s+main\\s*\\(");

    @Override
    public String id() {
        return "java";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("jdk");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/java:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        String mainClass = mainClass(code);
        String file = (mainClass.contains(".") ? mainClass.substring(mainClass.lastIndexOf('.') + 1) : mainClass)
                + ".java";
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
     * JDK-only program run in the box ({@code MavenFetch.java}), and the jars land in {@code ~/.sandbox4j/lib}, which
     * is on the class path of every later compile and run.
     */
    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("java", "Maven coordinates such as 'com.google.code.gson:gson:2.11.0'",
                COORDINATE, libraries);
        List<String> argv = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                context.path("MavenFetch.java")));
        if (context.caBundle() != null) {
            argv.add("--ca");
            argv.add(context.caBundle());
        }
        argv.add(context.config().mavenRepository());
        argv.add(context.home() + "/" + LIB_DIR);
        argv.addAll(libraries);
        return new ExecutionPlan(Map.of("MavenFetch.java", HandlerSupport.resource("MavenFetch.java")), argv,
                Map.of());
    }

    /** The fully qualified name of the class declaring {@code main}; {@code Main} when none is found. */
    public static String mainClass(String code) {
        String stripped = stripCommentsAndStrings(code);
        Matcher main = MAIN.matcher(stripped);
        String name = "Main";
        if (main.find()) {
            Matcher t = TYPE.matcher(stripped);
            while (t.find() && t.start() < main.start()) {
                name = t.group(2);
            }
        } else {
            Matcher t = TYPE.matcher(stripped);
            if (t.find()) {
                name = t.group(2);
            }
        }
        Matcher p = PACKAGE.matcher(stripped);
        return p.find() ? p.group(1) + "." + name : name;
    }

    private static String stripCommentsAndStrings(String code) {
        return new dev.sandbox4j.core.policy.scan.JavaScanner().scan(code).codeOnly();
    }
}
