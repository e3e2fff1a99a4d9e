package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.core.policy.scan.PythonScanner;
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
    static final String ID = "python";
    /** A requirement such as {@code pandas}, {@code requests==2.32.3}, {@code uvicorn[standard]>=0.30,<1}. */
    private static final Pattern REQUIREMENT =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]*(\\[[A-Za-z0-9._,\\-]+\\])?( *(==|>=|<=|!=|~=|>|<|===) *"
                    + "[A-Za-z0-9.*+!_\\-]+ *,?)*");

    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("os-system", "\\bos\\s*\\.\\s*(system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?|fork|forkpty)\\s*\\(",
                        "runs a system command or replaces/forks the process", HIGH)
            .pattern("eval", "(?<![\\w.])(eval|exec|compile)\\s*\\(", "evaluates dynamically built code", MEDIUM)
            .pattern("builtins", "\\b__builtins__\\b|\\bbuiltins\\s*\\.\\s*(eval|exec|__import__)|\\bglobals\\s*\\(\\s*\\)\\s*\\[",
                        "reaches builtins indirectly (a way around import and eval rules)", MEDIUM)
            .pattern("delete", "\\b(os\\s*\\.\\s*(remove|unlink|rmdir|removedirs)|shutil\\s*\\.\\s*rmtree|\\.\\s*unlink)\\s*\\(",
                        "deletes files", MEDIUM)
            .stringsPattern("file-write", "\\bopen\\s*\\([^)]*?['\"][rbt+]*[wax][rbt+]*['\"]|\\.write_(text|bytes)\\s*\\(",
                        "writes files", LOW)
            .pattern("yaml-load", "\\byaml\\s*\\.\\s*(unsafe_)?load\\s*\\((?![^)]*SafeLoader)", "unsafe YAML deserialisation", MEDIUM)
            .pattern("environ", "\\bos\\s*\\.\\s*(environ|getenv|putenv)\\b", "reads or changes the environment", LOW)
            .modules(List.of("subprocess", "pty", "commands", "popen2"),
                    "runs system commands", HIGH)
            // catches `from os import system` + `system(...)`, which the os-system pattern cannot see
            .modules(List.of("os.system", "os.popen", "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execv",
                    "os.execve", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe",
                    "os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe", "os.posix_spawn", "os.posix_spawnp",
                    "os.fork", "os.forkpty"),
                    "runs a system command or replaces/forks the process", HIGH)
            .modules(List.of("ctypes", "cffi", "_ctypes"),
                    "calls native code", HIGH)
            .modules(List.of("socket", "socketserver", "ssl", "asyncio.streams", "selectors"),
                    "raw network sockets", MEDIUM)
            .modules(List.of("urllib", "urllib3", "http.client", "http.server", "requests", "httpx", "aiohttp",
                    "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "xmlrpc", "paramiko", "websocket",
                    "websockets"),
                    "network client/server", MEDIUM)
            .modules(List.of("pickle", "cPickle", "_pickle", "dill", "marshal", "shelve", "joblib"),
                    "deserialisation of untrusted data can run code", MEDIUM)
            .modules(List.of("boto3", "botocore", "google.cloud", "azure", "kubernetes", "docker"),
                    "cloud / infrastructure SDK", MEDIUM)
            .module("importlib", "imports modules by computed name", MEDIUM)
            .module("code", "interactive interpreter / code evaluation", MEDIUM)
            .module("os", "operating-system access", LOW)
            .module("shutil", "file operations", LOW)
            .module("multiprocessing", "creates processes", LOW)
            .module("signal", "signal handling", LOW)
            .module("sys", "interpreter internals", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link PythonScanner}: comments, strings and imports of python code. */
    @Override
    public SourceScanner scanner() {
        return new PythonScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
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
        // the figure backend of capturing runs, imported by the fork server itself when it preloads pyplot
        return new ExecutionPlan(Map.of(), argv, Map.of("PYTHONDONTWRITEBYTECODE", "1", "MPLBACKEND", "Agg",
                "SANDBOX4J_MPL_SOURCE", new String(HandlerSupport.resource("sandbox4j_mpl.py"), StandardCharsets.UTF_8)));
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
