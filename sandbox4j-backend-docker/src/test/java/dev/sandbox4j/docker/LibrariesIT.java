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
import dev.sandbox4j.internal.TarWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        startMirror();
    }

    static synchronized void startMirror() throws IOException {
        if (mirror == null && Files.isDirectory(LOCAL_PYPI.resolve("simple"))) {
            mirror = serve(LOCAL_PYPI);
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

    /** A static file server on all interfaces (boxes reach it through the bridge gateway while installing). */
    static HttpServer serve(Path root) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 16);
        server.createContext("/", ex -> {
            Path p = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (Files.isDirectory(p)) {
                p = p.resolve("index.html");
            }
            if (!p.startsWith(root) || !Files.isRegularFile(p)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            String name = p.getFileName().toString();
            ex.getResponseHeaders().set("Content-Type", name.endsWith(".html") ? "text/html"
                    : name.endsWith(".info") ? "application/json" : name.endsWith(".zip") ? "application/zip"
                    : name.endsWith(".mod") || name.equals("list") || name.equals("PACKAGES") ? "text/plain"
                    : "application/octet-stream");
            ex.sendResponseHeaders(200, Files.size(p));
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(p, out);
            }
        });
        server.start();
        return server;
    }

    @Test
    void goGetFetchesModulesThroughAConfiguredProxy(@TempDir Path proxy) throws IOException {
        Path v = Files.createDirectories(proxy.resolve("example.com/greet/@v"));
        Files.writeString(v.resolve("list"), "v1.0.0\n");
        Files.writeString(v.resolve("v1.0.0.info"), "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}");
        String mod = "module example.com/greet\n\ngo 1.19\n";
        Files.writeString(v.resolve("v1.0.0.mod"), mod);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(v.resolve("v1.0.0.zip")))) {
            zip.putNextEntry(new ZipEntry("example.com/greet@v1.0.0/go.mod"));
            zip.write(mod.getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("example.com/greet@v1.0.0/greet.go"));
            zip.write("package greet\n\nfunc Hello(n string) string { return \"hello, \" + n }\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        HttpServer server = serve(proxy);
        try (SandboxSession s = client.openSession("go", DockerTestSupport.options().install(InstallConfig.builder()
                .goProxy("http://" + bridgeGateway() + ":" + server.getAddress().getPort()).goSumDb("off").build())
                .build())) {
            ExecutionResult inst = s.install("example.com/greet@v1.0.0");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult r = s.run("""
                    package main

                    import (
                        "fmt"
                        "example.com/greet"
                    )

                    func main() { fmt.Println(greet.Hello("go")) }
                    """, RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("hello, go\n");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void installPackagesFetchesRPackagesFromAConfiguredRepository(@TempDir Path repo) throws IOException {
        Path contrib = Files.createDirectories(repo.resolve("src/contrib"));
        Files.writeString(contrib.resolve("PACKAGES"), "Package: hello4j\nVersion: 0.1\nNeedsCompilation: no\n\n");
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(contrib.resolve("hello4j_0.1.tar.gz")));
                TarWriter tar = new TarWriter(gz)) {
            long now = System.currentTimeMillis();
            tar.directory("hello4j", now);
            addText(tar, "hello4j/DESCRIPTION", """
                    Package: hello4j
                    Version: 0.1
                    Title: Test Package
                    Description: A package for sandbox4j's tests.
                    Authors@R: person("A", "B", email = "a@b.c", role = c("aut", "cre"))
                    License: MIT
                    Encoding: UTF-8
                    """, now);
            addText(tar, "hello4j/NAMESPACE", "export(hi)\n", now);
            tar.directory("hello4j/R", now);
            addText(tar, "hello4j/R/hi.R", "hi <- function(x) paste(\"hi\", x)\n", now);
        }
        HttpServer server = serve(repo);
        try (SandboxSession s = client.openSession("r", DockerTestSupport.options().install(InstallConfig.builder()
                .cranRepository("http://" + bridgeGateway() + ":" + server.getAddress().getPort()).build()).build())) {
            ExecutionResult inst = s.install("hello4j");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult r = s.run("library(hello4j); cat(hi(\"R\"), \"\\n\")");
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("hi R \n");
            ExecutionResult missing = s.install("notthere4j");
            assertThat(missing.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(missing.stderr()).contains("notthere4j");
        } finally {
            server.stop(0);
        }
    }

    private static void addText(TarWriter tar, String name, String text, long mtime) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        tar.file(name, b.length, new java.io.ByteArrayInputStream(b), 0644, mtime);
    }

    /** The host as seen from a box on the default bridge network. */
    static String bridgeGateway() {
        try (DockerClient dc = DockerTestSupport.docker()) {
            return dc.inspectNetworkCmd().withNetworkId("bridge").exec().getIpam().getConfig().get(0).getGateway();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The host's local pip index served to boxes when there is one, else pip's default. */
    static InstallConfig localPipOrDefault() {
        if (mirror == null) {
            try {
                startMirror();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return mirror == null ? InstallConfig.defaults() : localPip();
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
    void filesPlantedInTheWorkDirectoryDoNotHijackThePackageManager() {
        assumeTrue(mirror != null, "no local pip index at /opt/pypi on this host");
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().install(localPip()).build())) {
            ExecutionResult plant = s.run("""
                    import os, site
                    os.makedirs('pip', exist_ok=True)
                    open('pip/__main__.py', 'w').write("print('HIJACKED')\\n")
                    open('pip/__init__.py', 'w').write('')
                    sp = site.getusersitepackages(); os.makedirs(sp, exist_ok=True)
                    open(os.path.join(sp, 'evil.pth'), 'w').write("import sys; print('HIJACKED-PTH', file=sys.stderr)\\n")
                    open(os.path.join(sp, 'usercustomize.py'), 'w').write("print('HIJACKED-UC')\\n")
                    """);
            assertThat(plant.status()).as(plant.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult inst = s.install("six");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(inst.stdout() + inst.stderr()).doesNotContain("HIJACKED");
        }
        try (SandboxSession s = client.openSession("javascript", DockerTestSupport.options().build())) {
            s.putFile(".npmrc", "registry=http://127.0.0.1:9/\n".getBytes(StandardCharsets.UTF_8));
            s.putFile("package.json", "{\"dependencies\": {\"definitely-not-wanted-sandbox4j\": \"1.0.0\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            ExecutionResult inst = s.install("left-pad@1.3.0");
            assumeTrue(inst.status() == ExecutionStatus.OK || !inst.stderr().contains("ENOTFOUND"),
                    "npm registry not reachable: " + inst.stderr());
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(s.run("console.log(require('left-pad')('1', 2, '0'))").stdout()).isEqualTo("01\n");
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
