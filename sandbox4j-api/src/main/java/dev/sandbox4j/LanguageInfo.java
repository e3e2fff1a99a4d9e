package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * What the engine knows of a language: its id, the other names it answers to, the file extensions of its programs,
 * the image it runs in by default, whether it has a kernel for stateful sessions, and the image recipe that builds its
 * default image.
 *
 * @param id canonical id, e.g. {@code "python"}
 * @param aliases other names, e.g. {@code py}, {@code python3}
 * @param fileExtensions extensions of its program files, without the dot, lower case (e.g. {@code py})
 * @param defaultImage the image it runs in unless configured otherwise
 * @param stateful whether {@link SessionOptions#stateful()} sessions are possible (it has a kernel)
 * @param imageRecipe the name of the recipe that builds {@code defaultImage} (a directory under {@code images/}, built
 *     by {@code sandbox4j images build}); usually the id
 * @since 0.2
 */
public record LanguageInfo(String id, Set<String> aliases, Set<String> fileExtensions, String defaultImage,
        boolean stateful, String imageRecipe) {
    public LanguageInfo {
        requireNonNull(id, "id");
        aliases = Set.copyOf(aliases);
        fileExtensions = Set.copyOf(fileExtensions);
        requireNonNull(defaultImage, "defaultImage");
        requireNonNull(imageRecipe, "imageRecipe");
    }

    /** A language whose image recipe is named like it. */
    public LanguageInfo(String id, Set<String> aliases, Set<String> fileExtensions, String defaultImage,
            boolean stateful) {
        this(id, aliases, fileExtensions, defaultImage, stateful, id);
    }

    /** Whether {@code name} is its id or one of its aliases (case-insensitive). */
    public boolean answersTo(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return id.equals(n) || aliases.stream().anyMatch(a -> a.equalsIgnoreCase(n));
    }
}
