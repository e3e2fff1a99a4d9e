package dev.sandbox4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes backend is written against the SPI ({@code dev.sandbox4j.spi}) and the API ({@code dev.sandbox4j}
 * and its model packages) only, never against the engine: no class of its main code refers to a type in
 * {@code dev.sandbox4j.internal} or {@code dev.sandbox4j.core}. Read from the compiled classes, so fully qualified
 * names and inherited constants count too.
 */
class EngineIndependenceTest {
    private static final List<String> ENGINE_PACKAGES = List.of("dev/sandbox4j/internal/", "dev/sandbox4j/core/");

    @Test
    void mainClassesReferToNoEngineType() throws Exception {
        Path classes = Path.of(KubernetesBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes.resolve("dev/sandbox4j/kubernetes/KubernetesBackend.class")).as("the compiled main classes")
                .isRegularFile();

        Set<String> found = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(classes)) {
            for (Path file : walk.filter(f -> f.toString().endsWith(".class")).toList()) {
                for (String type : engineTypes(Files.readAllBytes(file))) {
                    found.add(classes.relativize(file) + " -> " + type);
                }
            }
        }

        assertThat(found).as("references from the Kubernetes backend to engine types").isEmpty();
    }

    /** The engine types a class file names (in its constant pool: class names and descriptors). */
    static Set<String> engineTypes(byte[] classFile) {
        String text = new String(classFile, StandardCharsets.ISO_8859_1);
        Set<String> types = new TreeSet<>();
        for (String prefix : ENGINE_PACKAGES) {
            for (int i = text.indexOf(prefix); i >= 0; i = text.indexOf(prefix, i + 1)) {
                int end = i;
                while (end < text.length() && isNameChar(text.charAt(end))) {
                    end++;
                }
                types.add(text.substring(i, end).replace('/', '.'));
            }
        }
        return types;
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'
                || c == '/';
    }
}
