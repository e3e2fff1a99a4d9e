package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.lang.JavaScriptHandler;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class LanguageRegistryTest {
    @Test
    void discoversBuiltInHandlersWithAliases() {
        LanguageRegistry r = LanguageRegistry.discover(List.of());
        assertThat(r.ids()).containsExactly("cpp", "go", "java", "javascript", "python", "r", "ruby");
        assertThat(r.get("PY").id()).isEqualTo("python");
        assertThat(r.get("rb").id()).isEqualTo("ruby");
        assertThat(r.get("node").id()).isEqualTo("javascript");
        assertThat(r.get("js").id()).isEqualTo("javascript");
    }

    @Test
    void infersTheLanguageFromTheFileExtension() {
        LanguageRegistry r = LanguageRegistry.discover(List.of());
        java.util.Map<String, String> expected = java.util.Map.of("hello.py", "python", "app.js", "javascript",
                "mod.mjs", "javascript", "Main.java", "java", "a.cpp", "cpp", "b.cc", "cpp", "c.cxx", "cpp",
                "main.go", "go", "analysis.R", "r", "task.rb", "ruby");
        expected.forEach((file, lang) -> assertThat(r.forFileName("dir.d/" + file)).as(file).get()
                .extracting(h -> h.id()).isEqualTo(lang));
        assertThat(r.forFileName("plot.r").orElseThrow().id()).isEqualTo("r");
        for (String none : List.of("README", "notes.txt", ".py", "x.", "archive.tar.gz", "dir.py/file")) {
            assertThat(r.forFileName(none)).as(none).isEmpty();
        }
        assertThat(r.extensions()).containsEntry("py", "python").containsEntry("cxx", "cpp").containsEntry("r", "r");
    }

    @Test
    void explicitHandlerAddsALanguage() {
        LanguageHandler ruby = new LanguageHandler() {
            @Override
            public String id() {
                return "ruby";
            }

            @Override
            public String defaultImage() {
                return "ruby:3";
            }

            @Override
            public ExecutionPlan plan(String code, PlanContext context) {
                return new ExecutionPlan(java.util.Map.of("main.rb", code.getBytes()),
                        List.of("ruby", context.path("main.rb")), java.util.Map.of());
            }
        };
        LanguageRegistry r = LanguageRegistry.discover(List.of(ruby));
        assertThat(r.ids()).containsExactly("cpp", "go", "java", "javascript", "python", "r", "ruby");
        assertThatThrownBy(() -> r.get("cobol")).hasMessage(
                "Expected language one of [cpp, go, java, javascript, python, r, ruby] but was 'cobol'");
    }

    @Test
    void pythonPlanWritesMainPyAndPassesArgs() {
        ExecutionPlan p = LanguageRegistry.discover(List.of()).get("python")
                .plan("print(1)", new PlanContext("/tmp/.sandbox4j/r1", List.of("a", "b")));
        assertThat(p.files()).containsOnlyKeys("main.py");
        assertThat(p.argv()).containsExactly("python3", "-u", "/tmp/.sandbox4j/r1/main.py", "a", "b");
    }

    @Test
    void javaFindsTheMainClassAndPackage() {
        assertThat(dev.sandbox4j.core.lang.JavaHandler.mainClass(
                "class Helper { int x; }\npublic class App {\n public static void main(String[] a) {} }")).isEqualTo("App");
        assertThat(dev.sandbox4j.core.lang.JavaHandler.mainClass(
                "package a.b;\n// class Fake { static void main() }\nclass Main { static void main(String... a) {} }\nclass After {}"))
                .isEqualTo("a.b.Main");
        assertThat(dev.sandbox4j.core.lang.JavaHandler.mainClass("record Point(int x) {}")).isEqualTo("Point");
        assertThat(dev.sandbox4j.core.lang.JavaHandler.mainClass("System.out.println(1);")).isEqualTo("Main");
        ExecutionPlan p = LanguageRegistry.discover(List.of()).get("java")
                .plan("package a.b; class Main { public static void main(String[] x) {} }",
                        new PlanContext("/tmp/.sandbox4j/r1", List.of("arg")));
        assertThat(p.files()).containsOnlyKeys("Main.java");
        assertThat(p.compile()).contains("javac", "/tmp/.sandbox4j/r1/Main.java");
        assertThat(p.argv()).contains("java", "a.b.Main").endsWith("arg");
    }

    @Test
    void rRunsRscript() {
        ExecutionPlan p = LanguageRegistry.discover(List.of()).get("R")
                .plan("cat(1)", new PlanContext("/tmp/.sandbox4j/r1", List.of()));
        assertThat(p.argv()).containsExactly("Rscript", "--no-save", "--no-restore", "/tmp/.sandbox4j/r1/main.R");
    }

    @Test
    void javascriptRunsModulesAsMjsAndScriptsAsJs() {
        assertThat(JavaScriptHandler.isModule("import fs from 'fs';\nconsole.log(1)")).isTrue();
        assertThat(JavaScriptHandler.isModule("import { a } from './x.js'")).isTrue();
        assertThat(JavaScriptHandler.isModule("export default 1")).isTrue();
        assertThat(JavaScriptHandler.isModule("const fs = require('fs')")).isFalse();
        assertThat(JavaScriptHandler.isModule("// import x from 'y' in a comment is not at line start? \nlet a")).isFalse();
        assertThat(JavaScriptHandler.isModule("const m = await import('fs')")).isFalse();
    }
}
