package dev.sandbox4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.spi.ExecRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shell the backend runs in a Pod (the reaper as the container's main process, the exec wrapper and the kill
 * script), run for real in a container set up the way the Pod is: everything as the sandbox uid, the reaper as PID 1
 * of its own PID namespace, read-only root, no capabilities, a pids limit (as the kubelet's podPidsLimit would give),
 * and processes started with {@code docker exec} as Kubernetes' exec starts them. No cluster runs here; Docker's exec
 * goes through the same runtime (runc) call.
 */
class PodShellScriptsIT {
    private static final String IMAGE = System.getProperty("sandbox.image.python", "").isBlank()
            ? "sandbox4j/python:bookworm" : System.getProperty("sandbox.image.python");
    private static final String USER = "65534:65534";
    private static String container;

    @BeforeAll
    static void start() throws Exception {
        Result info = docker(List.of("info", "--format", "{{.ServerVersion}}"), 30);
        Result image = info.code == 0 ? docker(List.of("image", "inspect", IMAGE), 30) : info;
        if (info.code != 0 || image.code != 0) {
            String why = info.code != 0 ? "no Docker engine (" + info.out.strip() + ")" : "image " + IMAGE + " missing";
            if (Boolean.getBoolean("sandbox.it.strict")) {
                fail("Docker engine and " + IMAGE + " required (sandbox.it.strict=true): " + why);
            }
            Assumptions.abort(why);
        }
        String name = "sandbox4j-k8s-sim-" + UUID.randomUUID().toString().substring(0, 8);
        Result run = docker(List.of("run", "-d", "--name", name, "--label", "dev.sandbox4j.test=k8s-sim",
                "--user", USER, "--read-only", "--tmpfs", "/workspace:uid=65534,gid=65534", "--tmpfs", "/tmp",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--pids-limit", "96",
                "--network", "none", "--workdir", "/workspace", IMAGE, "/bin/sh", "-c", PodSpecs.REAPER), 60);
        assertThat(run.code).as(run.out).isZero();
        container = name;
    }

    @AfterAll
    static void stop() throws Exception {
        if (container != null) {
            docker(List.of("rm", "-f", container), 60);
        }
    }

    private record Result(int code, String out) {}

    private static Result docker(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** What the backend's exec sends: the wrapper around the request's argv. */
    private static Result exec(ExecRequest request) throws Exception {
        List<String> args = new ArrayList<>(List.of("exec", "-u", USER, container));
        args.addAll(PodExec.wrap(request, ResourceLimits.defaults()));
        return docker(args, 60);
    }

    private static Result sh(String script) throws Exception {
        return exec(new ExecRequest(List.of("/bin/sh", "-c", script), Map.of(), USER, "/", new byte[0]));
    }

    /** The processes of the box other than the reaper and its sleep, as "pid cmdline" lines. */
    private static List<String> others() throws Exception {
        Result r = sh("for p in /proc/[0-9]*; do read -r s < $p/stat 2>/dev/null || continue; set -- ${s##*) }; "
                + "[ \"$4\" = 1 ] && continue; [ \"${p#/proc/}\" = \"$$\" ] && continue; "
                + "echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline)\"; done");
        assertThat(r.code).as(r.out).isZero();
        return r.out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void wrapperAppliesWorkdirEnvironmentAndUlimitsAndKeepsExitCodes() throws Exception {
        Result r = exec(new ExecRequest(List.of("python3", "-c", "import os, resource; print(os.getcwd(), "
                + "os.environ['A'], repr(os.environ['EMPTY']), resource.getrlimit(resource.RLIMIT_NOFILE)[1], "
                + "resource.getrlimit(resource.RLIMIT_FSIZE)[1], resource.getrlimit(resource.RLIMIT_CORE)[1], "
                + "os.getuid())"), Map.of("A", "b c", "EMPTY", ""), USER, "/tmp", new byte[0]));
        assertThat(r.code).as(r.out).isZero();
        ResourceLimits l = ResourceLimits.defaults();
        assertThat(r.out.strip()).isEqualTo("/tmp b c '' " + l.openFiles() + " " + l.fileSize().bytes() + " 0 65534");
        assertThat(sh("exit 7").code).isEqualTo(7);
        Result noDir = exec(new ExecRequest(List.of("true"), Map.of(), USER, "/nope", new byte[0]));
        assertThat(noDir.code).isEqualTo(126);
        assertThat(noDir.out).contains("/nope");
        assertThat(exec(new ExecRequest(List.of("/no/such/program"), Map.of(), USER, "/", new byte[0])).code)
                .isEqualTo(127);
    }

    @Test
    void killAllLeavesOnlyTheReaperAndTheBoxRunning() throws Exception {
        docker(List.of("exec", "-d", "-u", USER, container, "/bin/sh", "-c", "setsid sleep 1000 & (sleep 999 &); "
                + "python3 -c 'import time; time.sleep(1000)' & while :; do sleep 0.1; done"), 30);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> others().size() >= 4);
        Result kill = sh(dev.sandbox4j.spi.BoxCommands.KILL_ALL);
        assertThat(kill.code).as(kill.out).isZero();
        assertThat(others()).isEmpty();
        assertThat(sh("echo alive").out).isEqualTo("alive\n");
    }

    @Test
    void killAllEndsAForkBomb() throws Exception {
        docker(List.of("exec", "-d", "-u", USER, container, "python3", "-c",
                "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"), 30);
        // the backend retries its kill when the bomb holds every pid (the exec itself cannot start then)
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> sh(dev.sandbox4j.spi.BoxCommands.KILL_ALL).code == 0);
        assertThat(others()).isEmpty();
        Result oom = sh(dev.sandbox4j.spi.BoxCommands.OOM_COUNT);
        assertThat(oom.out).contains("oom_kill ");
    }
}
