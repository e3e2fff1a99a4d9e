package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.LanguageRegistry;
import dev.sandbox4j.spi.LanguageHandler;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe hashes that label the runtime images. Every image on every engine carries one: a hash that changes
 * without its recipe changing makes every image out of date, and the next build rebuilds them all. So the hashes are
 * pinned here; change a pinned value only together with the recipe (or the way it is hashed), on purpose.
 */
class ImageRecipesTest {

    @Test
    void theBaseRecipeHashIsStable() {
        // the label of the sandbox4j/base:bookworm images built before the image builder was split into parts
        assertThat(BaseImage.recipeHash())
                .isEqualTo("01895c035706354a0ac2efc7610410b870c9658e92b24081509b83c87af01e90");
    }

    @Test
    void aLanguageRecipeHashCoversEveryFileAndTheBaseRecipe() {
        SortedMap<String, byte[]> recipe = new TreeMap<>();
        recipe.put("Dockerfile", "ARG BASE\nFROM ${BASE}\nRUN true\n".getBytes(StandardCharsets.UTF_8));
        recipe.put("files/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));

        String hash = LanguageImages.recipeHash(recipe, "0123abcd");

        // computed by the image builder before it was split into parts
        assertThat(hash).isEqualTo("292c0b60d0ef8cad977e4a4f550194e843bfcd99d2bd05c3d9e2414c253bfeb7");
        assertThat(LanguageImages.recipeHash(recipe, "0123abce")).isNotEqualTo(hash);
        SortedMap<String, byte[]> edited = new TreeMap<>(recipe);
        edited.put("files/run.sh", "#!/bin/sh\necho ho\n".getBytes(StandardCharsets.UTF_8));
        assertThat(LanguageImages.recipeHash(edited, "0123abcd")).isNotEqualTo(hash);
    }

    @Test
    void theRecipesAreTheDirectoriesOfTheImagesFolder() throws Exception {
        Path images = Path.of("..", "images");
        List<String> dirs;
        try (Stream<Path> s = Files.list(images)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).map(d -> d.getFileName().toString())
                    .sorted().toList();
        }
        assertThat(dirs).contains("python", "r");
        assertThat(DockerImageBuilder.buildableLanguages()).isEqualTo(dirs);
    }

    @Test
    void recipesAreListedFromAJarToo(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("backend.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : List.of("dev/sandbox4j/docker/LanguageImages.class",
                    "dev/sandbox4j/docker/images/", "dev/sandbox4j/docker/images/zig/Dockerfile",
                    "dev/sandbox4j/docker/images/zig/files/run.sh", "dev/sandbox4j/docker/images/ada/Dockerfile",
                    "dev/sandbox4j/docker/images/notes/README", "dev/sandbox4j/docker/images/a/b/Dockerfile")) {
                out.putNextEntry(new JarEntry(entry));
                out.closeEntry();
            }
        }
        URL self = new URL("jar:" + jar.toUri() + "!/dev/sandbox4j/docker/LanguageImages.class");
        assertThat(LanguageImages.list(self)).containsExactly("ada", "zig");
    }

    @Test
    void everyLanguageOfTheEngineHasItsRecipe() {
        for (LanguageHandler h : LanguageRegistry.discover(List.of()).handlers()) {
            assertThat(DockerImageBuilder.buildableLanguages()).as(h.id()).contains(h.imageRecipe());
            assertThat(DockerImageBuilder.imageFor(h.imageRecipe())).as(h.id()).isEqualTo(h.defaultImage());
        }
    }

    @Test
    void everyLanguageHasARecipeOnTheClassPath() {
        for (String language : DockerImageBuilder.buildableLanguages()) {
            SortedMap<String, byte[]> recipe = LanguageImages.readRecipe(language);
            assertThat(recipe).as(language).containsKey("Dockerfile");
            assertThat(new String(recipe.get("Dockerfile"), StandardCharsets.UTF_8)).as(language).contains("BASE");
        }
    }
}
