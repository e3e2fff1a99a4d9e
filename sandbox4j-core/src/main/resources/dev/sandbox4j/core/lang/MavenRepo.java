/*
 * MavenRepo, part of MavenFetch (see MavenFetch.java): the files of a Maven repository, over HTTP(S) (redirects,
 * timeouts, 3 attempts for transient errors) or from disk, and the TLS trust an extra CA bundle adds.
 */
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.*;
import java.util.regex.*;
import javax.net.ssl.*;

final class MavenRepo {
    static final Pattern PEM = Pattern.compile("-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----");

    final String url, base;
    final boolean file;
    final SSLContext ssl;
    private HttpClient client;

    MavenRepo(String url, boolean file, SSLContext ssl) {
        this.url = url;
        this.base = url + "/";
        this.file = file;
        this.ssl = ssl;
    }

    private <T> HttpResponse<T> send(String rel, String method, HttpResponse.BodyHandler<T> handler) throws IOException, MavenFetch.Fail {
        if (client == null) {
            HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30));
            client = (ssl == null ? b : b.sslContext(ssl)).build();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + rel)).timeout(Duration.ofSeconds(120))
                .header("User-Agent", "sandbox4j-mavenfetch");
        request = method.equals("GET") ? request.GET() : request.method(method, HttpRequest.BodyPublishers.noBody());
        try {
            return client.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MavenFetch.Fail("interrupted");
        }
    }

    /** Reads the file at rel with body; Missing (with "HTTP 404" or the like) when there is none. */
    <T> T get(String rel, Body<T> body) throws MavenFetch.Fail {
        for (int attempt = 1; ; attempt++) {
            String problem;
            boolean retry = !file;
            try {
                if (file) {
                    try (InputStream in = Files.newInputStream(Path.of(URI.create(base + rel)))) {
                        return body.read(in);
                    } catch (NoSuchFileException e) {
                        throw new MavenFetch.Missing("no such file");
                    }
                }
                HttpResponse<InputStream> response = send(rel, "GET", HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    int status = response.statusCode();
                    if (status == 200) return body.read(in);
                    if (status == 404 || status == 410) throw new MavenFetch.Missing("HTTP " + status);
                    problem = "HTTP " + status;
                    retry = status == 429 || status >= 500;
                }
            } catch (IOException e) {
                problem = describe(e);
                retry &= !(e instanceof SSLException);
            }
            if (!retry || attempt == 3) {
                throw new MavenFetch.Fail("cannot download " + base + rel + ": " + problem + (attempt > 1 ? " (after " + attempt + " attempts)" : ""));
            }
            try {
                Thread.sleep(2000L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MavenFetch.Fail("interrupted");
            }
        }
    }

    /** The size of the file at rel, or -1 when unknown. */
    long size(String rel) throws MavenFetch.Fail {
        try {
            if (file) return Files.size(Path.of(URI.create(base + rel)));
            HttpResponse<Void> r = send(rel, "HEAD", HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? r.headers().firstValueAsLong("Content-Length").orElse(-1) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) return "unknown host " + URI.create(base).getHost();
            if (t.getMessage() != null) return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        return e instanceof ConnectException ? "cannot connect to " + URI.create(base).getAuthority() : e.getClass().getSimpleName();
    }

    interface Body<T> {
        T read(InputStream in) throws IOException, MavenFetch.Fail;
    }

    /** The JVM's default trusted certificates plus those of a PEM bundle. */
    static SSLContext sslContext(Path pem) throws MavenFetch.Fail {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int n = 0;
            for (TrustManager tm : defaults.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) for (X509Certificate c : x.getAcceptedIssuers()) store.setCertificateEntry("jvm-" + n++, c);
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            int added = 0;
            for (Matcher m = PEM.matcher(Files.readString(pem, StandardCharsets.ISO_8859_1)); m.find(); added++) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                store.setCertificateEntry("ca-" + n++, cf.generateCertificate(new ByteArrayInputStream(der)));
            }
            if (added == 0) throw new MavenFetch.Fail("no certificates in the CA bundle " + pem);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new MavenFetch.Fail("cannot use the CA bundle " + pem + ": " + e);
        }
    }
}
