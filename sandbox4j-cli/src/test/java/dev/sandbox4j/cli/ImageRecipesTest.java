package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.LanguageInfo;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageRecipesTest {
    static final List<String> RECIPES = List.of("python", "r");
    static final LanguageInfo PYTHON = new LanguageInfo("python", Set.of("py"), Set.of("py"),
            "sandbox4j/python:bookworm", true);
    static final LanguageInfo TOY = new LanguageInfo("toy", Set.of("ty"), Set.of("toy"), "sandbox4j/toys:bookworm",
            false, "toys");
    static final List<LanguageInfo> LANGUAGES = List.of(PYTHON, TOY);

    @Test
    void namesAreRecipesTheBaseOrLanguagesThatNameARecipe() {
        assertThat(ImageRecipes.resolve(List.of("R", "base", "py", "python"), LANGUAGES, RECIPES))
                .containsExactly("r", "base", "python");
        assertThat(ImageRecipes.withoutRecipe(LANGUAGES, RECIPES)).containsExactly(TOY);
    }

    @Test
    void aLanguageWithoutItsRecipeIsExplained() {
        assertThatThrownBy(() -> ImageRecipes.resolve(List.of("ty"), LANGUAGES, RECIPES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("language 'toy' runs in sandbox4j/toys:bookworm, built from the image recipe 'toys', which "
                        + "this sandbox4j does not have (recipes: python, r): build that image yourself, or run the "
                        + "language in another image (run --image IMAGE; serve and mcp --image toy=IMAGE)");
        assertThatThrownBy(() -> ImageRecipes.resolve(List.of("cobol"), LANGUAGES, RECIPES))
                .hasMessage("Expected language one of [python, r] but was 'cobol'");
    }
}
