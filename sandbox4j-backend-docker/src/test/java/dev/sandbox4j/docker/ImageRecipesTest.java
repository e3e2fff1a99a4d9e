package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

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
    void everyLanguageHasARecipeOnTheClassPath() {
        for (String language : DockerImageBuilder.buildableLanguages()) {
            SortedMap<String, byte[]> recipe = LanguageImages.readRecipe(language);
            assertThat(recipe).as(language).containsKey("Dockerfile");
            assertThat(new String(recipe.get("Dockerfile"), StandardCharsets.UTF_8)).as(language).contains("BASE");
        }
    }
}
