package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote engine over {@code tcp://} with TLS client certificates, for real: a CA, a server and client certificates
 * made here, and a TLS endpoint ({@link TlsProxy}) that requires the client certificate in front of the local
 * engine's socket.
 */
@Tag("docker")
class RemoteDockerTlsIT {
    private static final Path SOCKET = Path.of("/var/run/docker.sock");

    @TempDir
    static Path dir;

    private static TlsProxy proxy;
    private static Path goodCerts;
    private static Path foreignCerts;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.exists(SOCKET)) {
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail("Docker engine socket " + SOCKET + " required (sandbox.it.strict=true)");
            }
            Assumptions.abort("no Docker engine socket at " + SOCKET);
        }
        DockerTestSupport.requireEngine();
        KeyPair caKeys = TlsProxy.rsa();
        X509Certificate ca = TlsProxy.ca("sandbox4j test CA", caKeys);
        KeyPair serverKeys = TlsProxy.rsa();
        X509Certificate server = TlsProxy.leaf("localhost", serverKeys, ca, caKeys.getPrivate(), true);
        KeyPair clientKeys = TlsProxy.rsa();
        X509Certificate client = TlsProxy.leaf("client", clientKeys, ca, caKeys.getPrivate(), false);
        goodCerts = TlsProxy.writeClientDir(dir.resolve("good"), ca, client, clientKeys);
        // a client certificate the engine does not accept: signed by another CA (the client still trusts the server)
        KeyPair otherCaKeys = TlsProxy.rsa();
        X509Certificate otherCa = TlsProxy.ca("someone else's CA", otherCaKeys);
        KeyPair foreignKeys = TlsProxy.rsa();
        X509Certificate foreign = TlsProxy.leaf("intruder", foreignKeys, otherCa, otherCaKeys.getPrivate(), false);
        foreignCerts = TlsProxy.writeClientDir(dir.resolve("foreign"), ca, foreign, foreignKeys);
        proxy = new TlsProxy(new TlsProxy.Pki(ca, caKeys, server, serverKeys), SOCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        DockerTestSupport.assertNoLeftovers();
    }

    private static String host() {
        return "tcp://127.0.0.1:" + proxy.port();
    }

    private static SandboxClient.Builder client(String tlsVerify, Path certs) {
        return SandboxClient.builder()
                .backend("docker")
                .reapOrphans(false)
                .backendProperty(DockerClients.HOST, host())
                .backendProperty(DockerClients.TLS_VERIFY, tlsVerify)
                .backendProperty(DockerClients.CERT_PATH, certs.toString());
    }

    @Test
    void runsASessionThroughTcpWithClientCertificates() {
        int before = proxy.handshakes();
        try (SandboxClient client = client("1", goodCerts).build();
                SandboxSession session = client.openSession("python", DockerTestSupport.options().build())) {
            assertThat(client.backendDescription()).startsWith("Docker ").endsWith("at " + host() + " (TLS)");
            ExecutionResult r = session.run("import sys; print('over tls'); print(sum(range(10)), file=sys.stderr)");
            assertThat(r.isOk()).as("%s", r).isTrue();
            assertThat(r.stdout()).isEqualTo("over tls\n");
            assertThat(r.stderr()).isEqualTo("45\n");
        }
        assertThat(proxy.handshakes()).as("TLS connections through the proxy").isGreaterThan(before);
    }

    @Test
    void aClientCertificateTheEngineDoesNotAcceptGivesAClearError() {
        assertThatThrownBy(() -> client("1", foreignCerts).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("docker.host property " + host())
                .hasMessageContaining("TLS")
                .hasMessageContaining(foreignCerts.toString());
    }

    @Test
    void plainHttpToATlsEngineSaysHowToTurnTlsOn() {
        assertThatThrownBy(() -> client("0", goodCerts).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(host())
                .hasMessageContaining("if this engine requires TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH");
    }

    @Test
    void aCertificateDirectoryWithoutTheClientKeyIsNamed() throws Exception {
        Path partial = Files.createDirectories(dir.resolve("partial"));
        Files.copy(goodCerts.resolve("ca.pem"), partial.resolve("ca.pem"));
        Files.copy(goodCerts.resolve("cert.pem"), partial.resolve("cert.pem"));
        assertThatThrownBy(() -> client("1", partial).build())
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("TLS is on for " + host() + " but the certificate directory '" + partial
                        + "' (docker.cert.path) lacks key.pem");
    }
}
