package dev.sandbox4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandbox4j.Artifact;
import dev.sandbox4j.CopyResult;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.OutputListener;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.ResultView;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.LanguageInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sandbox4j run}: runs one program in a fresh box and passes its output and exit code through. */
@Command(mixinStandardHelpOptions = true, 
        name = "run",
        description = {"Run a program in a fresh sandbox and pass its output and exit code through.",
            "The program comes from -c CODE, a FILE, or - (standard input); a FILE's extension names its language "
                    + "unless --lang does. Program files must be UTF-8 (they are run exactly as written).",
            "When the sandbox steps in (compile error, library not installed, policy block, timeout, out of memory, "
                    + "output limit) a line starting with 'sandbox4j:' on standard error says what happened."},
        sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the program succeeded",
            "N:the program exited with N (137: killed, e.g. out of memory or output flood)",
            "2:invalid usage",
            "124:the program timed out (all its processes were killed)",
            "125:the sandbox itself failed (no engine, image missing, ...), the policy blocked the code, or a library did not install",
            "126:the command cannot be invoked",
            "127:the command was not found"
        },
        footer = {"", "Examples:",
            "  sandbox4j run --lang python -c 'print(1+1)'",
            "  sandbox4j run script.js arg1 arg2",
            "  sandbox4j run Main.java",
            "  echo 'print(42)' | sandbox4j run --lang python --json -",
            "  sandbox4j run --lang python --lib tabulate --artifacts-dir plots analysis.py",
            "  sandbox4j run --copy-in data=/workspace/data --copy-out out=results job.py"})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-l", "--lang"}, paramLabel = "LANG", completionCandidates = Registries.Languages.class,
            description = "Language: ${COMPLETION-CANDIDATES}, or an alias (see Languages below). "
                    + "Default: from the FILE's extension.")
    @Nullable String language;

    @Option(names = {"-c", "--code"}, paramLabel = "CODE", description = "Program text.")
    @Nullable String code;

    @Parameters(paramLabel = "FILE|- [ARG...]", description = "Program file (- reads it from standard input), then arguments for the program.")
    List<String> positional = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.DurationConverter.class,
            description = "Wall-clock limit, e.g. 500ms, 10s, 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--memory", paramLabel = "SIZE", converter = Converters.DataSizeConverter.class,
            description = "Memory limit, e.g. 256m, 1g (default: 512m; swap is not allowed).")
    @Nullable DataSize memory;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU limit in cores (default: 1).")
    @Nullable Double cpus;

    @Option(names = "--pids", paramLabel = "N", description = "Process/thread limit (default: 128).")
    @Nullable Integer pids;

    @Option(names = "--output-limit", paramLabel = "SIZE", converter = Converters.DataSizeConverter.class,
            description = "Cap per output stream; beyond it the program is killed (default: 1m).")
    @Nullable DataSize outputLimit;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Run in this image instead of the language's default.")
    @Nullable String image;

    @Option(names = "--runtime", paramLabel = "NAME", description = "OCI runtime of the box, e.g. runsc for gVisor "
            + "(default: SANDBOX4J_DOCKER_RUNTIME, else the engine's default; `sandbox4j doctor` lists them).")
    @Nullable String runtime;

    @Option(names = "--stdin", paramLabel = "FILE", description = "Give the program this file as standard input (- for ours).")
    @Nullable String stdin;

    @Option(names = "--json", description = "Print the whole result as one JSON object instead of streaming the output.")
    boolean json;

    @Option(names = "--cpu-time-limit", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "CPU time the program's processes may use together; past it they are killed (exit 124, "
                    + "status timed_out; default: none, only --timeout).")
    @Nullable Duration cpuTimeLimit;

    @Option(names = "--compile-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Limit for the compile step of java, cpp and go (default: 120s), separate from --timeout.")
    @Nullable Duration compileTimeout;

    @Option(names = "--lib", paramLabel = "LIB", description = "Install a library first (repeatable): a pip "
            + "requirement, an npm package, Maven coordinates group:artifact:version, a Go module or an R package.")
    List<String> libraries = new ArrayList<>();

    @Option(names = "--pip-index-url", paramLabel = "URL", description = "pip index for --lib (default: PyPI).")
    @Nullable String pipIndexUrl;

    @Option(names = "--pip-trusted-host", paramLabel = "HOST", description = "Host pip may use without valid HTTPS.")
    List<String> pipTrustedHosts = new ArrayList<>();

    @Option(names = "--npm-registry", paramLabel = "URL", description = "npm registry for --lib (default: npmjs).")
    @Nullable String npmRegistry;

    @Option(names = "--maven-repository", paramLabel = "URL", description = "Maven repository for --lib "
            + "(default: Maven Central).")
    @Nullable String mavenRepository;

    @Option(names = "--go-proxy", paramLabel = "URL", description = "GOPROXY for --lib.")
    @Nullable String goProxy;

    @Option(names = "--cran-repository", paramLabel = "URL", description = "CRAN mirror for --lib.")
    @Nullable String cranRepository;

    @Option(names = "--install-network", paramLabel = "NETWORK", description = "Engine network the box joins while "
            + "installing libraries (default: bridge). The program itself never has a network.")
    @Nullable String installNetwork;

    @Option(names = "--artifacts-dir", paramLabel = "DIR", description = "Capture plots (matplotlib, R) and files "
            + "the program writes to $SANDBOX4J_OUTPUT_DIR (/workspace/output) and write them into DIR.")
    @Nullable Path artifactsDir;

    @Option(names = "--copy-in", paramLabel = "HOST=BOX", description = "Copy a host file or directory into the box "
            + "before the run (repeatable), e.g. data=/workspace/data.")
    List<String> copyIn = new ArrayList<>();

    @Option(names = "--copy-out", paramLabel = "BOX=HOST", description = "Copy a file or directory out of the box "
            + "after the run (repeatable), e.g. out=results.")
    List<String> copyOut = new ArrayList<>();

    @picocli.CommandLine.Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Option(names = "--sanitize", description = "Redact secrets, host home paths and IP addresses from the output "
            + "(output is then printed at the end, not streamed).")
    boolean sanitize;

    @Override
    public Integer call() throws IOException {
        if (code == null && positional.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing program: give -c CODE, a FILE, or - to read it from standard input");
        }
        String lang = language != null ? language : inferLanguage();
        String program;
        List<String> args;
        if (code != null) {
            program = code;
            args = positional;
        } else {
            if (positional.get(0).equals("-") && "-".equals(stdin)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Standard input cannot be both the program (-) and its input (--stdin -)");
            }
            program = readProgram(positional.get(0));
            args = positional.subList(1, positional.size());
        }
        if (program.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "The program is empty");
        }
        ResourceLimits.Builder limits = ResourceLimits.builder();
        try {
            if (memory != null) {
                limits.memory(memory);
            }
            if (cpus != null) {
                limits.cpus(cpus);
            }
            if (pids != null) {
                limits.pids(pids);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        InstallConfig install;
        try {
            InstallConfig.Builder ib = InstallConfig.builder().pipIndexUrl(pipIndexUrl).npmRegistry(npmRegistry)
                    .goProxy(goProxy);
            pipTrustedHosts.forEach(ib::pipTrustedHost);
            if (mavenRepository != null) {
                ib.mavenRepository(mavenRepository);
            }
            if (cranRepository != null) {
                ib.cranRepository(cranRepository);
            }
            if (installNetwork != null) {
                ib.network(installNetwork);
            }
            install = ib.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String[]> ins = pairs(copyIn, "--copy-in", "HOST=BOX");
        List<String[]> outs = pairs(copyOut, "--copy-out", "BOX=HOST");
        SessionOptions options = SessionOptions.builder()
                .install(install)
                .limits(limits.build())
                .runtime(RuntimeConfig.builder().image(image).ociRuntime(runtime).build())
                .policy(policyOptions.resolve(null))
                .sanitizer(sanitize ? dev.sandbox4j.policy.OutputSanitizer.defaults() : null)
                .build();
        RunOptions.Builder run = RunOptions.builder().timeout(timeout).args(args).outputLimit(outputLimit)
                .compileTimeout(compileTimeout).cpuTimeLimit(cpuTimeLimit).libraries(libraries)
                .captureArtifacts(artifactsDir != null);
        if (stdin != null) {
            run.stdin(stdin.equals("-") ? System.in.readAllBytes() : readFile(stdin));
        }
        Utf8Writer out = new Utf8Writer(spec.commandLine().getOut());
        Utf8Writer err = new Utf8Writer(spec.commandLine().getErr());
        boolean stream = !json && !sanitize;
        if (stream) {
            run.listener(new OutputListener() {
                @Override
                public void onStdout(byte[] chunk) {
                    out.write(chunk);
                }

                @Override
                public void onStderr(byte[] chunk) {
                    err.write(chunk);
                }
            });
        }
        ExecutionResult r;
        long[] opening = new long[1];
        try (SandboxClient client = parent.clients.create(Map.of(), false);
                SandboxSession session = open(client, lang, options, opening)) {
            for (String[] p : ins) {
                session.copyToRuntime(Path.of(p[0]), p[1]);
            }
            // the box was made for this run: its making is the run's acquire phase
            r = session.run(program, run.build()).plusPhases(dev.sandbox4j.PhaseTimings.of(
                    dev.sandbox4j.PhaseTimings.Phase.ACQUIRE, Duration.ofNanos(opening[0])));
            for (String[] p : outs) {
                if (session.isOpen()) {
                    CopyResult c = session.copyFromRuntime(p[0], Path.of(p[1]));
                    for (String skipped : c.skipped()) {
                        spec.commandLine().getErr().println("sandbox4j: not copied: " + skipped);
                    }
                }
            }
            if (artifactsDir != null) {
                if (!json && !r.artifacts().isEmpty()) {
                    startLine(out, err);
                }
                for (Artifact a : r.artifacts()) {
                    Path written = a.writeTo(artifactsDir);
                    if (!json) {
                        spec.commandLine().getErr().println("sandbox4j: artifact " + a.name() + " (" + a.mimeType()
                                + ", " + a.size() + " bytes) -> " + written);
                    }
                }
            }
            if (json) {
                spec.commandLine().getOut().println(toJson(r, session.language(), session.image()));
                spec.commandLine().getOut().flush();
            }
        }
        boolean toolOutput = r.status() == ExecutionStatus.COMPILE_ERROR
                || r.status() == ExecutionStatus.INSTALL_FAILED;
        if (!json && !stream && !toolOutput) {
            out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
            err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
        }
        out.finish();
        err.finish();
        if (!json) {
            PrintWriter e = spec.commandLine().getErr();
            List<String> lines = report(r, libraries);
            if (!lines.isEmpty()) {
                startLine(out, err);
            }
            for (String line : lines) {
                e.println(line);
            }
            e.flush();
        }
        return exitCode(r);
    }

    /** Our lines on stderr start on a line of their own, also after output that did not end its last line. */
    private void startLine(Utf8Writer out, Utf8Writer err) {
        if (out.endsInsideLine() || err.endsInsideLine()) {
            spec.commandLine().getErr().println();
            spec.commandLine().getErr().flush();
        }
    }

    /** How many of the package manager's last lines an installation failure shows. */
    static final int INSTALL_TAIL_LINES = 25;

    /**
     * What {@code run} says on standard error about a result, line by line: nothing for {@code ok} and for
     * {@code nonzero_exit} (the program's own output and exit code pass through unchanged, as with
     * {@code docker run}); for every other status a {@code sandbox4j: STATUS: ...} line, followed by the compiler's
     * messages for {@code compile_error}, the package manager's last lines for {@code install_failed} and the
     * violations for {@code blocked_by_policy}.
     */
    static List<String> report(ExecutionResult r, List<String> libraries) {
        List<String> lines = new ArrayList<>();
        String status = "sandbox4j: " + r.status().wireName() + ": ";
        switch (r.status()) {
            case OK, NONZERO_EXIT -> { }
            case COMPILE_ERROR -> {
                lines.add(status + "the program did not compile (the compiler exited with " + r.exitCode()
                        + "); nothing ran. The compiler said:");
                addText(lines, r.stdout());
                addText(lines, r.stderr());
                if (r.stdoutTruncated() || r.stderrTruncated()) {
                    lines.add("sandbox4j: (the compiler's output was truncated)");
                }
            }
            case INSTALL_FAILED -> {
                String what = libraries.isEmpty() ? "the libraries" : String.join(", ", libraries);
                List<String> tail = tail(r.stderr().isBlank() ? r.stdout() : r.stderr(), INSTALL_TAIL_LINES);
                lines.add(status + "installing " + what + " failed (exit code " + r.exitCode()
                        + "); the program did not run." + (tail.isEmpty() ? "" : " The package manager's last "
                        + (tail.size() == 1 ? "line" : tail.size() + " lines") + ":"));
                lines.addAll(tail);
            }
            case BLOCKED_BY_POLICY -> {
                for (Violation v : r.violations()) {
                    lines.add("sandbox4j: policy: " + v);
                }
                lines.add(status + (r.killReason() != null ? r.killReason() : "blocked by the security policy")
                        + "; nothing ran");
            }
            case TIMED_OUT, OOM_KILLED, OUTPUT_LIMIT, KILLED -> lines.add(status
                    + (r.killReason() != null ? r.killReason() : "the program was stopped (exit code " + r.exitCode()
                    + ")"));
        }
        return lines;
    }

    private static void addText(List<String> lines, String text) {
        if (!text.isBlank()) {
            text.strip().lines().forEach(lines::add);
        }
    }

    private static List<String> tail(String text, int n) {
        List<String> all = text.strip().lines().toList();
        if (text.isBlank()) {
            return List.of();
        }
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    /** The language of the program FILE from its extension; a usage error when there is none to go by. */
    private String inferLanguage() {
        String file = code == null && !positional.isEmpty() ? positional.get(0) : null;
        if (file == null || file.equals("-")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing --lang LANG (needed with "
                    + (code != null ? "-c CODE" : "a program on standard input") + "): one of "
                    + Registries.ids());
        }
        return dev.sandbox4j.Sandbox4j.languageForFile(file).map(LanguageInfo::id).orElseThrow(() ->
                new CommandLine.ParameterException(spec.commandLine(), "Cannot tell the language of '" + file
                        + "' from its extension (known: " + Registries.extensionList() + "); give --lang LANG"));
    }

    static int exitCode(ExecutionResult r) {
        return switch (r.status()) {
            case OK -> 0;
            case TIMED_OUT -> SandboxCommand.TIMED_OUT;
            case NONZERO_EXIT, COMPILE_ERROR -> r.exitCode() > 0 && r.exitCode() < 256 ? r.exitCode() : 1;
            case OOM_KILLED, OUTPUT_LIMIT, KILLED -> 137;
            case BLOCKED_BY_POLICY, INSTALL_FAILED -> SandboxCommand.SANDBOX_FAILURE;
        };
    }

    private List<String[]> pairs(List<String> values, String option, String shape) {
        List<String[]> out = new ArrayList<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq <= 0 || eq == v.length() - 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " expects " + shape + ", got '"
                        + v + "'");
            }
            out.add(new String[] {v.substring(0, eq), v.substring(eq + 1)});
        }
        return out;
    }

    private String readProgram(String source) throws IOException {
        byte[] bytes = source.equals("-") ? System.in.readAllBytes() : readFile(source);
        try {
            return ProgramText.decode(bytes, source.equals("-") ? "The program on standard input" : "'" + source + "'");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private byte[] readFile(String name) throws IOException {
        try {
            return Files.readAllBytes(Path.of(name));
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "File not found: '" + name + "'");
        } catch (IOException | UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Cannot read '" + name + "': " + e.getMessage());
        }
    }

    static String toJson(ExecutionResult r, String language, String image) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("language", language);
        m.put("image", image);
        m.putAll(ResultView.of(r)); // the fields every front door returns (REST, MCP, the tools)
        try {
            return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the run's session and puts how long that took into {@code took[0]} (nanoseconds). */
    private static SandboxSession open(SandboxClient client, String lang, SessionOptions options, long[] took) {
        long t0 = System.nanoTime();
        SandboxSession s = client.openSession(lang, options);
        took[0] = System.nanoTime() - t0;
        return s;
    }
}
