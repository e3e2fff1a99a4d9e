/*
 * MavenFetch: installs Maven libraries for Java code in a sandbox4j box. JDK-only (java.net.http, DOM), Java 17.
 *
 *   java MavenFetch.java [--ca <pem-file>] <repoUrl> <destDir> <coordinate>...
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
import javax.xml.XMLConstants;
import javax.xml.parsers.*;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

@SuppressWarnings("serial")
public class MavenFetch {
    static final int MAX_ARTIFACTS = 200, MAX_POMS = 2000, MAX_PARENTS = 30, MAX_RELOCATIONS = 5;
    static final long MAX_TOTAL_BYTES = 200L << 20, MAX_POM_BYTES = 16L << 20;
    static final String USAGE = "usage: java MavenFetch.java [--ca <pem-file>] <repoUrl> <destDir> "
            + "<groupId:artifactId[:jar[:classifier]]:version>...";
    static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.+~-]+");
    static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");
    static final Pattern RANGE = Pattern.compile("\\[([^,\\[\\]()]+)(,[^\\])]*)?[\\])].*");
    static final Pattern JDK_RANGE = Pattern.compile("([\\[(])([^,\\])]*)(?:,([^\\])]*))?([\\])])");
    static final Pattern PEM = Pattern.compile("-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----");

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
    /** A POM as read, with the sections that count: the project itself and its active profiles. */
    record Raw(String id, String g, String v, Coord parent, String packaging, List<Element> sections) {}
    /** The effective model, as far as resolution needs it. */
    record Model(String packaging, List<Dep> deps, Map<String, Dep> managed, Coord relocation) {}
    record Edge(Coord c, int depth, List<String> exclusions) {}

    final Repo repo;
    final PrintStream err;
    final Map<String, Object> raws = new HashMap<>(), models = new HashMap<>(); // values: Raw/Model or the Fail
    final Set<Coord> pomPackaged = new HashSet<>();
    int pomCount;

    MavenFetch(Repo repo, PrintStream err) {
        this.repo = repo;
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
            MavenFetch fetch = new MavenFetch(new Repo(url, scheme.equals("file"), ca == null ? null : sslContext(ca)), err);
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
            Model m;
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
    Model modelOrNull(Coord c, boolean required) throws Fail {
        try {
            return model(c.g(), c.a(), c.v(), new HashSet<>());
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

    // ---------------------------------------------------------------- effective model

    Model model(String g, String a, String v, Set<String> stack) throws Fail {
        String id = g + ":" + a + ":" + v;
        Object hit = models.get(id);
        if (hit instanceof Model m) return m;
        if (hit instanceof Fail f) throw f;
        if (!stack.add(id)) throw new BadPom("the POM " + id + " imports itself (cycle)");
        try {
            Model m = buildModel(id, g, a, v, stack);
            models.put(id, m);
            return m;
        } catch (Missing | BadPom e) {
            models.put(id, e);
            throw e;
        } finally {
            stack.remove(id);
        }
    }

    private Model buildModel(String id, String g, String a, String v, Set<String> stack) throws Fail {
        List<Raw> chain = new ArrayList<>(List.of(raw(g, a, v)));
        for (Coord p = chain.get(0).parent(); p != null; p = chain.get(chain.size() - 1).parent()) {
            String pid = p.gav();
            if (chain.size() > MAX_PARENTS || chain.stream().anyMatch(r -> r.id().equals(pid))) throw new BadPom("cycle or too many parents above " + id);
            try {
                chain.add(raw(p.g(), p.a(), p.v()));
            } catch (Missing e) {
                throw new BadPom("parent POM of " + id + ": " + e.getMessage());
            }
        }
        Raw self = chain.get(0);
        Coord parent = self.parent();
        Map<String, String> project = new HashMap<>(), properties = new HashMap<>();
        project.put("project.groupId", self.g() != null ? self.g() : parent != null ? parent.g() : g);
        project.put("project.artifactId", a);
        project.put("project.version", self.v() != null ? self.v() : parent != null ? parent.v() : v);
        if (parent != null) {
            project.put("project.parent.groupId", parent.g());
            project.put("project.parent.artifactId", parent.a());
            project.put("project.parent.version", parent.v());
        }
        for (int i = chain.size() - 1; i >= 0; i--) { // a child's properties override its parents'
            for (Element section : chain.get(i).sections()) {
                for (Element p : children(child(section, "properties"), null)) properties.put(localName(p), p.getTextContent().trim());
            }
        }
        Vars vars = new Vars(project, properties);
        String packaging = or(vars.apply(self.packaging()), "jar");
        project.put("project.packaging", packaging);

        // the child's dependencies first, then inherited ones; a profile's entry replaces the project's in place
        Map<String, Dep> deps = new LinkedHashMap<>(), managed = new LinkedHashMap<>();
        for (Raw r : chain) {
            Map<String, Dep> d = new LinkedHashMap<>(), m = new LinkedHashMap<>();
            for (Element section : r.sections()) {
                for (Element e : children(child(section, "dependencies"), "dependency")) {
                    Dep dep = dependency(e, vars);
                    d.put(dep.key(), dep);
                }
                for (Element e : children(child(child(section, "dependencyManagement"), "dependencies"), "dependency")) {
                    Dep dep = dependency(e, vars);
                    m.put(dep.key(), dep);
                }
            }
            d.forEach(deps::putIfAbsent);
            m.forEach(managed::putIfAbsent);
        }
        List<Dep> imports = new ArrayList<>(); // BOMs: their entries count where the POM has none, the first import first
        managed.values().removeIf(d -> "import".equals(d.scope()) && "pom".equals(d.type()) && imports.add(d));
        for (Dep imp : imports) {
            if (!new Coord(imp.g(), imp.a(), imp.v(), null).valid()) throw new BadPom("bad BOM import " + imp.g() + ":" + imp.a() + ":" + imp.v() + " in " + id);
            try {
                model(imp.g(), imp.a(), imp.v(), stack).managed().forEach(managed::putIfAbsent);
            } catch (Missing e) {
                throw new BadPom("BOM imported by " + id + ": " + e.getMessage());
            }
        }
        List<Dep> effective = new ArrayList<>();
        for (Dep d : deps.values()) {
            if (d.g() == null || d.a() == null) throw new BadPom("a dependency without groupId or artifactId in " + id);
            Dep m = managed.get(d.key());
            if (m != null) { // Maven 3 management injection: fills in version, scope and exclusions when not given
                d = new Dep(d.g(), d.a(), or(d.v(), m.v()), d.type(), d.classifier(), or(d.scope(), m.scope()), d.optional(),
                        d.exclusions().isEmpty() ? m.exclusions() : d.exclusions());
            }
            if (d.v() == null) throw new BadPom("no version for the dependency " + d.g() + ":" + d.a() + " in " + id);
            effective.add(d);
        }
        Element relocation = child(child(self.sections().get(0), "distributionManagement"), "relocation");
        Coord to = relocation == null ? null : new Coord(or(vars.apply(text(relocation, "groupId")), g),
                or(vars.apply(text(relocation, "artifactId")), a), or(vars.apply(text(relocation, "version")), v), null);
        return new Model(packaging, effective, managed, to == null || to.gav().equals(id) ? null : to);
    }

    static Dep dependency(Element e, Vars vars) {
        List<String> exclusions = new ArrayList<>();
        for (Element x : children(child(e, "exclusions"), "exclusion")) {
            exclusions.add(or(vars.apply(text(x, "groupId")), "*") + ":" + or(vars.apply(text(x, "artifactId")), "*"));
        }
        return new Dep(vars.apply(text(e, "groupId")), vars.apply(text(e, "artifactId")), vars.apply(text(e, "version")),
                or(vars.apply(text(e, "type")), "jar"), vars.apply(text(e, "classifier")), vars.apply(text(e, "scope")),
                "true".equals(vars.apply(text(e, "optional"))), exclusions);
    }

    /** ${...} interpolation in Maven's order: project.* (or pom.*), properties, system properties, env.*, bare fields. */
    record Vars(Map<String, String> project, Map<String, String> properties) {
        /** s with its references replaced (unknown ones are kept); null for null or empty. */
        String apply(String s) {
            return interpolate(s, 0);
        }

        private String interpolate(String s, int depth) {
            if (s == null || !s.contains("${") || depth > 20) return s == null || s.isEmpty() ? null : s;
            Matcher m = PROPERTY.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = lookup(m.group(1).trim());
                m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? m.group() : or(interpolate(value, depth + 1), "")));
            }
            m.appendTail(sb);
            return sb.isEmpty() ? null : sb.toString();
        }

        private String lookup(String key) {
            String p = key.startsWith("pom.") ? "project." + key.substring(4) : key;
            if (project.containsKey(p)) return project.get(p);
            if (properties.containsKey(key)) return properties.get(key);
            String value = System.getProperty(key);
            if (value != null) return value;
            return key.startsWith("env.") ? System.getenv(key.substring(4)) : project.get("project." + key);
        }
    }

    // ---------------------------------------------------------------- POM files

    Raw raw(String g, String a, String v) throws Fail {
        String id = g + ":" + a + ":" + v;
        Object hit = raws.get(id);
        if (hit instanceof Raw r) return r;
        if (hit instanceof Fail f) throw f;
        try {
            Coord c = new Coord(g, a, v, null);
            if (!c.valid()) throw new BadPom("bad coordinate " + id + " (an unresolved property?)");
            if (++pomCount > MAX_POMS) throw new Fail("more than " + MAX_POMS + " POMs to read; giving up");
            byte[] xml;
            try {
                xml = repo.get(c.path("pom"), in -> {
                    byte[] b = in.readNBytes((int) MAX_POM_BYTES + 1);
                    if (b.length > MAX_POM_BYTES) throw new BadPom("the POM of " + id + " is larger than " + MAX_POM_BYTES + " bytes");
                    return b;
                });
            } catch (Missing e) {
                throw new Missing("cannot find " + id + " in " + repo.url + ": " + e.getMessage());
            }
            Raw r = parse(id, xml);
            raws.put(id, r);
            return r;
        } catch (Missing | BadPom e) {
            raws.put(id, e);
            throw e;
        }
    }

    static Raw parse(String id, byte[] xml) throws BadPom {
        Element project;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler()); // fails on fatal errors, prints nothing
            int start = 0;
            while (start < xml.length && xml[start] != '<' && (xml[start] & 0xff) <= ' ') start++; // stray leading blanks
            project = b.parse(new ByteArrayInputStream(xml, start, xml.length - start)).getDocumentElement();
        } catch (SAXException | IOException e) {
            throw new BadPom("invalid XML in the POM of " + id + ": " + e.getMessage());
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
        if (!localName(project).equals("project")) throw new BadPom("the POM of " + id + " is not a <project>");
        Element p = child(project, "parent");
        Coord parent = p == null ? null : new Coord(text(p, "groupId"), text(p, "artifactId"), text(p, "version"), null);
        if (parent != null && !parent.valid()) throw new BadPom("bad parent " + parent + " in the POM of " + id);
        List<Element> sections = new ArrayList<>(List.of(project));
        sections.addAll(activeProfiles(project));
        return new Raw(id, text(project, "groupId"), text(project, "version"), parent, text(project, "packaging"), sections);
    }

    /** Profiles active by JDK, OS or system property (all given conditions must hold), else those active by default. */
    static List<Element> activeProfiles(Element project) {
        List<Element> active = new ArrayList<>(), byDefault = new ArrayList<>();
        for (Element profile : children(child(project, "profiles"), "profile")) {
            Element activation = child(profile, "activation");
            if (activation == null) continue;
            if ("true".equals(text(activation, "activeByDefault"))) byDefault.add(profile);
            boolean any = false, all = true;
            for (Element condition : children(activation, null)) {
                String kind = localName(condition);
                if (kind.equals("activeByDefault")) continue;
                any = true;
                all &= switch (kind) {
                    case "jdk" -> jdkMatches(condition.getTextContent().trim());
                    case "property" -> propertyMatches(text(condition, "name"), text(condition, "value"));
                    case "os" -> osMatches(condition);
                    default -> false; // <file>: not supported
                };
            }
            if (any && all) active.add(profile);
        }
        return active.isEmpty() ? byDefault : active;
    }

    static boolean jdkMatches(String spec) {
        String java = System.getProperty("java.version");
        if (spec.startsWith("!")) return !java.startsWith(spec.substring(1));
        if (!spec.startsWith("[") && !spec.startsWith("(")) return java.startsWith(spec);
        for (Matcher m = JDK_RANGE.matcher(spec); m.find(); ) {
            String lower = m.group(2).trim(), upper = m.group(3) == null ? lower : m.group(3).trim();
            int lo = lower.isEmpty() ? 1 : compareVersions(java, lower), hi = upper.isEmpty() ? -1 : compareVersions(java, upper);
            if ((lo > 0 || lo == 0 && m.group(1).equals("[")) && (hi < 0 || hi == 0 && m.group(4).equals("]"))) return true;
        }
        return false;
    }

    /** Compares numeric version segments, as far as the bound has segments (so 17.0.2 equals 17). */
    static int compareVersions(String version, String bound) {
        String[] x = version.split("[._+-]"), y = bound.split("[._+-]");
        for (int i = 0; i < y.length; i++) {
            int a = i < x.length && x[i].matches("\\d{1,9}") ? Integer.parseInt(x[i]) : 0;
            int b = y[i].matches("\\d{1,9}") ? Integer.parseInt(y[i]) : 0;
            if (a != b) return Integer.compare(a, b);
        }
        return 0;
    }

    static boolean propertyMatches(String name, String value) {
        if (name == null) return false;
        boolean negated = name.startsWith("!");
        String actual = System.getProperty(negated ? name.substring(1) : name);
        if (value == null) return (actual != null && !actual.isEmpty()) != negated;
        boolean notValue = value.startsWith("!");
        return (notValue ? value.substring(1) : value).equals(actual) != notValue;
    }

    static boolean osMatches(Element os) {
        String name = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        boolean all = true;
        for (Element c : children(os, null)) {
            String want = c.getTextContent().trim().toLowerCase(Locale.ROOT);
            boolean negated = want.startsWith("!");
            if (negated) want = want.substring(1);
            boolean hit = switch (localName(c)) {
                case "name" -> name.equals(want);
                case "arch" -> System.getProperty("os.arch", "").toLowerCase(Locale.ROOT).equals(want);
                case "version" -> System.getProperty("os.version", "").toLowerCase(Locale.ROOT).equals(want);
                case "family" -> want.equals("unix") ? File.pathSeparatorChar == ':' && (!name.contains("mac") || name.endsWith("x"))
                        : name.contains(want); // as plexus Os: windows, mac, linux...
                default -> false;
            };
            all &= hit != negated;
        }
        return all;
    }

    static String localName(Node n) {
        String s = n.getNodeName();
        return s.substring(s.indexOf(':') + 1);
    }

    /** Child elements of e named name (any name when null); none when e is null. */
    static List<Element> children(Element e, String name) {
        List<Element> list = new ArrayList<>();
        for (Node n = e == null ? null : e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && (name == null || localName(c).equals(name))) list.add(c);
        }
        return list;
    }

    static Element child(Element e, String name) {
        List<Element> list = children(e, name);
        return list.isEmpty() ? null : list.get(0);
    }

    static String text(Element e, String name) {
        Element c = child(e, name);
        String t = c == null ? "" : c.getTextContent().trim();
        return t.isEmpty() ? null : t;
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

    /** The JVM's default trusted certificates plus those of a PEM bundle. */
    static SSLContext sslContext(Path pem) throws Fail {
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
            if (added == 0) throw new Fail("no certificates in the CA bundle " + pem);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new Fail("cannot use the CA bundle " + pem + ": " + e);
        }
    }

    interface Body<T> {
        T read(InputStream in) throws IOException, Fail;
    }

    /** Files of the repository, over HTTP(S) (redirects, timeouts, 3 attempts for transient errors) or from disk. */
    static final class Repo {
        final String url, base;
        final boolean file;
        final SSLContext ssl;
        private HttpClient client;

        Repo(String url, boolean file, SSLContext ssl) {
            this.url = url;
            this.base = url + "/";
            this.file = file;
            this.ssl = ssl;
        }

        private <T> HttpResponse<T> send(String rel, String method, HttpResponse.BodyHandler<T> handler) throws IOException, Fail {
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
                throw new Fail("interrupted");
            }
        }

        /** Reads the file at rel with body; Missing (with "HTTP 404" or the like) when there is none. */
        <T> T get(String rel, Body<T> body) throws Fail {
            for (int attempt = 1; ; attempt++) {
                String problem;
                boolean retry = !file;
                try {
                    if (file) {
                        try (InputStream in = Files.newInputStream(Path.of(URI.create(base + rel)))) {
                            return body.read(in);
                        } catch (NoSuchFileException e) {
                            throw new Missing("no such file");
                        }
                    }
                    HttpResponse<InputStream> response = send(rel, "GET", HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = response.body()) {
                        int status = response.statusCode();
                        if (status == 200) return body.read(in);
                        if (status == 404 || status == 410) throw new Missing("HTTP " + status);
                        problem = "HTTP " + status;
                        retry = status == 429 || status >= 500;
                    }
                } catch (IOException e) {
                    problem = describe(e);
                    retry &= !(e instanceof SSLException);
                }
                if (!retry || attempt == 3) {
                    throw new Fail("cannot download " + base + rel + ": " + problem + (attempt > 1 ? " (after " + attempt + " attempts)" : ""));
                }
                try {
                    Thread.sleep(2000L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Fail("interrupted");
                }
            }
        }

        /** The size of the file at rel, or -1 when unknown. */
        long size(String rel) throws Fail {
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
    }
}
