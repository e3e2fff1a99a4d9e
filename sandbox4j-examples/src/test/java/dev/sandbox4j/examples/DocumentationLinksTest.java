package dev.sandbox4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of {@code README.md} and {@code docs/**}{@code /*.md} leads to a file that exists and, when it
 * names a {@code #fragment}, to a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces as
 * hyphens, {@code -1}, {@code -2} ... for repeated headings). Every page under {@code docs/} is reachable from the
 * README, directly or through other pages.
 */
class DocumentationLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$", Pattern.MULTILINE);
    private static final Pattern FENCE = Pattern.compile("^```.*?^```", Pattern.MULTILINE | Pattern.DOTALL);

    static Path root() {
        return DocumentationExamplesTest.root();
    }

    /** The text outside fenced code blocks (a {@code #} comment in a shell block is no heading). */
    static String prose(Path file) throws IOException {
        return FENCE.matcher(Files.readString(file)).replaceAll("");
    }

    /** GitHub's anchor for a heading's text. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }

    static Set<String> anchors(Path file) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher m = HEADING.matcher(prose(file));
        while (m.find()) {
            String s = slug(m.group(1));
            int n = seen.merge(s, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? s : s + "-" + n);
        }
        return anchors;
    }

    /** Relative links of a file, as targets resolved against it (with the fragment, if any, after '#'). */
    static List<String> links(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = LINK.matcher(prose(file));
        while (m.find()) {
            String target = m.group(1);
            if (!target.matches("^[a-z][a-z0-9+.-]*:.*")) { // not http:, https:, mailto: ...
                out.add(target);
            }
        }
        return out;
    }

    @Test
    void everyRelativeLinkLeadsToAFileAndHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : DocumentationExamplesTest.documents()) {
            for (String link : links(doc)) {
                checked++;
                int hash = link.indexOf('#');
                String path = hash < 0 ? link : link.substring(0, hash);
                Path target = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
                String where = root().relativize(doc) + ": (" + link + ")";
                if (!Files.exists(target)) {
                    broken.add(where + " no such file");
                } else if (hash >= 0 && target.toString().endsWith(".md")
                        && !anchors(target).contains(link.substring(hash + 1))) {
                    broken.add(where + " no such heading in " + root().relativize(target));
                }
            }
        }
        assertThat(checked).as("relative links in README.md and docs/").isGreaterThan(50);
        assertThat(broken).isEmpty();
    }

    @Test
    void everyDocsPageIsReachableFromTheReadme() throws IOException {
        Set<Path> reached = new HashSet<>();
        List<Path> todo = new ArrayList<>(List.of(root().resolve("README.md")));
        while (!todo.isEmpty()) {
            Path doc = todo.remove(todo.size() - 1);
            if (!reached.add(doc)) {
                continue;
            }
            for (String link : links(doc)) {
                String path = link.contains("#") ? link.substring(0, link.indexOf('#')) : link;
                Path target = doc.getParent().resolve(path).normalize();
                if (path.endsWith(".md") && Files.exists(target)) {
                    todo.add(target);
                }
            }
        }
        List<Path> unreached = DocumentationExamplesTest.documents().stream()
                .filter(p -> !reached.contains(p))
                .map(p -> root().relativize(p))
                .toList();
        assertThat(unreached).as("pages no link leads to").isEmpty();
    }

    @Test
    void slugsFollowGitHub() {
        assertThat(slug("`sandbox4j doctor`")).isEqualTo("sandbox4j-doctor");
        assertThat(slug("1. What a program can do to its own session's later results"))
                .isEqualTo("1-what-a-program-can-do-to-its-own-sessions-later-results");
        assertThat(slug("Stateful sessions (kernels)")).isEqualTo("stateful-sessions-kernels");
        assertThat(slug("MCP and agent frameworks: LangChain4j and Spring AI"))
                .isEqualTo("mcp-and-agent-frameworks-langchain4j-and-spring-ai");
    }
}
