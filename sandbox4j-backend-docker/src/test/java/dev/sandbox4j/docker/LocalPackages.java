package dev.sandbox4j.docker;

import com.sun.net.httpserver.HttpServer;
import dev.sandbox4j.InstallConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Package repositories the tests make themselves and serve to boxes over HTTP, on a network of their own
 * ({@link InstallNetwork}): a pip "simple" index of pure-Python wheels, an npm registry, a Maven repository, a Go
 * module proxy and a CRAN-like repository. Nothing comes from the host's files or caches or from the internet (the
 * network has no route out), so the tests behave the same on a fresh machine, with or without a network.
 *
 * <p>One instance per test class: {@link #start()} in {@code @BeforeAll}, {@link #close()} in {@code @AfterAll}.
 * Public for the other modules' integration tests (this module's test jar).
 */
public final class LocalPackages implements AutoCloseable {
    /** The Python distributions in the index: name, version, module. */
    public static final PyDist TABLE = new PyDist("s4j-table", "1.0", "s4jtable", """
            def table(rows):
                rule = '  '.join('-' for _ in rows[0])
                return '\\n'.join([rule] + ['  '.join(str(c) for c in r) for r in rows] + [rule])
            """);
    public static final PyDist SIX = new PyDist("s4j-six", "1.17.0", "s4jsix", "PY3 = True\n");
    public static final PyDist SIX_OLD = new PyDist("s4j-six", "1.16.0", "s4jsix", "PY3 = True\n");
    public static final PyDist HUMANIZE = new PyDist("s4j-humanize", "2.0", "s4jhumanize",
            "def intcomma(n):\n    return f'{n:,}'\n");
    /** The npm package in the registry (a left-pad). */
    public static final String NPM_PAD = "s4j-pad";
    /** The Maven artifact in the repository: class {@code dev.sandbox4j.test.Json}, method {@code of(String, int)}. */
    public static final String MAVEN_JSON = "dev.sandbox4j.test:s4j-json:1.0";
    /** The Go module in the proxy: package {@code greet}, function {@code Hello(string)}. */
    public static final String GO_GREET = "example.com/greet@v1.0.0";
    /** The R package in the repository: function {@code hi(x)}. */
    public static final String R_HELLO = "hello4j";

    private final Path root;
    private final InstallNetwork network;
    private final HttpServer server;
    private final String baseUrl;

    private LocalPackages(Path root, InstallNetwork network, HttpServer server) {
        this.root = root;
        this.network = network;
        this.server = server;
        this.baseUrl = "http://" + network.hostAddress() + ":" + server.getAddress().getPort();
    }

    /** Creates the network, writes the repositories and starts serving them on all interfaces. */
    public static LocalPackages start() {
        Path root = null;
        InstallNetwork network = null;
        HttpServer server = null;
        try {
            root = Files.createTempDirectory("sandbox4j-packages");
            network = InstallNetwork.create();
            server = serve(root);
            LocalPackages p = new LocalPackages(root, network, server);
            pypi(root.resolve("pypi"), TABLE, SIX_OLD, SIX, HUMANIZE);
            npm(root.resolve("npm"), p.baseUrl + "/npm", NPM_PAD, "1.3.0", """
                    module.exports = function leftPad(str, len, ch) {
                      str = String(str); ch = ch === undefined ? ' ' : String(ch);
                      while (str.length < len) str = ch + str;
                      return str;
                    };
                    """);
            maven(root.resolve("maven"), "dev.sandbox4j.test", "s4j-json", "1.0", Map.of("dev.sandbox4j.test.Json", """
                    package dev.sandbox4j.test;
                    public final class Json {
                        public static String of(String key, int value) { return "{\\"" + key + "\\":" + value + "}"; }
                    }
                    """));
            goProxy(root.resolve("go"));
            cran(root.resolve("cran"));
            return p;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.stop(0);
            }
            if (network != null) {
                network.close();
            }
            deleteQuietly(root);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** Installation from these repositories only, over their network. */
    public InstallConfig.Builder install() {
        return InstallConfig.builder()
                .network(network.name())
                .pipIndexUrl(baseUrl + "/pypi/simple")
                .pipTrustedHost(network.hostAddress())
                .npmRegistry(baseUrl + "/npm")
                .mavenRepository(baseUrl + "/maven")
                .goProxy(baseUrl + "/go")
                .goSumDb("off")
                .cranRepository(baseUrl + "/cran");
    }

    /** Where the host's package server listens, as a box on the network sees it. */
    public String host() {
        return network.hostAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        network.close();
        deleteQuietly(root);
    }

    /** A static file server on all interfaces; a directory answers with its index.json or index.html. */
    static HttpServer serve(Path root) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 16);
        server.createContext("/", ex -> {
            Path p = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (Files.isDirectory(p)) {
                p = Files.isRegularFile(p.resolve("index.json")) ? p.resolve("index.json") : p.resolve("index.html");
            }
            if (!p.startsWith(root) || !Files.isRegularFile(p)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            String name = p.getFileName().toString();
            ex.getResponseHeaders().set("Content-Type", name.endsWith(".html") ? "text/html"
                    : name.endsWith(".json") || name.endsWith(".info") ? "application/json"
                    : name.endsWith(".zip") ? "application/zip"
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

    private static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory: the OS cleans it eventually
        }
    }

    /** A Go module proxy (GOPROXY protocol) with {@link #GO_GREET}. */
    private static void goProxy(Path proxy) throws IOException {
        Path v = Files.createDirectories(proxy.resolve("example.com/greet/@v"));
        Files.writeString(v.resolve("list"), "v1.0.0\n");
        Files.writeString(v.resolve("v1.0.0.info"), "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}");
        String mod = "module example.com/greet\n\ngo 1.19\n";
        Files.writeString(v.resolve("v1.0.0.mod"), mod);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("example.com/greet@v1.0.0/go.mod", utf8(mod));
        files.put("example.com/greet@v1.0.0/greet.go",
                utf8("package greet\n\nfunc Hello(n string) string { return \"hello, \" + n }\n"));
        Files.write(v.resolve("v1.0.0.zip"), zip(files));
    }

    /** A CRAN-like repository with the source package {@link #R_HELLO}. */
    private static void cran(Path repo) throws IOException {
        Path contrib = Files.createDirectories(repo.resolve("src/contrib"));
        Files.writeString(contrib.resolve("PACKAGES"), "Package: hello4j\nVersion: 0.1\nNeedsCompilation: no\n\n");
        long now = 1_700_000_000_000L;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                new GZIPOutputStream(Files.newOutputStream(contrib.resolve("hello4j_0.1.tar.gz"))))) {
            addDirectory(tar, "hello4j", now);
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
            addDirectory(tar, "hello4j/R", now);
            addText(tar, "hello4j/R/hi.R", "hi <- function(x) paste(\"hi\", x)\n", now);
        }
    }

    /** A pure-Python distribution: one module, {@code module.py}, with {@code source}. */
    public record PyDist(String name, String version, String module, String source) {}

    /** Writes a PEP 503 index under {@code root/simple} with one wheel per distribution under {@code root/files}. */
    private static void pypi(Path root, PyDist... dists) throws IOException {
        Files.createDirectories(root.resolve("files"));
        StringBuilder projects = new StringBuilder("<!DOCTYPE html><html><body>\n");
        for (PyDist d : dists) {
            String dist = d.name().replace('-', '_');
            String wheel = dist + "-" + d.version() + "-py3-none-any.whl";
            String info = dist + "-" + d.version() + ".dist-info/";
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put(d.module() + ".py", utf8(d.source()));
            files.put(info + "METADATA", utf8("Metadata-Version: 2.1\nName: " + d.name() + "\nVersion: " + d.version()
                    + "\nSummary: a package made by sandbox4j's tests\n"));
            files.put(info + "WHEEL", utf8("Wheel-Version: 1.0\nGenerator: sandbox4j-tests\nRoot-Is-Purelib: true\n"
                    + "Tag: py3-none-any\n"));
            files.put(info + "top_level.txt", utf8(d.module() + "\n"));
            StringBuilder record = new StringBuilder();
            files.forEach((name, bytes) -> record.append(name).append(",sha256=")
                    .append(Base64.getUrlEncoder().withoutPadding().encodeToString(digest("SHA-256", bytes)))
                    .append(',').append(bytes.length).append('\n'));
            record.append(info).append("RECORD,,\n");
            files.put(info + "RECORD", utf8(record.toString()));
            byte[] whl = zip(files);
            Files.write(root.resolve("files").resolve(wheel), whl);
            Path project = Files.createDirectories(root.resolve("simple").resolve(d.name().toLowerCase()));
            Files.writeString(project.resolve("index.html"), "<!DOCTYPE html><html><body>\n<a href=\"../../files/"
                    + wheel + "#sha256=" + HexFormat.of().formatHex(digest("SHA-256", whl)) + "\">" + wheel
                    + "</a>\n</body></html>\n");
            projects.append("<a href=\"").append(d.name().toLowerCase()).append("/\">").append(d.name())
                    .append("</a>\n");
        }
        Files.writeString(root.resolve("simple/index.html"), projects.append("</body></html>\n").toString());
    }

    /**
     * Writes an npm registry under {@code root} for packages of one file each ({@code index.js} with
     * {@code source}): {@code root/<name>/index.json} is the package document, the tarballs are under
     * {@code root/-/}, at {@code baseUrl} as the box sees it.
     */
    private static void npm(Path root, String baseUrl, String name, String version, String source) throws IOException {
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        long now = 1_700_000_000_000L;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(tgz))) {
            addDirectory(tar, "package", now);
            addText(tar, "package/package.json", "{\"name\": \"" + name + "\", \"version\": \"" + version
                    + "\", \"main\": \"index.js\"}\n", now);
            addText(tar, "package/index.js", source, now);
        }
        byte[] tarball = tgz.toByteArray();
        String file = name + "-" + version + ".tgz";
        Files.createDirectories(root.resolve("-"));
        Files.write(root.resolve("-").resolve(file), tarball);
        String doc = """
                {"name": "%1$s", "dist-tags": {"latest": "%2$s"},
                 "versions": {"%2$s": {"name": "%1$s", "version": "%2$s", "main": "index.js",
                   "dist": {"tarball": "%3$s/-/%4$s", "shasum": "%5$s", "integrity": "sha512-%6$s"}}}}
                """.formatted(name, version, baseUrl, file, HexFormat.of().formatHex(digest("SHA-1", tarball)),
                Base64.getEncoder().encodeToString(digest("SHA-512", tarball)));
        Files.writeString(Files.createDirectories(root.resolve(name)).resolve("index.json"), doc);
    }

    /**
     * Writes {@code group:artifact:version} (no dependencies) into a Maven 2 layout repository under {@code root}:
     * its POM and a jar of the classes compiled from {@code sources} (class name to source) for Java 17.
     */
    private static void maven(Path root, String group, String artifact, String version, Map<String, String> sources)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve(group.replace('.', '/')).resolve(artifact).resolve(version));
        Files.writeString(dir.resolve(artifact + "-" + version + ".pom"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>%s</groupId>
                  <artifactId>%s</artifactId>
                  <version>%s</version>
                </project>
                """.formatted(group, artifact, version));
        Path src = Files.createTempDirectory("sandbox4j-maven-src");
        Path classes = Files.createDirectories(src.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null || javac.run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("cannot compile the test library " + group + ":" + artifact);
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (var walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(classes.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        Files.write(dir.resolve(artifact + "-" + version + ".jar"), zip(entries));
    }

    /** Adds a directory entry (mode 0755, owned by root) to a package tarball. */
    static void addDirectory(TarArchiveOutputStream tar, String name, long mtime) throws IOException {
        tar.putArchiveEntry(entry(name + "/", TarConstants.LF_DIR, 0755, mtime));
        tar.closeArchiveEntry();
    }

    /** Adds a text file (mode 0644, owned by root) to a package tarball. */
    static void addText(TarArchiveOutputStream tar, String name, String text, long mtime) throws IOException {
        byte[] b = utf8(text);
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, 0644, mtime);
        entry.setSize(b.length);
        tar.putArchiveEntry(entry);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, long mtime) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setMode(mode);
        entry.setIds(0, 0);
        entry.setNames("", "");
        entry.setLastModifiedTime(java.nio.file.attribute.FileTime.fromMillis(mtime));
        return entry;
    }

    private static byte[] zip(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
