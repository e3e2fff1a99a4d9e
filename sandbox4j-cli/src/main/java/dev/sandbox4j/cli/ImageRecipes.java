package dev.sandbox4j.cli;

import dev.sandbox4j.LanguageInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which recipe builds which language's image. The languages come from the engine's registry (each names its recipe,
 * {@link LanguageInfo#imageRecipe()}), the recipes from the Docker backend's image builder (the directories it ships);
 * neither knows the other, so a language whose recipe is missing is found and explained here.
 */
final class ImageRecipes {
    /** The name the image builder takes for the base image. */
    static final String BASE = "base";

    private ImageRecipes() {}

    /**
     * The recipes to build for names given on the command line: a recipe's name, {@value #BASE}, or a language's id
     * or alias (its recipe).
     *
     * @throws IllegalArgumentException for a name that is none of these, or a language whose recipe is missing
     */
    static List<String> resolve(List<String> names, List<LanguageInfo> languages, List<String> recipes) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : names) {
            String key = name.strip().toLowerCase(Locale.ROOT);
            if (key.equals(BASE) || recipes.contains(key)) {
                out.add(key);
                continue;
            }
            Optional<LanguageInfo> language = languages.stream().filter(l -> l.answersTo(key)).findFirst();
            if (language.isEmpty()) {
                throw new IllegalArgumentException("Expected language one of " + recipes + " but was '"
                        + dev.sandbox4j.text.Texts.sanitize(name, 40) + "'");
            }
            if (!recipes.contains(language.get().imageRecipe())) {
                throw new IllegalArgumentException(missing(language.get(), recipes));
            }
            out.add(language.get().imageRecipe());
        }
        return List.copyOf(out);
    }

    /** The languages whose recipe the image builder does not have, in the given order. */
    static List<LanguageInfo> withoutRecipe(List<LanguageInfo> languages, List<String> recipes) {
        List<LanguageInfo> out = new ArrayList<>();
        for (LanguageInfo l : languages) {
            if (!recipes.contains(l.imageRecipe())) {
                out.add(l);
            }
        }
        return out;
    }

    /** What to say about a language whose recipe is missing: what is missing, and the two ways out. */
    static String missing(LanguageInfo language, List<String> recipes) {
        return "language '" + language.id() + "' runs in " + language.defaultImage() + ", built from the image recipe '"
                + language.imageRecipe() + "', which this sandbox4j does not have (recipes: "
                + String.join(", ", recipes) + "): build that image yourself, or run the language in another image "
                + "(run --image IMAGE; serve and mcp --image " + language.id() + "=IMAGE)";
    }
}
