package dev.sandbox4j.cli;

import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.docker.DockerImageBuilder;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Severity;
import dev.sandbox4j.tools.SandboxTools;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Lists the help texts show, taken from where they are defined (the language handlers, the policy presets, the image
 * recipes, the tool catalog), never written by hand. The nested classes are picocli completion candidates: an
 * option's description shows them through {@code ${COMPLETION-CANDIDATES}}.
 */
final class Registries {
    private Registries() {}

    /** The engine's languages, sorted by id. */
    static List<LanguageInfo> languages() {
        return Sandbox4j.languages().stream().sorted(java.util.Comparator.comparing(LanguageInfo::id)).toList();
    }

    /** Language ids, sorted. */
    static List<String> ids() {
        return languages().stream().map(LanguageInfo::id).toList();
    }

    /** Language ids, sorted. */
    static final class Languages implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ids().iterator();
        }
    }

    /** Policy preset names, from permissive to strict. */
    static final class Presets implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return SecurityPolicy.presetNames().iterator();
        }
    }

    /** Severity names, lowest first. */
    static final class Severities implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Severity.values()).map(Severity::wireName).iterator();
        }
    }

    /** Languages with an image recipe ({@code sandbox4j images build}). */
    static final class Images implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return DockerImageBuilder.buildableLanguages().iterator();
        }
    }

    /** The tools of the MCP server, in their order. */
    static List<String> tools() {
        return SandboxTools.toolNames();
    }

    /**
     * A help section: one line per language with its aliases and file extensions, e.g.
     * {@code   python      py, python3          .py}.
     */
    static String languageTable() {
        StringBuilder sb = new StringBuilder();
        for (LanguageInfo h : languages()) {
            String aliases = String.join(", ", new TreeSet<>(h.aliases()));
            String exts = new TreeSet<>(h.fileExtensions()).stream().map(e -> "." + e).collect(Collectors.joining(" "));
            String line = String.format("  %-11s %-26s %s", h.id(), aliases.isEmpty() ? "-" : aliases, exts);
            sb.append(line.stripTrailing()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** {@code .cc .cpp ...}: every extension the languages claim. */
    static String extensionList() {
        return languages().stream().flatMap(l -> l.fileExtensions().stream()).sorted().map(e -> "." + e)
                .collect(Collectors.joining(" "));
    }
}
