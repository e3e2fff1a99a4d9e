package dev.sandbox4j.wasm;

import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds pure-Python wheels ({@code *-none-any.whl} for Python 3) in a local directory, like pip's
 * {@code --find-links}. Only pure-Python code runs in Pyodide without Pyodide's own builds of native packages.
 */
final class Wheels {
    private static final Pattern SPEC = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)(?:==([A-Za-z0-9.+!_-]+))?");
    private static final Pattern FILE = Pattern.compile(
            "([A-Za-z0-9_.]+)-([A-Za-z0-9_.+!]+)(?:-[0-9][A-Za-z0-9_.]*)?-([A-Za-z0-9_.]+)-([A-Za-z0-9_.]+)-"
                    + "([A-Za-z0-9_.]+)\\.whl");

    private Wheels() {}

    /** A requested library: a project name and optionally an exact version. */
    record Spec(String name, @org.jspecify.annotations.Nullable String version) {
        /** Parses {@code name} or {@code name==version}. @throws IllegalArgumentException if malformed */
        static Spec parse(String text) {
            Matcher m = SPEC.matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("Expected a library as 'name' or 'name==version' (the wasm "
                        + "backend installs local pure-Python wheels, without ranges or options) but was '"
                        + Texts.sanitize(text, 80) + "'");
            }
            return new Spec(m.group(1), m.group(2));
        }
    }

    /** Normalises a project name the way wheel file names spell it. */
    static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "_");
    }

    /**
     * The newest pure-Python wheel in {@code dir} matching {@code spec}.
     *
     * @return the wheel, or empty with nothing usable; {@code rejected} then lists the wheels that exist but are not
     *     pure Python 3
     */
    static Optional<Path> find(Path dir, Spec spec, List<String> rejected) {
        String want = normalize(spec.name());
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (!m.matches() || !normalize(m.group(1)).equals(want)) {
                    continue;
                }
                if (spec.version() != null && !m.group(2).equals(spec.version())) {
                    continue;
                }
                boolean py3 = List.of(m.group(3).split("\\.")).stream().anyMatch(t -> t.equals("py3")
                        || t.equals("py2.py3"));
                if (py3 && m.group(4).equals("none") && m.group(5).equals("any")) {
                    candidates.add(p);
                } else {
                    rejected.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return candidates.stream().max(Comparator.comparing(Wheels::version, Wheels::compareVersions));
    }

    static String version(Path wheel) {
        Matcher m = FILE.matcher(wheel.getFileName().toString());
        return m.matches() ? m.group(2) : "";
    }

    /** Compares dotted versions part by part, numerically where both parts are numbers. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.+]");
        String[] y = b.split("[.+]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,9}") && q.matches("\\d{1,9}")
                    ? Integer.compare(Integer.parseInt(p), Integer.parseInt(q)) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
