package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sanitiser against {@code sanitizer-corpus.txt}: secrets in the shapes programs print them (hidden) and harmless
 * look-alikes (kept), one case per line; the file's header explains the format and the decisions it records. Lines
 * tagged {@code hostile} reproduce issue 15's findings and run again as the {@code hostile} group.
 */
class OutputSanitizerCorpusTest {
    private static final String CORPUS = "sanitizer-corpus.txt";

    /** The defaults with a fixed extra home path, so the cases do not depend on the JVM's user.home. */
    private static final OutputSanitizer SANITIZER =
            OutputSanitizer.defaults().toBuilder().homePaths(List.of("/srv/ci-user")).build();

    record Case(int line, boolean hide, String input, String expected, Set<String> tags, String note) {
        @Override
        public String toString() {
            return "line " + line + (note.isEmpty() ? "" : " (" + note + ")");
        }
    }

    static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = OutputSanitizerCorpusTest.class.getResourceAsStream(CORPUS);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> f = fields(line);
                String mode = f.get(0);
                if (!mode.equals("hide") && !mode.equals("keep")) {
                    throw new IllegalStateException(CORPUS + ":" + n + ": expected 'hide' or 'keep' but was '" + mode
                            + "'");
                }
                String input = unescape(f.get(1));
                String expected = f.size() > 2 ? unescape(f.get(2)) : "";
                if (mode.equals("keep")) {
                    if (!expected.isEmpty()) {
                        throw new IllegalStateException(CORPUS + ":" + n + ": a keep line has no expected output");
                    }
                    expected = input;
                }
                Set<String> tags = f.size() > 3 && !f.get(3).isBlank()
                        ? new LinkedHashSet<>(Arrays.asList(f.get(3).trim().split("\\s+")))
                        : Set.of();
                String note = f.size() > 4 ? f.get(4).trim() : "";
                cases.add(new Case(n, mode.equals("hide"), input, expected, tags, note));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    /** Splits on unescaped '|' and drops the one space on each side of a separator. */
    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(c).append(line.charAt(++i));
            } else if (c == '|') {
                out.add(trimOne(cur.toString()));
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(trimOne(cur.toString()));
        return out;
    }

    private static String trimOne(String s) {
        int from = s.startsWith(" ") ? 1 : 0;
        int to = s.endsWith(" ") && s.length() > from ? s.length() - 1 : s.length();
        return s.substring(from, to);
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 's' -> sb.append(' ');
                case '|' -> sb.append('|');
                case '\\' -> sb.append('\\');
                default -> throw new IllegalStateException("unknown escape \\" + e + " in " + s);
            }
        }
        return sb.toString();
    }

    static Stream<Case> cases() {
        return corpus().stream();
    }

    static Stream<Case> hostileCases() {
        return corpus().stream().filter(c -> c.tags().contains("hostile"));
    }

    static Stream<Case> structuredCases() {
        return corpus().stream()
                .filter(c -> c.tags().contains("json") || c.tags().contains("yaml") || c.tags().contains("xml"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sanitisesAsTheCorpusSays(Case c) {
        assertThat(SANITIZER.sanitize(c.input()).text()).as(c.toString()).isEqualTo(c.expected());
    }

    @Tag("hostile")
    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileCases")
    void hidesWhatTheTesterFoundLeaking(Case c) {
        Sanitized s = SANITIZER.sanitize(c.input());
        assertThat(s.text()).as(c.toString()).isEqualTo(c.expected());
        assertThat(s.changed()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sanitisingTwiceChangesNothing(Case c) {
        assertThat(SANITIZER.sanitize(c.expected()).text()).as(c.toString()).isEqualTo(c.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structuredCases")
    void keepsJsonYamlAndXmlParseable(Case c) throws Exception {
        String out = SANITIZER.sanitize(c.input()).text();
        if (c.tags().contains("json")) {
            ObjectMapper json = new ObjectMapper();
            JsonNode before = json.readTree(c.input());
            JsonNode after = json.readTree(out);
            assertThat(names(after)).as(c.toString()).isEqualTo(names(before));
        }
        if (c.tags().contains("yaml")) {
            YAMLMapper yaml = new YAMLMapper();
            assertThat(names(yaml.readTree(out))).as(c.toString()).isEqualTo(names(yaml.readTree(c.input())));
        }
        if (c.tags().contains("xml")) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.newDocumentBuilder().parse(new ByteArrayInputStream(c.input().getBytes(StandardCharsets.UTF_8)));
            f.newDocumentBuilder().parse(new ByteArrayInputStream(out.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    @Test
    void corpusHasAtLeastAHundredShapesOfBothKinds() {
        List<Case> all = corpus();
        assertThat(all).hasSizeGreaterThanOrEqualTo(100);
        assertThat(all).filteredOn(Case::hide).hasSizeGreaterThanOrEqualTo(50);
        assertThat(all).filteredOn(c -> !c.hide()).hasSizeGreaterThanOrEqualTo(30);
        assertThat(all).filteredOn(c -> c.tags().contains("hostile")).hasSizeGreaterThanOrEqualTo(20);
    }
}
