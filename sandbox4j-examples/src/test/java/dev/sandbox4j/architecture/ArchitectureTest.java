package dev.sandbox4j.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers, checked on the compiled main classes of every module ({@code ../sandbox4j-* /target/classes}): arrows
 * run one way, from the front doors and backends through the SPI to the API, and only the engine
 * ({@code sandbox4j-core}) implements the API. A forbidden import fails here, naming the class and the dependency.
 *
 * <pre>
 *   front doors (cli, server, mcp, tools, langchain4j, springai) -> API            (never the engine, never internals)
 *   backends (docker, kubernetes)                               -> SPI -> API     (never the engine)
 *   engine (core)                                               -> SPI -> API
 *   API: dev.sandbox4j -> dev.sandbox4j.policy -> dev.sandbox4j.text             (nothing else of sandbox4j)
 * </pre>
 */
class ArchitectureTest {
    private static final String[] API = {"dev.sandbox4j", "dev.sandbox4j.policy..", "dev.sandbox4j.text.."};
    private static final String[] FRONT_DOORS = {"dev.sandbox4j.cli..", "dev.sandbox4j.server..",
        "dev.sandbox4j.mcp..", "dev.sandbox4j.tools..", "dev.sandbox4j.langchain4j..", "dev.sandbox4j.springai.."};
    private static final String[] BACKENDS = {"dev.sandbox4j.docker..", "dev.sandbox4j.kubernetes.."};
    private static final List<String> MODULES = List.of("api", "spi", "core", "backend-docker",
            "backend-kubernetes", "backend-wasm", "tools", "mcp", "server", "cli", "langchain4j", "spring-ai", "tck");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() throws IOException {
        Path root = Files.isDirectory(Path.of("..", "sandbox4j-core")) ? Path.of("..") : Path.of(".");
        ClassFileImporter importer = new ClassFileImporter();
        List<Path> dirs = MODULES.stream().map(m -> root.resolve("sandbox4j-" + m).resolve("target/classes")).toList();
        for (Path d : dirs) {
            assertThat(d).as("compiled classes of a module (the reactor builds them before this test)").isDirectory();
        }
        classes = importer.importPaths(dirs);
        assertThat(classes).as("classes imported").hasSizeGreaterThan(200);
    }

    @Test
    void mainPackagesHaveNoCycles() {
        check(slices().matching("dev.sandbox4j.(**)").should().beFreeOfCycles());
    }

    @Test
    void theApiNamesNothingButItself() {
        check(noClasses().that().resideInAnyPackage(API).should().dependOnClassesThat()
                .resideInAnyPackage("dev.sandbox4j.spi..", "dev.sandbox4j.core..", "dev.sandbox4j.internal..",
                        "dev.sandbox4j.docker..", "dev.sandbox4j.kubernetes..", "dev.sandbox4j.wasm..",
                        "dev.sandbox4j.tools..", "dev.sandbox4j.server..", "dev.sandbox4j.cli..", "dev.sandbox4j.mcp..",
                        "dev.sandbox4j.langchain4j..", "dev.sandbox4j.springai..", "dev.sandbox4j.tck.."));
    }

    @Test
    void thePolicyModelDoesNotNameTheClientAndTextNamesNothing() {
        check(noClasses().that().resideInAPackage("dev.sandbox4j.policy..").should().dependOnClassesThat()
                .resideInAPackage("dev.sandbox4j"));
        check(noClasses().that().resideInAPackage("dev.sandbox4j.text..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.sandbox4j", "dev.sandbox4j.policy.."));
    }

    @Test
    void theSpiNamesOnlyTheApi() {
        check(noClasses().that().resideInAPackage("dev.sandbox4j.spi..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.sandbox4j.core..", "dev.sandbox4j.internal..", "dev.sandbox4j.docker..",
                        "dev.sandbox4j.kubernetes..", "dev.sandbox4j.wasm.."));
    }

    @Test
    void backendsNeverNameTheEngine() {
        check(noClasses().that().resideInAnyPackage(BACKENDS).should().dependOnClassesThat()
                .resideInAnyPackage("dev.sandbox4j.core..", "dev.sandbox4j.internal.."));
    }

    @Test
    void frontDoorsUseTheApiNotTheEngine() {
        check(noClasses().that().resideInAnyPackage(FRONT_DOORS).should().dependOnClassesThat()
                .resideInAnyPackage("dev.sandbox4j.core..", "dev.sandbox4j.internal.."));
    }

    @Test
    void frontDoorsOtherThanTheCliDoNotUseTheSpi() {
        // the CLI builds Docker images and diagnoses engines through the Docker backend's own classes
        check(noClasses().that().resideInAnyPackage(FRONT_DOORS).and().resideOutsideOfPackage("dev.sandbox4j.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.sandbox4j.spi.."));
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }
}
