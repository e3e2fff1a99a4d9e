/*
 * MavenFetch: installs Maven libraries for Java code in a sandbox4j box. JDK-only (java.net.http, DOM), Java 17.
 * Three sources compiled together: this one (arguments, resolution, downloads), PomModels.java (POMs and their
 * effective models) and MavenRepo.java (the repository over HTTP(S) or file:, with an extra CA bundle).
 *
 *   javac -d <classes> MavenFetch.java PomModels.java MavenRepo.java
 *   java -cp <classes> MavenFetch [--ca <pem-file>] <repoUrl> <destDir> <coordinate>...
 *
 * A coordinate is groupId:artifactId:version, groupId:artifactId:jar:version or groupId:artifactId:jar:classifier:version.
 * repoUrl is an http(s): or file: URL of a Maven 2 layout repository (trailing slash optional). --ca adds the
 * certificates of a PEM bundle to the JVM's default trust store (which itself honours -Djavax.net.ssl.trustStore).
 *
 * For each coordinate it reads the POM and builds a simplified effective model: parent POMs, <properties> and ${...}
 * interpolation (project.*, parent properties, nested references, system properties), profiles activated by default,
 * by JDK, OS or system property, dependencyManagement including <scope>import</scope> BOMs, and relocations. It then
 * walks the dependency graph breadth-first the way Maven 3 resolves a project declaring the coordinates as its
 * dependencies: scopes compile and runtime only, optional dependencies of the artifacts skipped, <exclusions>
 * (including "*") honoured, nearest version wins (the first found at equal depth), <type>pom</type> skipped.
 * Like Maven, a transitive artifact whose POM is missing or broken is kept without its dependencies (with a warning).
 *
 * Each selected jar goes to <destDir>/<artifactId>-<version>[-<classifier>].jar through a temp file and a rename,
 * checked against the repository's .sha1 file when there is one. stdout gets "fetched <coordinate> (N bytes)" or
 * "present <coordinate> (N bytes)" (already there with the same SHA-1, or the same size when there is no checksum).
 * Errors are one "MavenFetch: ..." line on stderr and exit code 1; usage errors exit with 2.
 *
 * Limits, deliberately: jar artifacts only; a version range resolves to its inclusive lower bound (noted on stderr)
 * where Maven would pick the newest match, other ranges fail; no SNAPSHOT metadata, LATEST/RELEASE, Gradle module
 * metadata, settings.xml, mirrors, credentials or <repositories> declared in POMs; profiles activated by a file are
 * treated as inactive. Caps: 200 artifacts, 200 MB of jars, 2000 POMs.
 */
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.util.*;
import java.util.regex.*;

@SuppressWarnings("serial")
public class MavenFetch {
    static final int MAX_ARTIFACTS = 200, MAX_RELOCATIONS = 5;
    static final long MAX_TOTAL_BYTES = 200L << 20;
    static final String USAGE = "usage: java MavenFetch [--ca <pem-file>] <repoUrl> <destDir> "
            + "<groupId:artifactId[:jar[:classifier]]:version>...";
    static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.+~-]+");
    static final Pattern RANGE = Pattern.compile("\\[([^,\\[\\]()]+)(,[^\\])]*)?[\\])].*");

    /** An expected failure: reported as one line, exit code 1. */
    static class Fail extends Exception {
        Fail(String message) { super(message, null, false, false); }
    }
    /** The repository has no such file (HTTP 404/410, or no file in a file: repository). */
    static final class Missing extends Fail { Missing(String message) { super(message); } }
    /** A POM whose effective model cannot be built: bad XML, missing parent or BOM, dependency without version... */
    static final class BadPom extends Fail { BadPom(String message) { super(message); } }

    record Coord(String g, String a, String v, String classifier) {
        String key() { return g + ":" + a + (classifier == null ? "" : ":" + classifier); }
        String gav() { return g + ":" + a + ":" + v; }
        @Override public String toString() { return classifier == null ? gav() : g + ":" + a + ":jar:" + classifier + ":" + v; }
        String fileName() { return a + "-" + v + (classifier == null ? "" : "-" + classifier) + ".jar"; }
        String path(String ext) { return g.replace('.', '/') + "/" + a + "/" + v + "/" + (ext.equals("pom") ? a + "-" + v + ".pom" : fileName()); }
        boolean valid() { return safe(g) && safe(a) && safe(v) && (classifier == null || safe(classifier)); }
    }
    record Dep(String g, String a, String v, String type, String classifier, String scope, boolean optional, List<String> exclusions) {
        String key() { return g + ":" + a + ":" + type + ":" + (classifier == null ? "" : classifier); }
    }
    record Edge(Coord c, int depth, List<String> exclusions) {}

    final MavenRepo repo;
    final PomModels poms;
    final PrintStream err;
    final Set<Coord> pomPackaged = new HashSet<>();

    MavenFetch(MavenRepo repo, PrintStream err) {
        this.repo = repo;
        this.poms = new PomModels(repo);
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(List.of(args));
        Path ca = null;
        try {
            while (!rest.isEmpty() && rest.get(0).startsWith("--")) {
                String opt = rest.remove(0);
                if (opt.equals("--ca") && !rest.isEmpty()) ca = Path.of(rest.remove(0));
                else if (opt.startsWith("--ca=")) ca = Path.of(opt.substring(5));
                else return usage(err, "unknown option " + opt);
            }
            if (rest.size() < 3) return usage(err, null);
            String url = rest.get(0).replaceAll("/+$", "");
            URI base = new URI(url + "/");
            String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
            if (!Set.of("http", "https", "file").contains(scheme) || base.isOpaque()) {
                return usage(err, "the repository must be an absolute http:, https: or file: URL, not " + rest.get(0));
            }
            Path dest = Path.of(rest.get(1));
            List<Coord> roots = new ArrayList<>();
            for (String s : rest.subList(2, rest.size())) {
                Coord c = parseCoordinate(s);
                if (c == null) return usage(err, "bad coordinate '" + s + "' (expected groupId:artifactId:version, "
                        + "groupId:artifactId:jar:version or groupId:artifactId:jar:classifier:version)");
                roots.add(c);
            }
            MavenFetch fetch = new MavenFetch(new MavenRepo(url, scheme.equals("file"), ca == null ? null : MavenRepo.sslContext(ca)), err);
            fetch.download(fetch.resolve(roots), dest, out);
            return 0;
        } catch (URISyntaxException | InvalidPathException e) {
            return usage(err, e.getMessage());
        } catch (Fail e) {
            err.println("MavenFetch: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("MavenFetch: internal error: " + e);
            e.printStackTrace(err);
            return 1;
        } finally {
            out.flush();
        }
    }

    static int usage(PrintStream err, String problem) {
        if (problem != null) err.println("MavenFetch: " + problem);
        err.println(USAGE);
        return 2;
    }

    /** g:a:v, g:a:jar:v or g:a:jar:classifier:v; null if malformed. */
    static Coord parseCoordinate(String s) {
        String[] p = s.split(":", -1);
        if (p.length < 3 || p.length > 5 || (p.length > 3 && !p[2].equals("jar"))) return null;
        Coord c = new Coord(p[0], p[1], p[p.length - 1], p.length == 5 ? p[3] : null);
        return c.valid() ? c : null;
    }

    static boolean safe(String s) {
        return s != null && SAFE.matcher(s).matches() && !s.equals(".") && !s.equals("..");
    }

    static String or(String s, String otherwise) {
        return s == null ? otherwise : s;
    }

    void note(String message) {
        err.println("MavenFetch: " + message);
    }

    // ---------------------------------------------------------------- resolution

    /** Breadth-first walk from the coordinates; returns the selected artifacts in the order found. */
    List<Coord> resolve(List<Coord> roots) throws Fail {
        Map<String, Coord> chosen = new LinkedHashMap<>();
        Deque<Edge> queue = new ArrayDeque<>();
        for (Coord c : roots) queue.add(new Edge(c, 0, List.of()));
        next:
        while (!queue.isEmpty()) {
            Edge e = queue.poll();
            Coord c = e.c();
            PomModels.Model m;
            for (int hops = 0; ; hops++) {
                Coord seen = chosen.get(c.key());
                if (seen != null) {
                    if (e.depth() == 0 && !seen.v().equals(c.v())) note("note: " + c + " ignored, " + seen + " is already selected");
                    continue next;
                }
                m = modelOrNull(c, e.depth() == 0);
                if (m == null || m.relocation() == null) break;
                Coord to = new Coord(m.relocation().g(), m.relocation().a(), m.relocation().v(), c.classifier());
                if (hops == MAX_RELOCATIONS || !to.valid()) throw new Fail("bad or too many relocations from " + e.c());
                note("note: " + c + " is relocated to " + to);
                c = to;
            }
            chosen.put(c.key(), c);
            if (chosen.size() > MAX_ARTIFACTS) throw new Fail("more than " + MAX_ARTIFACTS + " artifacts to fetch; giving up");
            if (m == null) continue;
            if ("pom".equals(m.packaging())) pomPackaged.add(c);
            for (Dep d : m.deps()) {
                String scope = or(d.scope(), "compile"), classifier = d.classifier();
                if (d.optional() || !(scope.equals("compile") || scope.equals("runtime"))) continue;
                switch (d.type()) {
                    case "jar", "bundle", "maven-plugin", "ejb" -> { }
                    case "test-jar" -> classifier = or(classifier, "tests");
                    case "ejb-client" -> classifier = or(classifier, "client");
                    case "pom" -> { continue; }
                    default -> {
                        note("note: skipping " + d.g() + ":" + d.a() + " of type " + d.type() + " (only jars are supported)");
                        continue;
                    }
                }
                Coord dc = new Coord(d.g(), d.a(), pickVersion(d.v(), d.g() + ":" + d.a()), classifier);
                if (excluded(e.exclusions(), dc) || chosen.containsKey(dc.key())) continue;
                if (!dc.valid()) throw new Fail("bad dependency " + dc + " of " + c + " (an unresolved property?)");
                List<String> exclusions = new ArrayList<>(e.exclusions());
                exclusions.addAll(d.exclusions());
                queue.add(new Edge(dc, e.depth() + 1, exclusions));
            }
        }
        return new ArrayList<>(chosen.values());
    }

    /** The model of c; for a transitive artifact with a missing or broken POM, a warning and null (like Maven). */
    PomModels.Model modelOrNull(Coord c, boolean required) throws Fail {
        try {
            return poms.model(c.g(), c.a(), c.v(), new HashSet<>());
        } catch (Missing | BadPom e) {
            if (required) throw e;
            note("warning: " + e.getMessage() + "; the dependencies of " + c + " are not followed");
            return null;
        }
    }

    String pickVersion(String v, String what) throws Fail {
        if (v.equals("LATEST") || v.equals("RELEASE")) throw new Fail("version " + v + " of " + what + " is not supported");
        if (!v.startsWith("[") && !v.startsWith("(")) return v;
        Matcher m = RANGE.matcher(v);
        if (!m.matches()) throw new Fail("cannot handle version range " + v + " of " + what + " (only ranges with an inclusive lower bound)");
        if (m.group(2) != null) note("note: " + what + ": using " + m.group(1).trim() + ", the lower bound of the version range " + v);
        return m.group(1).trim();
    }

    static boolean excluded(List<String> exclusions, Coord c) {
        for (String x : exclusions) {
            String g = x.substring(0, x.indexOf(':')), a = x.substring(x.indexOf(':') + 1);
            if ((g.equals("*") || g.equals(c.g())) && (a.equals("*") || a.equals(c.a()))) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- downloads

    void download(List<Coord> artifacts, Path dir, PrintStream out) throws Fail {
        long total = 0;
        Set<String> names = new HashSet<>();
        for (Coord c : artifacts) {
            String name = names.add(c.fileName()) ? c.fileName() : c.g() + "-" + c.fileName(); // same artifactId twice
            Path dest = dir.resolve(name), tmp = dir.resolve("." + name + "." + ProcessHandle.current().pid() + ".part");
            String rel = c.path("jar"), sha1 = expectedSha1(rel);
            try {
                Files.createDirectories(dir);
                if (Files.isRegularFile(dest) && (sha1 != null ? sha1.equals(sha1(dest)) : Files.size(dest) == repo.size(rel))) {
                    total += Files.size(dest);
                    if (total > MAX_TOTAL_BYTES) throw new Fail("the jars exceed the cap of " + (MAX_TOTAL_BYTES >> 20) + " MB");
                    out.println("present " + c + " (" + Files.size(dest) + " bytes)");
                    continue;
                }
                MessageDigest md = sha1Digest();
                long budget = MAX_TOTAL_BYTES - total, n;
                try {
                    n = repo.get(rel, in -> copy(in, tmp, budget, md));
                } catch (Missing e) {
                    if (!pomPackaged.contains(c)) throw new Fail("cannot find " + c + " in " + repo.url + ": " + e.getMessage());
                    note("note: " + c + " has packaging pom and no jar; only its dependencies are fetched");
                    continue;
                }
                String got = HexFormat.of().formatHex(md.digest());
                if (sha1 != null && !sha1.equals(got)) throw new Fail("SHA-1 mismatch for " + c + ": the repository says " + sha1 + ", the download has " + got);
                try {
                    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
                }
                total += n;
                out.println("fetched " + c + " (" + n + " bytes)");
            } catch (IOException e) {
                throw new Fail("cannot write " + dest + ": " + e);
            } finally {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    note("warning: cannot delete " + tmp + ": " + e);
                }
            }
        }
    }

    /** The first 40 hex digits of the .sha1 file, lower case; null when there is none (or it is not a SHA-1). */
    String expectedSha1(String rel) throws Fail {
        try {
            String s = new String(repo.get(rel + ".sha1", in -> in.readNBytes(4096)), StandardCharsets.ISO_8859_1).trim();
            if (s.length() >= 40 && s.substring(0, 40).matches("[0-9a-fA-F]{40}")) return s.substring(0, 40).toLowerCase(Locale.ROOT);
            note("warning: ignoring the malformed checksum file " + rel + ".sha1");
            return null;
        } catch (Missing e) {
            return null;
        }
    }

    static long copy(InputStream in, Path file, long budget, MessageDigest md) throws IOException, Fail {
        md.reset(); // a retry starts over
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int r; (r = in.read(buf)) != -1; n += r) {
                if (n + r > budget) throw new Fail("the jars exceed the cap of " + (MAX_TOTAL_BYTES >> 20) + " MB");
                md.update(buf, 0, r);
                out.write(buf, 0, r);
            }
        }
        return n;
    }

    static String sha1(Path file) throws IOException {
        MessageDigest md = sha1Digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) != -1; ) md.update(buf, 0, r);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha1Digest() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
