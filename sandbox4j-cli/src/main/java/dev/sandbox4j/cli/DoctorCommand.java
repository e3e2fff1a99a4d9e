package dev.sandbox4j.cli;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Info;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.BackendStatus;
import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.docker.DockerBackendFactory;
import dev.sandbox4j.docker.DockerImageBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sandbox4j doctor}: what engine, images and runtimes are there, and does a run work. */
@Command(mixinStandardHelpOptions = true, name = "doctor", description = "Check the container engine, images and runtimes, and run a smoke test.")
final class DoctorCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--no-smoke", description = "Skip the smoke run in each language.")
    boolean noSmoke;

    @Option(names = "--runtime", paramLabel = "NAME", description = "OCI runtime to check and to run the smoke tests "
            + "in, e.g. runsc (default: the docker.runtime setting, SANDBOX4J_DOCKER_RUNTIME, if set).")
    String runtime;

    private int problems;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        line(out, true, "java", Runtime.version() + " (" + System.getProperty("java.home") + ")");
        boolean engine = false;
        for (BackendStatus a : Sandbox4j.backends()) {
            if (a.available() || a.name().equals("docker")) {
                line(out, a.available(), "backend " + a.name(), a.detail());
            } else {
                // an optional backend (e.g. kubernetes without a cluster, or the daemonless WebAssembly sandbox
                // without Deno and Pyodide) is not a problem of this machine
                out.printf("[ -- ] %-16s %s%n", "backend " + a.name(), a.detail()
                        + (a.name().equals("wasm") ? " (install: scripts/setup-wasm.sh)" : ""));
            }
            engine |= a.available() && a.name().equals("docker");
        }
        if (!engine) {
            out.println("  -> install and start Docker: sudo scripts/setup-engine.sh");
            return 1;
        }
        try (DockerClient dc = ImagesCommand.docker()) {
            Info info = dc.infoCmd().exec();
            TreeSet<String> offered = new TreeSet<>(info.getRuntimes() == null ? java.util.Set.of()
                    : info.getRuntimes().keySet());
            line(out, true, "runtimes", offered + " (default " + info.getRawValues().getOrDefault("DefaultRuntime", "?") + "); cgroup v"
                    + (info.getCGroupVersion() == null ? "1" : info.getCGroupVersion())
                    + ", kernel " + info.getKernelVersion());
            String wanted = runtime != null ? runtime : DockerBackendFactory.defaultRuntime();
            if (wanted != null) {
                boolean ok = offered.contains(wanted);
                line(out, ok, "runtime " + wanted, ok ? "offered by the engine; boxes run in it"
                        : "not offered by the engine -> register it in /etc/docker/daemon.json"
                        + (wanted.equals("runsc") ? " (gVisor: sudo scripts/setup-runsc.sh)" : ""));
            }
            DockerImageBuilder images = new DockerImageBuilder(dc, l -> { });
            List<String> recipes = DockerImageBuilder.buildableLanguages();
            for (String lang : recipes) {
                DockerImageBuilder.Status s = images.status(lang);
                line(out, s.present(), "image " + lang, s.image() + (!s.present() ? " missing -> sandbox4j images build"
                        : s.upToDate() ? " (up to date)" : " (outdated -> sandbox4j images build)"));
            }
            // a language whose handler names a recipe this sandbox4j does not have: fine if its image is there
            for (LanguageInfo l : ImageRecipes.withoutRecipe(Registries.languages(), recipes)) {
                boolean present = imagePresent(dc, l.defaultImage());
                line(out, present, "image " + l.id(), present ? l.defaultImage() + " (present; no recipe '"
                        + l.imageRecipe() + "' here to build it)" : "missing -> " + ImageRecipes.missing(l, recipes));
            }
        } catch (java.io.IOException | RuntimeException e) {
            line(out, false, "engine", e.toString());
        }
        line(out, Files.isExecutable(Path.of("/usr/sbin/debootstrap")), "debootstrap",
                Files.isExecutable(Path.of("/usr/sbin/debootstrap")) ? "/usr/sbin/debootstrap (needed to build the base image)"
                        : "missing (apt-get install debootstrap; needed only to build images)");
        if (!noSmoke) {
            try (SandboxClient client = parent.clients.create(Map.of(), true)) {
                for (String lang : client.languages()) {
                    if (!client.imageAvailable(lang)) {
                        continue;
                    }
                    String code = Samples.printing(lang, "ok");
                    if (code == null) {
                        continue;
                    }
                    long t0 = System.nanoTime();
                    SessionOptions options = runtime == null ? SessionOptions.defaults() : SessionOptions.builder()
                            .runtime(RuntimeConfig.builder().ociRuntime(runtime).build()).build();
                    ExecutionResult r = client.run(lang, code, options,
                            RunOptions.timeout(Duration.ofSeconds(30)));
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    line(out, r.isOk() && r.stdout().equals("ok\n"), "smoke " + lang,
                            r.isOk() ? "one-shot run ok in " + ms + " ms" : r.status().wireName() + ": " + r.stderr());
                }
            }
        }
        out.println(problems == 0 ? "everything looks fine" : problems + " problem(s) found");
        return problems == 0 ? 0 : 1;
    }

    private static boolean imagePresent(DockerClient dc, String image) {
        try {
            dc.inspectImageCmd(image).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }

    private void line(PrintWriter out, boolean ok, String what, String detail) {
        if (!ok) {
            problems++;
        }
        out.printf("[%s] %-16s %s%n", ok ? " ok " : "FAIL", what, detail);
        out.flush();
    }
}
