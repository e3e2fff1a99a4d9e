package dev.sandbox4j.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A TLS endpoint in front of the local engine's unix socket, the way a remote dockerd with {@code --tlsverify} looks to
 * a client: it presents a server certificate signed by its CA and requires a client certificate signed by the same CA.
 * Every accepted connection is piped byte for byte to {@code /var/run/docker.sock}.
 */
final class TlsProxy implements AutoCloseable {
    /** A CA with one server and one client certificate, written as the docker CLI expects them. */
    record Pki(X509Certificate ca, KeyPair caKeys, X509Certificate server, KeyPair serverKeys) {}

    private final SSLServerSocket server;
    private final Path target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final Thread acceptor;

    TlsProxy(Pki pki, Path target) throws Exception {
        this.target = target;
        char[] pw = "changeit".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", pki.serverKeys().getPrivate(), pw, new Certificate[] {pki.server(), pki.ca()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.ca());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        acceptor = Thread.ofPlatform().daemon().name("tls-proxy-accept").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections whose TLS handshake (with a client certificate) succeeded. */
    int handshakes() {
        return handshakes.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                open.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s; SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
            s.startHandshake();
            handshakes.incrementAndGet();
            InputStream clientIn = s.getInputStream();
            OutputStream clientOut = s.getOutputStream();
            // engine -> client; when the engine ends the response stream, the client's connection ends too
            Thread back = Thread.ofVirtual().start(() -> {
                pipe(Channels.newInputStream(engine), clientOut);
                closeQuietly(s);
            });
            // client -> engine; the client's end of input is passed on as a half-close
            pipe(clientIn, Channels.newOutputStream(engine));
            if (engine.isOpen()) {
                engine.shutdownOutput();
            }
            back.join();
        } catch (IOException e) {
            // handshake refused (wrong client certificate) or a peer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    private static void pipe(InputStream in, OutputStream out) {
        byte[] buf = new byte[16384];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : List.copyOf(open)) {
            s.close();
        }
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ certificates

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static X509Certificate ca(String name, KeyPair keys) throws Exception {
        X500Name dn = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(dn, dn, keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return sign(b, keys.getPrivate());
    }

    static X509Certificate leaf(String name, KeyPair keys, X509Certificate ca, PrivateKey caKey, boolean server)
            throws Exception {
        X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                new X500Name("CN=" + name), keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
        if (server) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        return sign(b, caKey);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()).add(
                BigInteger.valueOf(System.nanoTime() & 0xffff)), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(key)));
    }

    /** Writes {@code ca.pem}, {@code cert.pem} and {@code key.pem} into {@code dir}, as DOCKER_CERT_PATH holds them. */
    static Path writeClientDir(Path dir, X509Certificate ca, X509Certificate cert, KeyPair keys) throws Exception {
        Files.createDirectories(dir);
        pem(dir.resolve("ca.pem"), ca);
        pem(dir.resolve("cert.pem"), cert);
        pem(dir.resolve("key.pem"), keys.getPrivate());
        return dir;
    }

    private static void pem(Path file, Object o) throws IOException {
        try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            w.writeObject(o);
        }
    }
}
