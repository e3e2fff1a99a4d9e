package dev.sandbox4j.core.lang;

import dev.sandbox4j.InstallConfig;
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
import org.jspecify.annotations.Nullable;
import java.util.regex.Pattern;

/**
 * Python 3: writes {@code main.py} and runs it with {@code python3 -u}. Libraries are installed with
 * {@code pip install --user} into the work directory ({@code ~/.local}), where Python finds them.
 *
 * <p>When the run captures artifacts, a {@code sitecustomize} module and a matplotlib backend are put on
 * {@code PYTHONPATH}: {@code plt.show()} and the end of the program save open figures as PNG files into the output
 * directory.
 */
public final class PythonHandler implements LanguageHandler {
    /** A requirement such as {@code pandas}, {@code requests==2.32.3}, {@code uvicorn[standard]>=0.30,<1}. */
    private static final Pattern REQUIREMENT =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]*(\\[[A-Za-z0-9._,\\-]+\\])?( *(==|>=|<=|!=|~=|>|<|===) *"
                    + "[A-Za-z0-9.*+!_\\-]+ *,?)*");

    @Override
    public String id() {
        return "python";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("py", "python3");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("py");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/python:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        List<String> argv = new ArrayList<>(List.of("python3", "-u", context.path("main.py")));
        argv.addAll(context.args());
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("main.py", code.getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = new LinkedHashMap<>(
                Map.of("PYTHONUNBUFFERED", "1", "PYTHONDONTWRITEBYTECODE", "1", "MPLBACKEND", "Agg"));
        if (context.outputDir() != null) {
            files.put("lib/sitecustomize.py", HandlerSupport.resource("sitecustomize.py"));
            files.put("lib/sandbox4j_mpl.py", HandlerSupport.resource("sandbox4j_mpl.py"));
            env.put("PYTHONPATH", context.path("lib"));
            env.put("MPLBACKEND", "module://sandbox4j_mpl");
            env.put("SANDBOX4J_OUTPUT_DIR", context.outputDir());
        }
        return new ExecutionPlan(files, argv, env);
    }

    /** What the fork server imports unless the session names its own modules. */
    static final List<String> DEFAULT_PRELOAD = List.of("numpy", "pandas", "matplotlib.pyplot");

    /**
     * {@code sandbox4j_zygote.py}: imports the data stack once (matplotlib with the Agg backend) and forks a child per
     * stateless run, which runs the plan's {@code main.py} as {@code __main__}.
     */
    @Override
    public ExecutionPlan forkServerPlan(@Nullable List<String> preload) {
        List<String> argv = new ArrayList<>(List.of("python3", "-c", new String(
                HandlerSupport.resource("sandbox4j_zygote.py"), StandardCharsets.UTF_8)));
        argv.addAll(preload != null ? preload : DEFAULT_PRELOAD);
        return new ExecutionPlan(Map.of(), argv, Map.of("PYTHONDONTWRITEBYTECODE", "1", "MPLBACKEND", "Agg"));
    }

    /** {@code sandbox4j_kernel.py}: exec's cells in one namespace, returns values, displays and figures. */
    @Override
    public ExecutionPlan kernelPlan(PlanContext context) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("sandbox4j_kernel.py", HandlerSupport.resource("sandbox4j_kernel.py"));
        return new ExecutionPlan(files, List.of("python3", "-u", context.path("sandbox4j_kernel.py")),
                Map.of("PYTHONDONTWRITEBYTECODE", "1", "MPLBACKEND", "Agg"));
    }

    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("python", "a pip requirement such as 'pandas' or 'requests==2.32.3'",
                REQUIREMENT, libraries);
        InstallConfig c = context.config();
        List<String> argv = new ArrayList<>(List.of("python3", "-I", "-m", "pip", "install", "--user",
                "--break-system-packages", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
                "--progress-bar", "off", "--no-warn-script-location"));
        if (c.pipIndexUrl() != null) {
            argv.add("--index-url");
            argv.add(c.pipIndexUrl());
        }
        for (String u : c.pipExtraIndexUrls()) {
            argv.add("--extra-index-url");
            argv.add(u);
        }
        for (String h : c.pipTrustedHosts()) {
            argv.add("--trusted-host");
            argv.add(h);
        }
        if (context.caBundle() != null) {
            argv.add("--cert");
            argv.add(context.caBundle());
        }
        argv.addAll(libraries);
        return new ExecutionPlan(Map.of(), argv, Map.of("PIP_CONFIG_FILE", "/dev/null", "PYTHONDONTWRITEBYTECODE", "1"));
    }
}
