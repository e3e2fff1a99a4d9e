package dev.sandbox4j.core.lang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** plan() with artifact capture and a home directory other than /workspace. */
class HandlerPlanTest {
    private static final String RUN = "/tmp/.sandbox4j/r7";
    private static final String HOME = "/home/sbx";
    private static final String OUT = "/home/sbx/output";

    private static String text(ExecutionPlan p, String file) {
        assertThat(p.files()).containsKey(file);
        return new String(p.files().get(file), StandardCharsets.UTF_8);
    }

    @Test
    void pythonWithOutputDirPutsTheFigureHooksOnThePythonPath() {
        ExecutionPlan p = new PythonHandler().plan("print(1)", new PlanContext(RUN, List.of("a"), OUT, HOME));
        assertThat(p.files()).containsOnlyKeys("main.py", "lib/sitecustomize.py", "lib/sandbox4j_mpl.py");
        // the bundled scripts (checked by content: they are read once per JVM and cached)
        assertThat(text(p, "lib/sitecustomize.py")).contains("SANDBOX4J_OUTPUT_DIR").contains("sitecustomize");
        assertThat(text(p, "lib/sandbox4j_mpl.py")).contains("SANDBOX4J_OUTPUT_DIR").contains("def show");
        assertThat(p.env()).containsEntry("PYTHONPATH", RUN + "/lib")
                .containsEntry("MPLBACKEND", "module://sandbox4j_mpl")
                .containsEntry("SANDBOX4J_OUTPUT_DIR", OUT)
                .containsEntry("PYTHONUNBUFFERED", "1");
        assertThat(p.argv()).containsExactly("python3", "-u", RUN + "/main.py", "a");
    }

    @Test
    void pythonWithoutOutputDirUsesAggAndNoHooks() {
        ExecutionPlan p = new PythonHandler().plan("print(1)", new PlanContext(RUN, List.of(), null, HOME));
        assertThat(p.files()).containsOnlyKeys("main.py");
        assertThat(new String(p.files().get("main.py"), StandardCharsets.UTF_8)).isEqualTo("print(1)");
        assertThat(p.env()).containsEntry("MPLBACKEND", "Agg")
                .doesNotContainKeys("PYTHONPATH", "SANDBOX4J_OUTPUT_DIR");
    }

    @Test
    void pythonResourcesAreHandedOutAsCopies() {
        PlanContext ctx = new PlanContext(RUN, List.of(), OUT, HOME);
        ExecutionPlan first = new PythonHandler().plan("x", ctx);
        byte[] hook = first.files().get("lib/sitecustomize.py");
        java.util.Arrays.fill(hook, (byte) '#');
        assertThat(new PythonHandler().plan("x", ctx).files().get("lib/sitecustomize.py")).isNotEqualTo(hook);
    }

    @Test
    void rWithOutputDirLoadsTheSandboxProfile() {
        ExecutionPlan p = new RHandler().plan("plot(1)", new PlanContext(RUN, List.of(), OUT, HOME));
        assertThat(p.files()).containsOnlyKeys("main.R", "sandbox4j_profile.R");
        assertThat(text(p, "sandbox4j_profile.R")).contains("SANDBOX4J_OUTPUT_DIR");
        assertThat(p.env()).containsEntry("R_PROFILE_USER", RUN + "/sandbox4j_profile.R")
                .containsEntry("SANDBOX4J_OUTPUT_DIR", OUT)
                .containsEntry("R_LIBS_USER", HOME + "/.R/library");
    }

    @Test
    void rWithoutOutputDirStillFindsInstalledPackages() {
        ExecutionPlan p = new RHandler().plan("1", new PlanContext(RUN, List.of("x"), null, HOME));
        assertThat(p.files()).containsOnlyKeys("main.R");
        assertThat(p.env()).containsOnly(java.util.Map.entry("R_LIBS_USER", HOME + "/.R/library"));
        assertThat(p.argv()).endsWith(RUN + "/main.R", "x");
    }

    @Test
    void javaPutsInstalledJarsOnCompileAndRunClassPaths() {
        ExecutionPlan p = new JavaHandler().plan("class Main { public static void main(String[] a) {} }",
                new PlanContext(RUN, List.of("arg"), null, HOME));
        String libs = HOME + "/.sandbox4j/lib/*";
        List<String> compile = p.compile();
        assertThat(compile.get(0)).isEqualTo("javac");
        assertThat(compile.get(compile.indexOf("-cp") + 1)).isEqualTo(libs);
        assertThat(compile.get(compile.indexOf("-d") + 1)).isEqualTo(RUN + "/classes");
        assertThat(compile).last().isEqualTo(RUN + "/Main.java");
        assertThat(p.argv().get(p.argv().indexOf("-cp") + 1)).isEqualTo(RUN + "/classes:" + libs);
        assertThat(p.argv()).endsWith("Main", "arg");
    }

    @Test
    void javaScriptAndOtherHandlersIgnoreTheOutputDir() {
        PlanContext with = new PlanContext(RUN, List.of(), OUT, HOME);
        PlanContext without = new PlanContext(RUN, List.of(), null, HOME);
        for (var h : List.of(new JavaScriptHandler(), new GoHandler(), new CppHandler())) {
            ExecutionPlan a = h.plan("x", with);
            ExecutionPlan b = h.plan("x", without);
            assertThat(a.argv()).as(h.id()).isEqualTo(b.argv());
            assertThat(a.env()).as(h.id()).isEqualTo(b.env());
            assertThat(a.files().keySet()).as(h.id()).isEqualTo(b.files().keySet());
        }
    }

    @Test
    void goBuildsInsideTheInstalledModuleWhenThereIsOne() {
        ExecutionPlan p = new GoHandler().plan("package main", new PlanContext(RUN, List.of(), null, HOME));
        String script = p.compile().get(2);
        assertThat(script).contains("$HOME/.sandbox4j/gomod").contains("GOPROXY=off");
        assertThat(p.compile()).last().isEqualTo(RUN + "/main.go");
    }
}
