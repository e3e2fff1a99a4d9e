package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Maven coordinates users copy: the BOM covers every published module, and README.md and the docs/ pages name real
 * ones at the project's version.
 */
class DocumentedCoordinatesTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>(sandbox4j-[^<]+)</artifactId>");
    private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

    static Path root() {
        return DocumentationExamplesTest.root();
    }

    static Set<String> published() throws Exception {
        Set<String> modules = new TreeSet<>();
        Matcher m = MODULE.matcher(Files.readString(root().resolve("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1).strip());
        }
        modules.removeAll(Set.of("sandbox4j-bom", "sandbox4j-examples"));
        return modules;
    }

    @Test
    void bomManagesEveryPublishedModuleAtTheProjectVersion() throws Exception {
        String bom = Files.readString(root().resolve("sandbox4j-bom/pom.xml"));
        Set<String> managed = new TreeSet<>();
        Matcher m = ARTIFACT.matcher(bom);
        while (m.find()) {
            managed.add(m.group(1));
        }
        managed.remove("sandbox4j-bom");
        assertThat(managed).isEqualTo(published());
        assertThat(bom).as("the BOM has no parent (it must not manage third-party versions)").doesNotContain("<parent>");
        assertThat(bom).contains("<version>" + System.getProperty("sandbox4j.version") + "</version>");
    }

    @Test
    void documentationNamesRealArtifactsAtTheProjectVersion() throws Exception {
        Set<String> known = new TreeSet<>(published());
        known.add("sandbox4j-bom");
        List<String> wrong = new ArrayList<>();
        int dependencies = 0;
        int inReadme = 0;
        for (Path doc : DocumentationExamplesTest.documents()) {
            Matcher block = XML_BLOCK.matcher(Files.readString(doc));
            while (block.find()) {
                Matcher dep = DEPENDENCY.matcher(block.group(1));
                while (dep.find()) {
                    String d = dep.group(1);
                    Matcher a = ARTIFACT.matcher(d);
                    if (!d.contains("<groupId>dev.sandbox4j</groupId>") || !a.find()) {
                        continue;
                    }
                    dependencies++;
                    if (doc.getFileName().toString().equals("README.md")) {
                        inReadme++;
                    }
                    String where = root().relativize(doc) + ": ";
                    if (!known.contains(a.group(1))) {
                        wrong.add(where + "no module " + a.group(1));
                    }
                    if (d.contains("<version>") && !d.contains("<version>" + System.getProperty("sandbox4j.version")
                            + "</version>")) {
                        wrong.add(where + a.group(1) + " at another version: " + d.strip());
                    }
                }
            }
        }
        assertThat(inReadme).as("sandbox4j dependencies shown in README.md (the BOM and the starter)")
                .isGreaterThanOrEqualTo(2);
        assertThat(dependencies).as("sandbox4j dependencies shown in README.md and docs/").isGreaterThan(4);
        assertThat(wrong).isEmpty();
    }
}
