/*
 * PomModels, part of MavenFetch (see MavenFetch.java): reads POMs from the repository and builds their effective
 * models (parents, properties, profiles, dependency management with imported BOMs, relocations), cached per
 * coordinate, failures included.
 */
import java.io.*;
import java.util.*;
import java.util.regex.*;
import javax.xml.XMLConstants;
import javax.xml.parsers.*;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

final class PomModels {
    static final int MAX_POMS = 2000, MAX_PARENTS = 30;
    static final long MAX_POM_BYTES = 16L << 20;
    static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");
    static final Pattern JDK_RANGE = Pattern.compile("([\\[(])([^,\\])]*)(?:,([^\\])]*))?([\\])])");

    /** A POM as read, with the sections that count: the project itself and its active profiles. */
    record Raw(String id, String g, String v, MavenFetch.Coord parent, String packaging, List<Element> sections) {}
    /** The effective model, as far as resolution needs it. */
    record Model(String packaging, List<MavenFetch.Dep> deps, Map<String, MavenFetch.Dep> managed, MavenFetch.Coord relocation) {}

    final MavenRepo repo;
    final Map<String, Object> raws = new HashMap<>(), models = new HashMap<>(); // values: Raw/Model or the Fail
    int pomCount;

    PomModels(MavenRepo repo) {
        this.repo = repo;
    }

    /** The effective model of g:a:v; stack holds the models being built above it (to find import cycles). */
    Model model(String g, String a, String v, Set<String> stack) throws MavenFetch.Fail {
        String id = g + ":" + a + ":" + v;
        Object hit = models.get(id);
        if (hit instanceof Model m) return m;
        if (hit instanceof MavenFetch.Fail f) throw f;
        if (!stack.add(id)) throw new MavenFetch.BadPom("the POM " + id + " imports itself (cycle)");
        try {
            Model m = buildModel(id, g, a, v, stack);
            models.put(id, m);
            return m;
        } catch (MavenFetch.Missing | MavenFetch.BadPom e) {
            models.put(id, e);
            throw e;
        } finally {
            stack.remove(id);
        }
    }

    private Model buildModel(String id, String g, String a, String v, Set<String> stack) throws MavenFetch.Fail {
        List<Raw> chain = new ArrayList<>(List.of(raw(g, a, v)));
        for (MavenFetch.Coord p = chain.get(0).parent(); p != null; p = chain.get(chain.size() - 1).parent()) {
            String pid = p.gav();
            if (chain.size() > MAX_PARENTS || chain.stream().anyMatch(r -> r.id().equals(pid))) throw new MavenFetch.BadPom("cycle or too many parents above " + id);
            try {
                chain.add(raw(p.g(), p.a(), p.v()));
            } catch (MavenFetch.Missing e) {
                throw new MavenFetch.BadPom("parent POM of " + id + ": " + e.getMessage());
            }
        }
        Raw self = chain.get(0);
        MavenFetch.Coord parent = self.parent();
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
        String packaging = MavenFetch.or(vars.apply(self.packaging()), "jar");
        project.put("project.packaging", packaging);

        // the child's dependencies first, then inherited ones; a profile's entry replaces the project's in place
        Map<String, MavenFetch.Dep> deps = new LinkedHashMap<>(), managed = new LinkedHashMap<>();
        for (Raw r : chain) {
            Map<String, MavenFetch.Dep> d = new LinkedHashMap<>(), m = new LinkedHashMap<>();
            for (Element section : r.sections()) {
                for (Element e : children(child(section, "dependencies"), "dependency")) {
                    MavenFetch.Dep dep = dependency(e, vars);
                    d.put(dep.key(), dep);
                }
                for (Element e : children(child(child(section, "dependencyManagement"), "dependencies"), "dependency")) {
                    MavenFetch.Dep dep = dependency(e, vars);
                    m.put(dep.key(), dep);
                }
            }
            d.forEach(deps::putIfAbsent);
            m.forEach(managed::putIfAbsent);
        }
        List<MavenFetch.Dep> imports = new ArrayList<>(); // BOMs: their entries count where the POM has none, the first import first
        managed.values().removeIf(d -> "import".equals(d.scope()) && "pom".equals(d.type()) && imports.add(d));
        for (MavenFetch.Dep imp : imports) {
            if (!new MavenFetch.Coord(imp.g(), imp.a(), imp.v(), null).valid()) throw new MavenFetch.BadPom("bad BOM import " + imp.g() + ":" + imp.a() + ":" + imp.v() + " in " + id);
            try {
                model(imp.g(), imp.a(), imp.v(), stack).managed().forEach(managed::putIfAbsent);
            } catch (MavenFetch.Missing e) {
                throw new MavenFetch.BadPom("BOM imported by " + id + ": " + e.getMessage());
            }
        }
        List<MavenFetch.Dep> effective = new ArrayList<>();
        for (MavenFetch.Dep d : deps.values()) {
            if (d.g() == null || d.a() == null) throw new MavenFetch.BadPom("a dependency without groupId or artifactId in " + id);
            MavenFetch.Dep m = managed.get(d.key());
            if (m != null) { // Maven 3 management injection: fills in version, scope and exclusions when not given
                d = new MavenFetch.Dep(d.g(), d.a(), MavenFetch.or(d.v(), m.v()), d.type(), d.classifier(), MavenFetch.or(d.scope(), m.scope()), d.optional(),
                        d.exclusions().isEmpty() ? m.exclusions() : d.exclusions());
            }
            if (d.v() == null) throw new MavenFetch.BadPom("no version for the dependency " + d.g() + ":" + d.a() + " in " + id);
            effective.add(d);
        }
        Element relocation = child(child(self.sections().get(0), "distributionManagement"), "relocation");
        MavenFetch.Coord to = relocation == null ? null : new MavenFetch.Coord(MavenFetch.or(vars.apply(text(relocation, "groupId")), g),
                MavenFetch.or(vars.apply(text(relocation, "artifactId")), a), MavenFetch.or(vars.apply(text(relocation, "version")), v), null);
        return new Model(packaging, effective, managed, to == null || to.gav().equals(id) ? null : to);
    }

    static MavenFetch.Dep dependency(Element e, Vars vars) {
        List<String> exclusions = new ArrayList<>();
        for (Element x : children(child(e, "exclusions"), "exclusion")) {
            exclusions.add(MavenFetch.or(vars.apply(text(x, "groupId")), "*") + ":" + MavenFetch.or(vars.apply(text(x, "artifactId")), "*"));
        }
        return new MavenFetch.Dep(vars.apply(text(e, "groupId")), vars.apply(text(e, "artifactId")), vars.apply(text(e, "version")),
                MavenFetch.or(vars.apply(text(e, "type")), "jar"), vars.apply(text(e, "classifier")), vars.apply(text(e, "scope")),
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
                m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? m.group() : MavenFetch.or(interpolate(value, depth + 1), "")));
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

    Raw raw(String g, String a, String v) throws MavenFetch.Fail {
        String id = g + ":" + a + ":" + v;
        Object hit = raws.get(id);
        if (hit instanceof Raw r) return r;
        if (hit instanceof MavenFetch.Fail f) throw f;
        try {
            MavenFetch.Coord c = new MavenFetch.Coord(g, a, v, null);
            if (!c.valid()) throw new MavenFetch.BadPom("bad coordinate " + id + " (an unresolved property?)");
            if (++pomCount > MAX_POMS) throw new MavenFetch.Fail("more than " + MAX_POMS + " POMs to read; giving up");
            byte[] xml;
            try {
                xml = repo.get(c.path("pom"), in -> {
                    byte[] b = in.readNBytes((int) MAX_POM_BYTES + 1);
                    if (b.length > MAX_POM_BYTES) throw new MavenFetch.BadPom("the POM of " + id + " is larger than " + MAX_POM_BYTES + " bytes");
                    return b;
                });
            } catch (MavenFetch.Missing e) {
                throw new MavenFetch.Missing("cannot find " + id + " in " + repo.url + ": " + e.getMessage());
            }
            Raw r = parse(id, xml);
            raws.put(id, r);
            return r;
        } catch (MavenFetch.Missing | MavenFetch.BadPom e) {
            raws.put(id, e);
            throw e;
        }
    }

    static Raw parse(String id, byte[] xml) throws MavenFetch.BadPom {
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
            throw new MavenFetch.BadPom("invalid XML in the POM of " + id + ": " + e.getMessage());
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
        if (!localName(project).equals("project")) throw new MavenFetch.BadPom("the POM of " + id + " is not a <project>");
        Element p = child(project, "parent");
        MavenFetch.Coord parent = p == null ? null : new MavenFetch.Coord(text(p, "groupId"), text(p, "artifactId"), text(p, "version"), null);
        if (parent != null && !parent.valid()) throw new MavenFetch.BadPom("bad parent " + parent + " in the POM of " + id);
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
}
