package dev.sandbox4j.core.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The box-side Maven downloader ({@link JavaHandler#MAVEN_FETCH_SOURCES}, resources compiled together and run as
 * {@code java MavenFetch}): it compiles for Java 17, and against a fake {@code file:} repository it resolves what
 * Maven would, without network.
 */
class MavenFetchTest {
    private static final String G = "com.example";

    @TempDir
    static Path compiled;
    private static Path classes;
    private static String compilerOutput;
    private static int compilerStatus;
    private static Method run;

    @TempDir
    Path tmp;
    private Path repo;
    private Path dest;

    record Result(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeAll
    static void compile() throws Exception {
        Path sources = Files.createDirectories(compiled.resolve("src"));
        classes = Files.createDirectories(compiled.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-Xlint:all", "-Werror", "-d",
                classes.toString()));
        for (String name : JavaHandler.MAVEN_FETCH_SOURCES) {
            try (InputStream in = MavenFetchTest.class.getResourceAsStream(name)) {
                assertThat(in).as(name + " resource").isNotNull();
                args.add(Files.write(sources.resolve(name), in.readAllBytes()).toString());
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        compilerStatus = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        compilerOutput = diagnostics.toString(StandardCharsets.UTF_8);
        if (compilerStatus == 0) {
            @SuppressWarnings("resource") // kept open for the class's lifetime
            URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null);
            run = loader.loadClass("MavenFetch").getDeclaredMethod("run", String[].class, PrintStream.class,
                    PrintStream.class);
            run.setAccessible(true);
        }
    }

    @BeforeEach
    void dirs() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        dest = tmp.resolve("lib");
    }

    @Test
    void compilesForJava17WithoutWarnings() {
        assertThat(compilerOutput).isEmpty();
        assertThat(compilerStatus).isZero();
    }

    @Test
    void resolvesLikeMavenWithParentsPropertiesBomsProfilesScopesExclusionsAndNearestWins() throws Exception {
        fakeProject();

        Result r = fetch(G + ":app:1.1");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(jars()).containsExactlyInAnyOrder("app-1.1.jar", "lib-2.1.jar", "from-bom-4.0.jar",
                "nested-managed-5.0.jar", "runtime-dep-1.0.jar", "wild-1.0.jar", "classified-1.0-natives.jar",
                "from-profile-1.0.jar", "inherited-1.1.jar", "conflict-1.0.jar", "deep-1.0.jar",
                "excluded-by-lib-1.0.jar");
        assertThat(r.lines()).contains("fetched com.example:app:1.1 (" + jarBytes(G, "app", "1.1", null).length + " bytes)",
                "fetched com.example:classified:jar:natives:1.0 (" + jarBytes(G, "classified", "1.0", "natives").length
                        + " bytes)").hasSize(12);
        assertThat(Files.readAllBytes(dest.resolve("lib-2.1.jar"))).isEqualTo(jarBytes(G, "lib", "2.1", null));
        assertThat(r.err()).isEmpty();
        try (Stream<Path> files = Files.list(dest)) {
            assertThat(files).noneMatch(p -> p.getFileName().toString().endsWith(".part"));
        }
    }

    @Test
    void secondRunFindsTheJarsPresentAndRefetchesAChangedOne() throws Exception {
        fakeProject();
        assertThat(fetch(G + ":app:1.1").status()).isZero();
        Files.write(dest.resolve("lib-2.1.jar"), new byte[] {1, 2, 3});
        Files.write(dest.resolve("unrelated.txt"), new byte[] {4});

        Result again = fetch(G + ":app:1.1");

        assertThat(again.status()).as(again.err()).isZero();
        assertThat(again.lines()).hasSize(12).contains("fetched com.example:lib:2.1 (" + jarBytes(G, "lib", "2.1", null).length
                + " bytes)", "present com.example:wild:1.0 (" + jarBytes(G, "wild", "1.0", null).length + " bytes)");
        assertThat(again.lines().stream().filter(l -> l.startsWith("present "))).hasSize(11);
        assertThat(Files.readAllBytes(dest.resolve("lib-2.1.jar"))).isEqualTo(jarBytes(G, "lib", "2.1", null));
    }

    @Test
    void checksumMismatchFailsAndLeavesNothingBehind() throws Exception {
        artifact(G, "bad", "1.0", "");
        Files.writeString(jarPath(G, "bad", "1.0", null).resolveSibling("bad-1.0.jar.sha1"), "0".repeat(40) + "  bad-1.0.jar\n");

        Result r = fetch(G + ":bad:1.0");

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("MavenFetch: SHA-1 mismatch for com.example:bad:1.0").doesNotContain("\tat ");
        try (Stream<Path> files = Files.list(dest)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void missingCoordinateAndBrokenPomFailClearly() throws Exception {
        Result missing = fetch(G + ":nope:1.0");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("MavenFetch: cannot find com.example:nope:1.0 in "
                + repoUrl().replaceAll("/$", "") + ": no such file");

        writePom(G, "broken", "1.0", "<project><dependencies>");
        Result broken = fetch(G + ":broken:1.0");
        assertThat(broken.status()).isEqualTo(1);
        assertThat(broken.err()).startsWith("MavenFetch: invalid XML in the POM of com.example:broken:1.0").doesNotContain("\tat ");

        artifact(G, "no-version", "1.0", deps(dep("lib", null)));
        Result unmanaged = fetch(G + ":no-version:1.0");
        assertThat(unmanaged.status()).isEqualTo(1);
        assertThat(unmanaged.err()).contains("no version for the dependency com.example:lib in com.example:no-version:1.0");
    }

    @Test
    void transitiveArtifactsWithoutPomOrWithBrokenPomAreKeptWithoutTheirDependencies() throws Exception {
        artifact(G, "top", "1.0", deps(dep("no-pom", "1.0") + dep("broken", "1.0") + dep("moved", "1.0")));
        jar(G, "no-pom", "1.0", null);
        writePom(G, "broken", "1.0", "<project>oops");
        jar(G, "broken", "1.0", null);
        artifact(G, "moved", "1.0", "<distributionManagement><relocation><groupId>org.example</groupId>"
                + "<artifactId>renamed</artifactId></relocation></distributionManagement>");
        artifact("org.example", "renamed", "1.0", "");

        Result r = fetch(G + ":top:1.0");

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(jars()).containsExactlyInAnyOrder("top-1.0.jar", "no-pom-1.0.jar", "broken-1.0.jar", "renamed-1.0.jar");
        assertThat(r.err()).contains("warning: cannot find com.example:no-pom:1.0", "warning: invalid XML in the POM of com.example:broken:1.0",
                "com.example:moved:1.0 is relocated to org.example:renamed:1.0");
    }

    @Test
    void versionRangesUseTheirInclusiveLowerBoundOrFail() throws Exception {
        artifact(G, "ranged", "1.0", deps(dep("lib", "[1.0,2.0)")));
        artifact(G, "lib", "1.0", "");
        Result r = fetch(G + ":ranged:1.0");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(jars()).containsExactlyInAnyOrder("ranged-1.0.jar", "lib-1.0.jar");
        assertThat(r.err()).contains("using 1.0, the lower bound of the version range [1.0,2.0)");

        artifact(G, "open", "1.0", deps(dep("lib", "(1.0,2.0)")));
        Result open = fetch(G + ":open:1.0");
        assertThat(open.status()).isEqualTo(1);
        assertThat(open.err()).contains("cannot handle version range (1.0,2.0) of com.example:lib");
    }

    @Test
    void usageErrorsExitWith2() throws Exception {
        String url = repoUrl(), dir = dest.toString();
        for (String[] args : List.of(new String[] {}, new String[] {url, dir}, new String[] {url, dir, "a:b"},
                new String[] {url, dir, "g:a:war:1"}, new String[] {url, dir, "g:../a:1"}, new String[] {"ftp://x", dir, "g:a:1"},
                new String[] {"--nope", url, dir, "g:a:1"})) {
            Result r = invoke(args);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).contains("usage: java MavenFetch [--ca <pem-file>]");
        }
    }

    @Test
    void runsAsAProgramInAJvmOfItsOwn() throws Exception {
        artifact(G, "solo", "1.0", deps(dep("lib", "2.1")));
        artifact(G, "lib", "2.1", "");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", classes.toString(), "MavenFetch", repoUrl(), dest.toString(),
                G + ":solo:1.0").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output.lines()).containsExactly("fetched com.example:solo:1.0 (" + jarBytes(G, "solo", "1.0", null).length
                + " bytes)", "fetched com.example:lib:2.1 (" + jarBytes(G, "lib", "2.1", null).length + " bytes)");
    }

    // ---------------------------------------------------------------- the fake repository

    /**
     * com.example:app:1.1 and what it needs. Only the jars listed in the first test must be fetched; conflict:2.0
     * (loses to the nearer conflict:1.0) and the excluded, optional, test, provided and pom dependencies have no files.
     */
    private void fakeProject() throws Exception {
        writePom(G, "parent", "1.0", project(G, "parent", "1.0", """
                <packaging>pom</packaging>
                <properties><lib.version>2.0</lib.version><bom.version>3.0</bom.version></properties>
                <dependencyManagement><dependencies>
                  <dependency><groupId>com.example</groupId><artifactId>lib</artifactId><version>${lib.version}</version></dependency>
                  <dependency><groupId>com.example</groupId><artifactId>bom</artifactId><version>${bom.version}</version>
                    <type>pom</type><scope>import</scope></dependency>
                  <dependency><groupId>com.example</groupId><artifactId>managed-scope</artifactId><version>1.0</version>
                    <scope>test</scope></dependency>
                </dependencies></dependencyManagement>
                """ + deps(dep("inherited", "${project.version}"))));
        writePom(G, "app", "1.1", """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>1.0</version></parent>
                  <artifactId>app</artifactId><version>1.1</version>
                  <properties><lib.version>2.1</lib.version><rt.version>${project.parent.version}</rt.version></properties>
                """ + deps(dep("lib", null, "<exclusions><exclusion><groupId>com.example</groupId><artifactId>excluded-by-lib</artifactId></exclusion></exclusions>")
                        + dep("from-bom", null) + dep("nested-managed", null)
                        + dep("optional-dep", "1.0", "<optional>true</optional>") + dep("test-dep", "1.0", "<scope>test</scope>")
                        + dep("provided-dep", "1.0", "<scope>provided</scope>") + dep("managed-scope", null)
                        + dep("runtime-dep", "${rt.version}", "<scope>runtime</scope>") + dep("pom-dep", "1.0", "<type>pom</type>")
                        + dep("wild", "1.0", "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>")
                        + dep("classified", "1.0", "<classifier>natives</classifier>")) + """
                  <profiles>
                    <profile><activation><property><name>!mavenfetch.test.undefined</name></property></activation>
                      %s</profile>
                    <profile><activation><jdk>(,1.8]</jdk></activation>%s</profile>
                    <profile><activation><activeByDefault>true</activeByDefault></activation>%s</profile>
                  </profiles>
                </project>
                """.formatted(deps(dep("from-profile", "1.0")), deps(dep("old-jdk", "1.0")), deps(dep("by-default", "1.0"))));
        jar(G, "app", "1.1", null);
        writePom(G, "bom", "3.0", project(G, "bom", "3.0", """
                <packaging>pom</packaging>
                <dependencyManagement><dependencies>
                  <dependency><groupId>com.example</groupId><artifactId>from-bom</artifactId><version>4.0</version></dependency>
                  <dependency><groupId>com.example</groupId><artifactId>lib</artifactId><version>9.9</version></dependency>
                  <dependency><groupId>com.example</groupId><artifactId>bom2</artifactId><version>1.0</version>
                    <type>pom</type><scope>import</scope></dependency>
                </dependencies></dependencyManagement>
                """));
        writePom(G, "bom2", "1.0", project(G, "bom2", "1.0", """
                <dependencyManagement><dependencies>
                  <dependency><groupId>com.example</groupId><artifactId>nested-managed</artifactId><version>5.0</version></dependency>
                </dependencies></dependencyManagement>
                """));
        artifact(G, "lib", "2.1", deps(dep("excluded-by-lib", "1.0") + dep("conflict", "1.0")
                + dep("lib-optional", "1.0", "<optional>true</optional>")));
        artifact(G, "from-bom", "4.0", deps(dep("conflict", "2.0") + dep("deep", "1.0")));
        artifact(G, "deep", "1.0", deps(dep("excluded-by-lib", "1.0"))); // excluded under lib only
        artifact(G, "wild", "1.0", deps(dep("anything", "1.0")));
        Files.delete(jarPath(G, "wild", "1.0", null).resolveSibling("wild-1.0.jar.sha1")); // checked by size instead
        for (String a : List.of("nested-managed:5.0", "runtime-dep:1.0", "from-profile:1.0", "inherited:1.1",
                "conflict:1.0", "excluded-by-lib:1.0")) {
            artifact(G, a.split(":")[0], a.split(":")[1], "");
        }
        writePom(G, "classified", "1.0", project(G, "classified", "1.0", ""));
        jar(G, "classified", "1.0", "natives");
    }

    private void artifact(String g, String a, String v, String body) throws Exception {
        writePom(g, a, v, project(g, a, v, body));
        jar(g, a, v, null);
    }

    private static String project(String g, String a, String v, String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project><modelVersion>4.0.0</modelVersion><groupId>" + g
                + "</groupId><artifactId>" + a + "</artifactId><version>" + v + "</version>\n" + body + "</project>\n";
    }

    private static String deps(String deps) {
        return "<dependencies>" + deps + "</dependencies>\n";
    }

    private static String dep(String artifactId, String version) {
        return dep(artifactId, version, "");
    }

    private static String dep(String artifactId, String version, String extra) {
        return "<dependency><groupId>com.example</groupId><artifactId>" + artifactId + "</artifactId>"
                + (version == null ? "" : "<version>" + version + "</version>") + extra + "</dependency>\n";
    }

    private void writePom(String g, String a, String v, String xml) throws IOException {
        Path pom = repo.resolve(g.replace('.', '/') + "/" + a + "/" + v + "/" + a + "-" + v + ".pom");
        Files.createDirectories(pom.getParent());
        Files.writeString(pom, xml);
    }

    private Path jarPath(String g, String a, String v, String classifier) {
        return repo.resolve(g.replace('.', '/') + "/" + a + "/" + v + "/" + a + "-" + v
                + (classifier == null ? "" : "-" + classifier) + ".jar");
    }

    /** A jar (any bytes do) with a .sha1 file, written "hash  name" like some repositories do. */
    private void jar(String g, String a, String v, String classifier) throws Exception {
        Path jar = jarPath(g, a, v, classifier);
        Files.createDirectories(jar.getParent());
        byte[] bytes = jarBytes(g, a, v, classifier);
        Files.write(jar, bytes);
        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        Files.writeString(jar.resolveSibling(jar.getFileName() + ".sha1"), sha1 + "  " + jar.getFileName() + "\n");
    }

    private static byte[] jarBytes(String g, String a, String v, String classifier) {
        return ("jar of " + g + ":" + a + ":" + v + ":" + classifier).repeat(a.length()).getBytes(StandardCharsets.UTF_8);
    }

    private List<String> jars() throws IOException {
        try (Stream<Path> files = Files.list(dest)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private String repoUrl() {
        return repo.toUri().toString();
    }

    private Result fetch(String... coordinates) throws Exception {
        List<String> args = new ArrayList<>(List.of(repoUrl(), dest.toString()));
        args.addAll(List.of(coordinates));
        return invoke(args.toArray(String[]::new));
    }

    private static Result invoke(String[] args) throws Exception {
        assertThat(run).as("MavenFetch compiled").isNotNull();
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = (int) run.invoke(null, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
