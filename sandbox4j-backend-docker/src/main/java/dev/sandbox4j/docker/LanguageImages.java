package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.DockerImageBuilder.BASE_IMAGE;
import static dev.sandbox4j.docker.DockerImageBuilder.BASE_IMAGE_LABEL;
import static dev.sandbox4j.docker.DockerImageBuilder.RECIPE_LABEL;
import static dev.sandbox4j.docker.DockerImageBuilder.imageFor;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import dev.sandbox4j.ImageUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The language images ({@code sandbox4j/<recipe>:bookworm}): their recipes, which ship in this jar under
 * {@code dev/sandbox4j/docker/images/<recipe>/} (a Dockerfile built {@code FROM} the base image, plus the files
 * next to it; the source tree's {@code images/<recipe>/}), the hash of a recipe, and the build of one image. The
 * recipes are found by listing that directory: adding a language's image is adding its directory.
 */
final class LanguageImages {
    private static final String RECIPE_ROOT = "dev/sandbox4j/docker/images/";
    /** This class as a resource: it lives where the recipes do (this module's jar or classes directory). */
    private static final String SELF = "dev/sandbox4j/docker/LanguageImages.class";

    /** The recipes on the class path, listed once (the class path does not change). */
    private static final class Recipes {
        static final List<String> NAMES = list();
    }

    private final DockerClient docker;
    private final DockerBuild dockerBuild;

    LanguageImages(DockerClient docker, DockerBuild dockerBuild) {
        this.docker = docker;
        this.dockerBuild = dockerBuild;
    }

    /**
     * Builds the image of a language from its recipe, labelled with the recipe's hash and the id of the base image
     * it is built from.
     *
     * @param language a normalised language name
     * @param noCache build without the build cache
     * @throws ImageUnavailableException if the recipe cannot be read, the base image is gone or the build fails
     */
    void build(String language, boolean noCache) {
        String image = imageFor(language);
        SortedMap<String, byte[]> recipe = readRecipe(language);
        String baseId = DockerImageBuilder.inspect(docker, BASE_IMAGE).map(InspectImageResponse::getId).orElseThrow(
                () -> new ImageUnavailableException(image, BASE_IMAGE + " disappeared before " + image
                        + " could be built; build again.", null));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RECIPE_LABEL, recipeHash(recipe, BaseImage.recipeHash()));
        labels.put(BASE_IMAGE_LABEL, baseId);
        Path context = null;
        try {
            context = Files.createTempDirectory("sandbox4j-build-" + language + "-");
            for (Map.Entry<String, byte[]> file : recipe.entrySet()) {
                Path target = context.resolve(file.getKey()).normalize();
                if (!target.startsWith(context)) {
                    throw new ImageUnavailableException(image, "The recipe for " + image + " has a file outside its"
                            + " directory: " + file.getKey(), null);
                }
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            BuildImageCmd cmd = docker.buildImageCmd()
                    .withBaseDirectory(context.toFile())
                    .withDockerfile(context.resolve("Dockerfile").toFile());
            dockerBuild.run(language, image, cmd, Map.of("BASE", BASE_IMAGE), labels, noCache);
        } catch (IOException e) {
            throw new ImageUnavailableException(image, "Preparing the build context for " + image + " failed: " + e, e);
        } finally {
            if (context != null) {
                HostTools.deleteTree(context);
            }
        }
    }

    /**
     * The hash of a language recipe: the value of its image's {@value DockerImageBuilder#RECIPE_LABEL} label.
     *
     * @param recipe the recipe's files by relative path, from {@link #readRecipe}
     * @param baseHash the hash of the base recipe, {@link BaseImage#recipeHash()}
     */
    static String recipeHash(SortedMap<String, byte[]> recipe, String baseHash) {
        RecipeHash hash = new RecipeHash().text("sandbox4j language recipe v1");
        for (Map.Entry<String, byte[]> file : recipe.entrySet()) {
            hash.text(file.getKey())
                    .text(Integer.toString(file.getValue().length))
                    .bytes(file.getValue());
        }
        return hash.text("BASE=" + BASE_IMAGE)
                .text("base recipe " + baseHash)
                .hex();
    }

    /** The names of the recipe directories that hold a Dockerfile, sorted. */
    static List<String> recipeNames() {
        return Recipes.NAMES;
    }

    private static List<String> list() {
        ClassLoader loader = LanguageImages.class.getClassLoader();
        URL self = loader == null ? null : loader.getResource(SELF);
        return self == null ? List.of() : list(self);
    }

    /**
     * The recipes next to {@code self}, the URL of this class file: in the same classes directory ({@code file:}) or
     * jar ({@code jar:}, a shaded one included).
     */
    static List<String> list(URL self) {
        TreeSet<String> names = new TreeSet<>();
        try {
            switch (self.getProtocol()) {
                case "file" -> {
                    Path root = Path.of(self.toURI());
                    for (int i = 0; i < SELF.split("/").length; i++) {
                        root = root.getParent();
                    }
                    Path dir = root.resolve(RECIPE_ROOT);
                    if (Files.isDirectory(dir)) {
                        try (Stream<Path> entries = Files.list(dir)) {
                            entries.filter(d -> Files.isRegularFile(d.resolve("Dockerfile")))
                                    .forEach(d -> names.add(d.getFileName().toString()));
                        }
                    }
                }
                case "jar" -> {
                    JarURLConnection connection = (JarURLConnection) self.openConnection();
                    connection.setUseCaches(false);
                    try (JarFile jar = connection.getJarFile()) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            String name = entries.nextElement().getName();
                            if (name.startsWith(RECIPE_ROOT) && name.endsWith("/Dockerfile")) {
                                String dir = name.substring(RECIPE_ROOT.length(), name.length() - "/Dockerfile".length());
                                if (!dir.isEmpty() && dir.indexOf('/') < 0) {
                                    names.add(dir);
                                }
                            }
                        }
                    }
                }
                default -> { }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return List.of(); // listed as "no recipes"; building one names the missing resource
        }
        return List.copyOf(names);
    }

    /**
     * Reads every file of a language's recipe directory from the classpath (a directory in development, a jar entry
     * prefix in a packaged or shaded jar), keyed by path relative to the recipe directory.
     */
    static SortedMap<String, byte[]> readRecipe(String language) {
        String dir = RECIPE_ROOT + language + "/";
        ClassLoader loader = LanguageImages.class.getClassLoader();
        URL dockerfile = loader == null ? null : loader.getResource(dir + "Dockerfile");
        if (dockerfile == null) {
            throw new ImageUnavailableException(imageFor(language), "The recipe for " + imageFor(language)
                    + " (classpath resource " + dir + "Dockerfile) is missing: the sandbox4j-backend-docker jar is"
                    + " incomplete. Rebuild it with `mvn package`.", null);
        }
        SortedMap<String, byte[]> files = new TreeMap<>();
        try {
            switch (dockerfile.getProtocol()) {
                case "file" -> {
                    Path root = Path.of(dockerfile.toURI()).getParent();
                    try (Stream<Path> walk = Files.walk(root)) {
                        for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                            files.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                        }
                    }
                }
                case "jar" -> {
                    JarURLConnection connection = (JarURLConnection) dockerfile.openConnection();
                    connection.setUseCaches(false);
                    try (JarFile jar = connection.getJarFile()) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            JarEntry entry = entries.nextElement();
                            if (!entry.isDirectory() && entry.getName().startsWith(dir)) {
                                try (InputStream in = jar.getInputStream(entry)) {
                                    files.put(entry.getName().substring(dir.length()), in.readAllBytes());
                                }
                            }
                        }
                    }
                }
                default -> {
                    try (InputStream in = dockerfile.openStream()) {
                        files.put("Dockerfile", in.readAllBytes());
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new ImageUnavailableException(imageFor(language), "Cannot read the recipe for " + imageFor(language)
                    + " from " + dockerfile + ": " + e, e);
        }
        return files;
    }
}
