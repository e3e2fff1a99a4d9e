package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.sun.net.httpserver.HttpServer;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Library installation against the real engine: pip from the host's local index (served over HTTP to the box, as a
 * mirror would be), npm from the registry, Maven coordinates from Maven Central; the network exists only while
 * installing.
 */
@Tag("docker")
class LibrariesIT {
    static final Path LOCAL_PYPI = Path.of("/opt/pypi");
    static SandboxClient client;
    static HttpServer mirror;
    static String mirrorUrl;

    @BeforeAll
    static void start() throws IOException {
        client = DockerTestSupport.client();
        if (Files.isDirectory(LOCAL_PYPI.resolve("simple"))) {
            mirror = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 16);
            mirror.createContext("/", ex -> {
                Path p = LOCAL_PYPI.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
                if (Files.isDirectory(p)) {
                    p = p.resolve("index.html");
                }
                if (!p.startsWith(LOCAL_PYPI) || !Files.isRegularFile(p)) {
                    ex.sendResponseHeaders(404, -1);
                    ex.close();
                    return;
                }
                ex.getResponseHeaders().set("Content-Type", p.toString().endsWith(".html") ? "text/html"
                        : "application/octet-stream");
                ex.sendResponseHeaders(200, Files.size(p));
                try (OutputStream out = ex.getResponseBody()) {
                    Files.copy(p, out);
                }
            });
            mirror.start();
            mirrorUrl = "http://" + bridgeGateway() + ":" + mirror.getAddress().getPort() + "/simple";
        }
    }

    @AfterAll
    static void stop() {
        if (mirror != null) {
            mirror.stop(0);
        }
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    /** The host as seen from a box on the default bridge network. */
    static String bridgeGateway() {
        try (DockerClient dc = DockerTestSupport.docker()) {
            return dc.inspectNetworkCmd().withNetworkId("bridge").exec().getIpam().getConfig().get(0).getGateway();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static InstallConfig localPip() {
        String host = mirrorUrl.replaceFirst("^http://", "").replaceFirst(":.*", "");
        return InstallConfig.builder().pipIndexUrl(mirrorUrl).pipTrustedHost(host).build();
    }

    static final String NETWORK_PROBE = """
            import socket
            try:
                socket.create_connection(('%s', %d), timeout=2); print('network: reachable')
            except OSError as e:
                print('network: none', type(e).__name__)
            """;

    @Test
    void pipInstallsFromALocalIndexAndTheNetworkIsGoneAfterwards() {
        assumeTrue(mirror != null, "no local pip index at /opt/pypi on this host");
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().install(localPip()).build())) {
            String host = mirrorUrl.replaceFirst("^http://", "").replaceFirst(":.*", "");
            String probe = NETWORK_PROBE.formatted(host, mirror.getAddress().getPort());
            assertThat(s.run(probe).stdout()).startsWith("network: none");
            // a background process from an earlier run must not live to see the network
            s.run("import subprocess; subprocess.Popen(['sleep', '600'])");
            ExecutionResult inst = s.install("tabulate", "six==1.17.0");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(s.installedLibraries()).containsExactly("tabulate", "six==1.17.0");
            assertThat(s.exec("/bin/sh", "-c", "ps -eo user,args | grep -c '[s]leep 600' || true").stdout().strip())
                    .isEqualTo("0");
            ExecutionResult use = s.run("from tabulate import tabulate; import six; print(tabulate([[1, 2]]))");
            assertThat(use.status()).as(use.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(use.stdout()).contains("-  -").contains("1  2");
            assertThat(s.run(probe).stdout()).startsWith("network: none");
            // installing again is a no-op
            assertThat(s.install("tabulate").stdout()).startsWith("already installed");
        }
    }

    @Test
    void runWithLibrariesInstallsFirstAndFailuresAreReportedAsSuch() {
        assumeTrue(mirror != null, "no local pip index at /opt/pypi on this host");
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().install(localPip()).build())) {
            ExecutionResult r = s.run("import humanize; print(humanize.intcomma(1234567))",
                    RunOptions.builder().libraries("humanize").timeout(Duration.ofSeconds(30)).build());
            assertThat(r.status()).as(r.stdout() + r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("1,234,567\n");
            ExecutionResult bad = s.run("print('never')",
                    RunOptions.builder().libraries("no-such-package-sandbox4j").build());
            assertThat(bad.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(bad.stdout() + bad.stderr()).contains("no-such-package-sandbox4j").doesNotContain("never");
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void malformedOrUnsupportedLibrariesAreRefusedBeforeAnythingRuns() {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            assertThatThrownBy(() -> s.install("--index-url=http://evil/simple"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid python library");
            assertThatThrownBy(() -> s.install("pkg @ file:///etc/passwd"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.install(List.of())).isInstanceOf(IllegalArgumentException.class);
        }
        try (SandboxSession s = client.openSession("cpp", DockerTestSupport.options().build())) {
            assertThatThrownBy(() -> s.install("boost")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cpp");
        }
    }

    @Test
    void npmInstallsFromTheRegistryForRequireAndImport() {
        try (SandboxSession s = client.openSession("javascript", DockerTestSupport.options().build())) {
            ExecutionResult inst = s.install("left-pad@1.3.0");
            assumeTrue(inst.status() == ExecutionStatus.OK || !(inst.stderr().contains("ENOTFOUND")
                    || inst.stderr().contains("ECONNREFUSED") || inst.stderr().contains("ETIMEDOUT")),
                    "npm registry not reachable from containers: " + inst.stderr());
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult cjs = s.run("console.log(require('left-pad')('7', 3, '0'))");
            assertThat(cjs.stdout()).as(cjs.stderr()).isEqualTo("007\n");
            ExecutionResult esm = s.run("import leftPad from 'left-pad';\nconsole.log(leftPad('x', 2))");
            assertThat(esm.stdout()).as(esm.stderr()).isEqualTo(" x\n");
        }
    }

    @Test
    void mavenCoordinatesBecomeJarsOnTheClassPath() {
        try (SandboxSession s = client.openSession("java", DockerTestSupport.options().build())) {
            ExecutionResult inst = s.install("com.google.code.gson:gson:2.11.0");
            assumeTrue(inst.status() == ExecutionStatus.OK || !inst.stderr().contains("connect"),
                    "Maven Central not reachable from containers: " + inst.stderr());
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(inst.stdout()).contains("gson");
            ExecutionResult r = s.run("""
                    import com.google.gson.Gson;
                    public class Main { public static void main(String[] a) {
                        System.out.println(new Gson().toJson(java.util.Map.of("k", 1)));
                    } }
                    """, RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("{\"k\":1}\n");
        }
    }
}
