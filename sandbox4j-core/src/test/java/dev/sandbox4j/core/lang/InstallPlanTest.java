package dev.sandbox4j.core.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InstallPlanTest {
    private static final String RUN = "/tmp/.sandbox4j/r3";
    private static final String HOME = "/home/sbx";
    private static final String CA = RUN + "/ca.pem";

    private static InstallContext ctx(InstallConfig c, String ca) {
        return new InstallContext(RUN, HOME, c, ca);
    }

    private static InstallConfig plain() {
        return InstallConfig.builder().caBundle(null).build();
    }

    // ---------------------------------------------------------------- python

    @Test
    void pipInstallsForTheUserWithoutConfigFilesOrPrompts() {
        ExecutionPlan p = new PythonHandler().installPlan(List.of("pandas", "requests==2.32.3"), ctx(plain(), null));
        // -I: isolated, so nothing planted in the working or home directory is imported by pip
        assertThat(p.argv()).startsWith("python3", "-I", "-m", "pip", "install", "--user")
                .contains("--no-input", "--break-system-packages")
                .doesNotContain("--index-url", "--extra-index-url", "--trusted-host", "--cert")
                .endsWith("pandas", "requests==2.32.3");
        assertThat(p.env()).containsEntry("PIP_CONFIG_FILE", "/dev/null");
        assertThat(p.files()).isEmpty();
        assertThat(p.compile()).isEmpty();
    }

    @Test
    void pipGetsIndexesTrustedHostsAndCaBundleAsSeparateArguments() {
        InstallConfig c = InstallConfig.builder().caBundle(null).pipIndexUrl("http://mirror:8080/simple")
                .pipExtraIndexUrl("https://a.example/simple").pipExtraIndexUrl("https://b.example/simple")
                .pipTrustedHost("mirror").pipTrustedHost("10.0.0.1:81").build();
        List<String> argv = new PythonHandler().installPlan(List.of("numpy"), ctx(c, CA)).argv();
        assertThat(argv).containsSubsequence("--index-url", "http://mirror:8080/simple")
                .containsSubsequence("--extra-index-url", "https://a.example/simple", "--extra-index-url",
                        "https://b.example/simple")
                .containsSubsequence("--trusted-host", "mirror", "--trusted-host", "10.0.0.1:81")
                .containsSubsequence("--cert", CA)
                .last().isEqualTo("numpy");
        assertThat(argv.get(argv.indexOf("--index-url") + 1)).isEqualTo("http://mirror:8080/simple");
        assertThat(argv.get(argv.indexOf("--cert") + 1)).isEqualTo(CA);
        // options come before the requirements, so a requirement can never be read as an option's value
        assertThat(argv.indexOf("--cert")).isLessThan(argv.indexOf("numpy"));
    }

    // ---------------------------------------------------------------- javascript

    @Test
    void npmInstallsIntoAFreshPrefixThenMergesIntoTheHomeDirectory() {
        ExecutionPlan p = new JavaScriptHandler().installPlan(List.of("lodash@4.17.21", "@types/node@^20"),
                ctx(plain(), null));
        List<String> argv = p.argv();
        assertThat(argv).startsWith("/bin/sh", "-c").endsWith("lodash@4.17.21", "@types/node@^20");
        assertThat(argv.get(2)).contains("npm install --prefix \"$p\"", "cp -R \"$p/node_modules/.\" \"$HOME/node_modules/\"")
                .doesNotContain("--prefix \"$HOME\"");
        assertThat(p.env()).containsEntry("NPM_CONFIG_USERCONFIG", RUN + "/no-user-npmrc");
        assertThat(argv).noneMatch(a -> a.startsWith("--registry") || a.startsWith("--cafile"));
        assertThat(argv.get(argv.indexOf("--cache") + 1)).startsWith(RUN + "/");
        assertThat(p.env()).containsEntry("NODE_ENV", "production").doesNotContainKey("NODE_EXTRA_CA_CERTS");
    }

    @Test
    void npmGetsRegistryAndCaBundle() {
        InstallConfig c = InstallConfig.builder().caBundle(null).npmRegistry("http://verdaccio:4873/").build();
        ExecutionPlan p = new JavaScriptHandler().installPlan(List.of("lodash"), ctx(c, CA));
        assertThat(p.argv()).contains("--registry=http://verdaccio:4873/", "--cafile=" + CA).last()
                .isEqualTo("lodash");
        assertThat(p.env()).containsEntry("NODE_EXTRA_CA_CERTS", CA);
    }

    // ---------------------------------------------------------------- java

    @Test
    void mavenFetchRunsFromThePlanWithRepositoryLibDirAndCoordinates() throws IOException {
        InstallConfig c = InstallConfig.builder().caBundle(null).mavenRepository("http://nexus:8081/m2").build();
        ExecutionPlan p = new JavaHandler().installPlan(List.of("com.google.code.gson:gson:2.11.0"), ctx(c, null));
        assertThat(p.files()).containsOnlyKeys("MavenFetch.java", "PomModels.java", "MavenRepo.java");
        // the bundled program itself (compared by content markers: the file is cached once per JVM)
        assertThat(new String(p.files().get("MavenFetch.java"), java.nio.charset.StandardCharsets.UTF_8))
                .contains("class MavenFetch").contains("static void main");
        // compiled together (the Java 17 single-file launcher takes one file), then run from the classes
        assertThat(p.compile()).startsWith("javac").containsSequence("-d", RUN + "/mavenfetch")
                .endsWith(RUN + "/MavenFetch.java", RUN + "/PomModels.java", RUN + "/MavenRepo.java");
        List<String> argv = p.argv();
        assertThat(argv.get(0)).isEqualTo("java");
        int main = argv.indexOf("MavenFetch");
        assertThat(argv.subList(main - 2, main)).containsExactly("-cp", RUN + "/mavenfetch");
        assertThat(argv.subList(main + 1, argv.size())).containsExactly("http://nexus:8081/m2",
                HOME + "/.sandbox4j/lib", "com.google.code.gson:gson:2.11.0");
    }

    @Test
    void mavenFetchGetsTheCaBundleAsAnOptionBeforeThePositionalArguments() {
        ExecutionPlan p = new JavaHandler().installPlan(List.of("g:a:jar:classifier:1.0", "g:a:1"), ctx(plain(), CA));
        List<String> argv = p.argv();
        int main = argv.indexOf("MavenFetch");
        assertThat(argv.subList(main + 1, argv.size())).containsExactly("--ca", CA,
                "https://repo.maven.apache.org/maven2", HOME + "/.sandbox4j/lib", "g:a:jar:classifier:1.0", "g:a:1");
    }

    // ---------------------------------------------------------------- go

    @Test
    void goGetRunsInTheSandboxModuleWithProxySettingsOnlyWhenConfigured() {
        ExecutionPlan plain = new GoHandler().installPlan(List.of("github.com/google/uuid@v1.6.0"), ctx(plain(), null));
        assertThat(plain.argv()).startsWith("/bin/sh", "-c").endsWith("github.com/google/uuid@v1.6.0");
        assertThat(plain.argv().get(2)).contains(".sandbox4j/gomod").contains("go get \"$@\"");
        assertThat(plain.env()).containsEntry("GO111MODULE", "on").containsEntry("GOTOOLCHAIN", "local")
                .containsEntry("GOCACHE", HOME + "/.cache/go-build")
                .doesNotContainKeys("GOPROXY", "GOSUMDB", "SSL_CERT_FILE");

        InstallConfig c = InstallConfig.builder().caBundle(null).goProxy("http://athens:3000,direct").goSumDb("off")
                .build();
        ExecutionPlan p = new GoHandler().installPlan(List.of("golang.org/x/text"), ctx(c, CA));
        assertThat(p.env()).containsEntry("GOPROXY", "http://athens:3000,direct").containsEntry("GOSUMDB", "off")
                .containsEntry("SSL_CERT_FILE", CA);
    }

    @Test
    void goGetArgumentsFollowTheScriptsOwnName() {
        // sh -c SCRIPT NAME args...: the first library must not become $0
        List<String> argv = new GoHandler().installPlan(List.of("a.b/c", "d.e/f@v1.0.0"), ctx(plain(), null)).argv();
        assertThat(argv).hasSize(6);
        assertThat(argv.get(3)).isNotIn("a.b/c", "d.e/f@v1.0.0");
        assertThat(argv.subList(4, 6)).containsExactly("a.b/c", "d.e/f@v1.0.0");
    }

    // ---------------------------------------------------------------- r

    @Test
    void rInstallsFromTheConfiguredRepository() {
        InstallConfig c = InstallConfig.builder().caBundle(null).cranRepository("http://cran.local/").build();
        ExecutionPlan p = new RHandler().installPlan(List.of("jsonlite", "data.table"), ctx(c, CA));
        List<String> argv = p.argv();
        assertThat(argv.get(0)).isEqualTo("Rscript");
        int e = argv.indexOf("-e");
        assertThat(argv.subList(e + 2, argv.size())).containsExactly("http://cran.local/", "jsonlite", "data.table");
        assertThat(argv.get(e + 1)).contains("install.packages").contains("commandArgs(TRUE)");
        assertThat(p.env()).containsEntry("R_LIBS_USER", HOME + "/.R/library").containsEntry("CURL_CA_BUNDLE", CA);
        assertThat(new RHandler().installPlan(List.of("jsonlite"), ctx(plain(), null)).env())
                .doesNotContainKey("CURL_CA_BUNDLE");
    }

    // ---------------------------------------------------------------- c++

    @Test
    void cppHasNoPackageManager() {
        assertThatThrownBy(() -> new CppHandler().installPlan(List.of("boost"), ctx(plain(), null)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cpp");
    }

    // ---------------------------------------------------------------- specification checks

    private static final Map<String, LanguageHandler> HANDLERS = Map.of("python", new PythonHandler(),
            "javascript", new JavaScriptHandler(), "java", new JavaHandler(), "go", new GoHandler(),
            "r", new RHandler());

    /** One valid specification per language, listed before the bad one. */
    private static final Map<String, String> GOOD = Map.of("python", "pandas", "javascript", "lodash",
            "java", "g:a:1", "go", "example.com/m", "r", "jsonlite");

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("python", List.of("pandas", "requests==2.32.3", "uvicorn[standard]>=0.30,<1",
                        "Django~=5.0", "zope.interface", "typing_extensions!=4.0.0", "numpy>=1.26, <3")),
                Arguments.of("javascript", List.of("lodash", "lodash@4.17.21", "@types/node@^20", "left-pad@latest",
                        "react@>=18 <19", "@babel/core")),
                Arguments.of("java", List.of("com.google.code.gson:gson:2.11.0", "g:a:jar:classifier:1.0",
                        "org.slf4j:slf4j-api:2.0.13", "g:a:jar:1.0")),
                Arguments.of("go", List.of("github.com/google/uuid@v1.6.0", "golang.org/x/text",
                        "github.com/stretchr/testify@latest", "example.com/mod/v2@v2.1.0+incompatible")),
                Arguments.of("r", List.of("jsonlite", "data.table", "ggplot2", "R6")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsValidSpecifications(String language, List<String> libs) {
        LanguageHandler h = HANDLERS.get(language);
        for (String lib : libs) {
            assertThat(h.installPlan(List.of(lib), ctx(plain(), null)).argv()).as(lib).contains(lib);
        }
        assertThat(h.installPlan(libs, ctx(plain(), null)).argv()).containsAll(libs);
    }

    /** Specifications every package manager must refuse: options, URLs, paths, shell syntax, whitespace. */
    private static final List<String> MALICIOUS = List.of(
            "-e", "--index-url=http://evil", "--registry=http://evil", "-r/etc/passwd", "--", "-",
            "git+https://github.com/evil/pkg", "https://evil.example/pkg.tar.gz", "http://x", "file:/etc/passwd",
            "file:///etc/passwd", "ssh://git@evil/x.git",
            "../x", "./x", "/etc/passwd", "~/x", ".",
            "a;rm -rf /", "$(id)", "`id`", "a|b", "a&&b", "a\nb", "a\rb", "a\tb", " a", "a ", "pkg\u0000",
            "\u001b[31m", "x".repeat(201));

    static Stream<Arguments> malicious() {
        List<Arguments> out = new ArrayList<>();
        for (String lang : List.of("python", "javascript", "java", "go", "r")) {
            for (String bad : MALICIOUS) {
                out.add(Arguments.of(lang, bad));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("malicious")
    void refusesOptionsUrlsPathsAndShellSyntax(String language, String spec) {
        LanguageHandler h = HANDLERS.get(language);
        String good = GOOD.get(language);
        assertThat(h.installPlan(List.of(good), ctx(plain(), null)).argv()).contains(good);
        assertThatThrownBy(() -> h.installPlan(List.of(good, spec), ctx(plain(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(language)
                .satisfies(e -> assertThat(e.getMessage()).doesNotStartWith("'" + good + "'")
                        .doesNotContain("\n", "\r", "\u0000", "\u001b"));
    }

    static Stream<Arguments> languageSpecific() {
        return Stream.of(
                Arguments.of("python", "pandas; os_name=='nt'"), // environment markers
                Arguments.of("python", "pkg @ https://evil/x.whl"), // direct references
                Arguments.of("javascript", "evil/repo"), // GitHub shorthand
                Arguments.of("javascript", "github:evil/repo"),
                Arguments.of("javascript", "lodash@npm:evil"), // aliases
                Arguments.of("javascript", "lodash@file:../x"),
                Arguments.of("javascript", "@scope"),
                Arguments.of("java", "gson"), // not a coordinate
                Arguments.of("java", "g:a"),
                Arguments.of("java", "g:a:b:c:d:1"),
                Arguments.of("java", "g:a:1/../../x"),
                Arguments.of("go", "./local"),
                Arguments.of("go", "example.com/m@v1 -x"),
                Arguments.of("r", "a"), // R package names have at least two characters
                Arguments.of("r", "1abc"),
                Arguments.of("r", "pkg."),
                Arguments.of("r", "pkg_x"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("languageSpecific")
    void refusesWhatTheLanguagesSyntaxDoesNotAllow(String language, String spec) {
        assertThatThrownBy(() -> HANDLERS.get(language).installPlan(List.of(spec), ctx(plain(), null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAnEmptyListForEveryLanguage() {
        HANDLERS.forEach((lang, h) -> assertThatThrownBy(() -> h.installPlan(List.of(), ctx(plain(), null)))
                .as(lang).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no libraries"));
    }

    @Test
    void lengthLimitIs200Characters() {
        String r200 = "a".repeat(200);
        assertThat(new RHandler().installPlan(List.of(r200), ctx(plain(), null)).argv()).contains(r200);
        assertThatThrownBy(() -> new RHandler().installPlan(List.of(r200 + "b"), ctx(plain(), null)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
