package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.lang.JavaHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of {@code README.md} and {@code docs/**}{@code /*.md} compiles against all sandbox4j
 * modules (and the LangChain4j and Spring AI classes the agent examples use). One test per block, named after the
 * file and the block's first line; errors point at lines of the Markdown file.
 *
 * <p>How a block becomes Java (kept simple on purpose):
 * <ul>
 *   <li>Its leading {@code import} lines are the imports. Nothing is imported for it: examples show their imports.
 *   <li>If the rest starts with {@code package} or declares a {@code public} top-level type, the block is a whole
 *       source file and is compiled as it is.
 *   <li>Otherwise the rest is the body of {@code static void example(GIVEN) throws Exception} in a class of its own.
 *       Java allows local records, classes, interfaces and enums there, so a fragment may declare types next to its
 *       statements.
 *   <li>GIVEN are the variables a fragment continues from (the client or session of an earlier example), declared in
 *       an HTML comment right before the block, which Markdown does not show:
 *       {@code <!-- given: SandboxClient client, String code -->}. Their types must be imported by the block or be
 *       fully qualified.
 * </ul>
 */
class DocumentationExamplesTest {
    private static final Pattern BLOCK = Pattern.compile(
            "(?:<!--[ \\t]*given:[ \\t]*(?<given>[^\\n]*?)[ \\t]*-->[ \\t]*\\n)?```java\\n(?<code>.*?)```", Pattern.DOTALL);
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;.*$");
    private static final Pattern WHOLE_FILE = Pattern.compile(
            "^(package\\s|(@\\w+\\s+)*public\\s+((final|abstract|sealed|non-sealed)\\s+)*(class|interface|record|enum)\\s)",
            Pattern.MULTILINE);

    static Path root() {
        return Path.of(System.getProperty("sandbox4j.root", "..")).toAbsolutePath().normalize();
    }

    /** A {@code ```java} block: where it is, what it continues from, its text. */
    record Block(Path file, int line, int index, String given, String code) {
        String name() {
            String first = code.lines().filter(l -> !l.isBlank() && !IMPORT.matcher(l).matches()).findFirst()
                    .orElse("").strip();
            return root().relativize(file) + ":" + line + " " + (first.length() > 60 ? first.substring(0, 60) + "..."
                    : first);
        }
    }

    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(root().resolve("README.md"));
        Path dir = root().resolve("docs");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
            }
        }
        return docs;
    }

    static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        int index = 0;
        while (m.find()) {
            int codeStart = m.start("code");
            int line = (int) text.substring(0, codeStart).chars().filter(c -> c == '\n').count() + 1;
            out.add(new Block(file, line, ++index, m.group("given") == null ? "" : m.group("given"), m.group("code")));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompiles(@TempDir Path out) throws IOException {
        List<Block> all = new ArrayList<>();
        for (Path doc : documents()) {
            all.addAll(blocks(doc));
        }
        assertThat(all).as("java blocks in README.md and docs/").hasSizeGreaterThan(10);
        assertThat(all).as("java blocks in README.md").anyMatch(b -> b.file().endsWith("README.md"));
        return all.stream().map(b -> DynamicTest.dynamicTest(b.name(), () -> compile(b, out)));
    }

    /** The block as a compilation unit, and how many lines the wrapper adds before its body. */
    record Source(String name, String text, int offset) {}

    static Source source(Block b) {
        List<String> lines = b.code().lines().toList();
        int i = 0;
        StringBuilder imports = new StringBuilder();
        while (i < lines.size() && (lines.get(i).isBlank() || IMPORT.matcher(lines.get(i)).matches()
                || lines.get(i).strip().startsWith("//"))) {
            imports.append(lines.get(i)).append('\n');
            i++;
        }
        String body = String.join("\n", lines.subList(i, lines.size())) + "\n";
        if (WHOLE_FILE.matcher(body).find()) {
            return new Source(JavaHandler.fileName(b.code()), b.code(), 0);
        }
        String cls = "Example_" + b.file().getFileName().toString().replaceAll("\\W", "_") + "_" + b.index();
        String head = imports + "class " + cls + " {\n    static void example(" + b.given()
                + ") throws Exception {\n";
        int offset = (int) head.chars().filter(c -> c == '\n').count() - i;
        return new Source(cls, head + body + "    }\n}\n", offset);
    }

    static void compile(Block b, Path out) throws IOException {
        Source s = source(b);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path classes = Files.createDirectories(out.resolve(s.name() + "-" + b.index() + "-" + Math.abs(b.line())));
        JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + s.name() + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return s.text();
            }
        };
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            boolean ok = javac.getTask(log, files, diagnostics, List.of("-proc:none", "--release", "21",
                    "-classpath", classPath, "-d", classes.toString()), null, List.of(unit)).call();
            StringBuilder errors = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    long mdLine = b.line() + d.getLineNumber() - 1 - s.offset();
                    errors.append(root().relativize(b.file())).append(':').append(mdLine).append(": ")
                            .append(d.getMessage(Locale.ROOT)).append('\n');
                }
            }
            assertThat(ok).as("%s does not compile:%n%s%nas compiled:%n%s", b.name(), errors, s.text()).isTrue();
        }
    }
}
