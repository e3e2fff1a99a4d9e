package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Library installation against the real engine, from package repositories the test serves itself
 * ({@link LocalPackages}: pip, npm, Maven, Go proxy, CRAN) over a network of its own; the box has that network only
 * while installing.
 */
@Tag("docker")
class LibrariesIT {
    static SandboxClient client;
    static LocalPackages packages;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
        packages = LocalPackages.start();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
        if (packages != null) {
            packages.close();
        }
    }

    static SessionOptions.Builder withPackages() {
        return DockerTestSupport.options().install(packages.install().build());
    }

    @Test
    void goGetFetchesModulesThroughAConfiguredProxy() {
        try (SandboxSession s = client.openSession("go", withPackages().build())) {
            ExecutionResult inst = s.install(LocalPackages.GO_GREET);
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
        }
    }

    @Test
    void installPackagesFetchesRPackagesFromAConfiguredRepository() {
        try (SandboxSession s = client.openSession("r", withPackages().build())) {
            ExecutionResult inst = s.install(LocalPackages.R_HELLO);
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult r = s.run("library(hello4j); cat(hi(\"R\"), \"\\n\")");
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("hi R \n");
            ExecutionResult missing = s.install("notthere4j");
            assertThat(missing.status()).isEqualTo(ExecutionStatus.INSTALL_FAILED);
            assertThat(missing.stderr()).contains("notthere4j");
        }
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
        try (SandboxSession s = client.openSession("python", withPackages().build())) {
            String probe = NETWORK_PROBE.formatted(packages.host(), packages.port());
            assertThat(s.run(probe).stdout()).startsWith("network: none");
            // a background process from an earlier run must not live to see the network
            s.run("import subprocess; subprocess.Popen(['sleep', '600'])");
            ExecutionResult inst = s.install("s4j-table", "s4j-six==1.17.0");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(s.installedLibraries()).containsExactly("s4j-table", "s4j-six==1.17.0");
            assertThat(s.exec("/bin/sh", "-c", "ps -eo user,args | grep -c '[s]leep 600' || true").stdout().strip())
                    .isEqualTo("0");
            ExecutionResult use = s.run("""
                    from s4jtable import table
                    from importlib.metadata import version
                    import s4jsix
                    print(table([[1, 2]]))
                    print(version('s4j-six'))
                    """);
            assertThat(use.status()).as(use.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(use.stdout()).isEqualTo("-  -\n1  2\n-  -\n1.17.0\n");
            assertThat(s.run(probe).stdout()).startsWith("network: none");
            // installing again is a no-op
            assertThat(s.install("s4j-table").stdout()).startsWith("already installed");
        }
    }

    @Test
    void filesPlantedInTheWorkDirectoryDoNotHijackThePackageManager() {
        try (SandboxSession s = client.openSession("python", withPackages().build())) {
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
            ExecutionResult inst = s.install("s4j-six");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(inst.stdout() + inst.stderr()).doesNotContain("HIJACKED");
        }
        try (SandboxSession s = client.openSession("javascript", withPackages().build())) {
            s.putFile(".npmrc", "registry=http://127.0.0.1:9/\n".getBytes(StandardCharsets.UTF_8));
            s.putFile("package.json", "{\"dependencies\": {\"definitely-not-wanted-sandbox4j\": \"1.0.0\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            ExecutionResult inst = s.install(LocalPackages.NPM_PAD + "@1.3.0");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(s.run("console.log(require('s4j-pad')('1', 2, '0'))").stdout()).isEqualTo("01\n");
        }
    }

    @Test
    void runWithLibrariesInstallsFirstAndFailuresAreReportedAsSuch() {
        try (SandboxSession s = client.openSession("python", withPackages().build())) {
            ExecutionResult r = s.run("import s4jhumanize; print(s4jhumanize.intcomma(1234567))",
                    RunOptions.builder().libraries("s4j-humanize").timeout(Duration.ofSeconds(30)).build());
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
        try (SandboxSession s = client.openSession("javascript", withPackages().build())) {
            ExecutionResult inst = s.install(LocalPackages.NPM_PAD + "@1.3.0");
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            ExecutionResult cjs = s.run("console.log(require('s4j-pad')('7', 3, '0'))");
            assertThat(cjs.stdout()).as(cjs.stderr()).isEqualTo("007\n");
            ExecutionResult esm = s.run("import leftPad from 's4j-pad';\nconsole.log(leftPad('x', 2))");
            assertThat(esm.stdout()).as(esm.stderr()).isEqualTo(" x\n");
        }
    }

    @Test
    void mavenCoordinatesBecomeJarsOnTheClassPath() {
        try (SandboxSession s = client.openSession("java", withPackages().build())) {
            ExecutionResult inst = s.install(LocalPackages.MAVEN_JSON);
            assertThat(inst.status()).as(inst.stdout() + inst.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(inst.stdout()).contains("s4j-json");
            ExecutionResult r = s.run("""
                    import dev.sandbox4j.test.Json;
                    public class Main { public static void main(String[] a) {
                        System.out.println(Json.of("k", 1));
                    } }
                    """, RunOptions.timeout(Duration.ofSeconds(60)));
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("{\"k\":1}\n");
        }
    }
}
