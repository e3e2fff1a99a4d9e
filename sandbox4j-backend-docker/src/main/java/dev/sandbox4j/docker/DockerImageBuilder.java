package dev.sandbox4j.docker;

import static java.util.Objects.requireNonNull;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the sandbox4j runtime images on the local Docker engine, without any registry.
 *
 * <p>The base image {@value #BASE_IMAGE} is a Debian bookworm minbase made with {@code debootstrap} on the host (this
 * needs root and the {@code debootstrap} package), stripped of documentation, apt lists and setuid/setgid bits, and
 * added to a {@code FROM scratch} image as a tar. Each language image ({@code sandbox4j/<language>:bookworm}) is built
 * {@code FROM} that base with the Dockerfile that ships in this jar under
 * {@code dev/sandbox4j/docker/images/<language>/}.
 *
 * <p>Builds are idempotent: every image carries the label {@value #RECIPE_LABEL} with a SHA-256 over its recipe
 * (for a language image, also over the base's recipe hash), and a language image also records the id of the base
 * image it was built from in {@value #BASE_IMAGE_LABEL}. An image whose labels match is "up to date" and is not
 * rebuilt unless {@code force} is set.
 *
 * <p>The parts: {@link BaseImage} (the base recipe, its hash and the debootstrap build), {@link LanguageImages} (the
 * language recipes, their hashes and builds), {@link DockerBuild} (one {@code docker build} with its output forwarded),
 * {@link ImageBuildProgress} (progress lines and heartbeats) and {@link HostBuildLock}; this class decides what to
 * build and cleans up the images it replaced.
 *
 * <p>Thread-safety: instances are thread-safe. {@link #build} is serialised within the JVM and, through the file lock
 * {@code $java.io.tmpdir/sandbox4j-images.lock}, across processes on the same host. The caller owns (and closes) the
 * {@link DockerClient}.
 */
public final class DockerImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(DockerImageBuilder.class);

    /** The base image every language image is built from. */
    public static final String BASE_IMAGE = "sandbox4j/base:bookworm";

    /** The name {@link #status(String)} and {@link #build} accept for the base image. */
    public static final String BASE = "base";

    /** Label holding the SHA-256 (hex) of the recipe an image was built from. */
    public static final String RECIPE_LABEL = "dev.sandbox4j.recipe";

    /** Label on language images holding the id of the base image they were built from. */
    public static final String BASE_IMAGE_LABEL = "dev.sandbox4j.base-image";

    private static final String TAG = "bookworm";

    /** Serialises builds within this JVM; the file lock only guards against other processes. */
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();

    private final DockerClient docker;
    private final ImageBuildProgress progress;
    private final BaseImage baseImage;
    private final LanguageImages languageImages;

    /**
     * The presence and freshness of one image.
     *
     * @param image the image reference, e.g. {@code sandbox4j/python:bookworm}
     * @param present whether the engine has an image with that tag
     * @param upToDate whether it was built from the current recipe (and, for a language image, the current base)
     */
    public record Status(String image, boolean present, boolean upToDate) {
        /** Checks the arguments. */
        public Status {
            requireNonNull(image, "image");
        }
    }

    /**
     * Creates a builder.
     *
     * @param docker the engine to build on; the caller keeps ownership
     * @param progress receives human-readable progress lines (build output, heartbeats, one summary per image); it
     *     may be called from other threads, but never concurrently
     */
    public DockerImageBuilder(DockerClient docker, Consumer<String> progress) {
        this.docker = requireNonNull(docker, "docker");
        this.progress = new ImageBuildProgress(requireNonNull(progress, "progress"));
        DockerBuild dockerBuild = new DockerBuild(this.progress);
        this.baseImage = new BaseImage(docker, this.progress, dockerBuild);
        this.languageImages = new LanguageImages(docker, dockerBuild);
    }

    /**
     * The image recipes this builder has, sorted: the directories under {@code images/} of the source tree, which
     * ship in this jar. A language's recipe is named like the language unless its handler says otherwise
     * ({@code LanguageHandler.imageRecipe()}).
     *
     * @return e.g. {@code ["cpp", "go", "java", "javascript", "python", "r", "ruby"]}
     */
    public static List<String> buildableLanguages() {
        return LanguageImages.recipeNames();
    }

    /**
     * The image reference for a language (or {@value #BASE} for the base image).
     *
     * @param language one of {@link #buildableLanguages()}, or {@value #BASE}
     * @return e.g. {@code sandbox4j/python:bookworm}
     * @throws IllegalArgumentException if the language has no recipe
     */
    public static String imageFor(String language) {
        String key = normalize(language);
        return key.equals(BASE) ? BASE_IMAGE : "sandbox4j/" + key + ":" + TAG;
    }

    /**
     * Whether the image for a language (or {@value #BASE}) is present and built from the current recipe.
     *
     * <p>A language image is up to date when its recipe label matches and, if the base image is present, it was
     * built from that base image.
     *
     * @param language one of {@link #buildableLanguages()}, or {@value #BASE}
     * @return the status; never {@code null}
     * @throws IllegalArgumentException if the language has no recipe
     * @throws BackendException if the engine cannot be asked
     */
    public Status status(String language) {
        String key = normalize(language);
        String image = imageFor(key);
        try {
            Optional<InspectImageResponse> found = inspect(image);
            if (found.isEmpty()) {
                return new Status(image, false, false);
            }
            return new Status(image, true, isUpToDate(key, found.get()));
        } catch (RuntimeException e) {
            if (e instanceof ImageUnavailableException) {
                throw e;
            }
            throw new BackendException("docker", "cannot inspect image " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the images for the given languages, and the base image when one of them needs (re)building.
     *
     * <p>Images that are up to date are skipped (a progress line says so) unless {@code force} is set, in which case
     * the base and every requested language image are rebuilt without the build cache. {@value #BASE} may be
     * requested on its own. Holds a host-wide file lock while building.
     *
     * @param languages languages from {@link #buildableLanguages()} (or {@value #BASE}); empty builds nothing
     * @param force rebuild even when up to date
     * @return the images that were built, in build order (skipped images are not included)
     * @throws IllegalArgumentException if a language has no recipe
     * @throws ImageUnavailableException if a build step fails; the message names the step, the tail of its output
     *     and what to do
     */
    public List<String> build(Collection<String> languages, boolean force) {
        requireNonNull(languages, "languages");
        Set<String> keys = new LinkedHashSet<>();
        for (String language : languages) {
            keys.add(normalize(requireNonNull(language, "language")));
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        String firstImage = imageFor(keys.iterator().next());
        JVM_LOCK.lock();
        try {
            HostBuildLock hostLock = HostBuildLock.acquire(progress::emit);
            try {
                return buildLocked(keys, force);
            } finally {
                hostLock.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageUnavailableException(firstImage, "Interrupted while waiting for the image build lock", e);
        } catch (ImageUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            // the engine failing between steps (BackendException from status(), docker-java exceptions), lock I/O
            throw new ImageUnavailableException(firstImage, "Building images failed: " + e.getMessage(), e);
        } finally {
            JVM_LOCK.unlock();
        }
    }

    private List<String> buildLocked(Set<String> keys, boolean force) {
        try {
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new ImageUnavailableException(
                    imageFor(keys.iterator().next()),
                    "Cannot reach the Docker engine (" + e.getMessage() + "). Start it (e.g. `systemctl start docker`)"
                            + " or point DOCKER_HOST at it, then build again.",
                    e);
        }

        List<String> todo = new ArrayList<>();
        for (String key : keys) {
            if (key.equals(BASE)) {
                continue;
            }
            if (force || !status(key).upToDate()) {
                todo.add(key);
            } else {
                emit(imageFor(key) + " is up to date");
            }
        }

        List<String> built = new ArrayList<>();
        Map<String, String> replaced = new LinkedHashMap<>(); // previous image id -> its tag; base last
        Map<String, String> replacedBase = new LinkedHashMap<>();
        if (keys.contains(BASE) || !todo.isEmpty()) {
            Status base = status(BASE);
            if (force || !base.upToDate()) {
                inspect(BASE_IMAGE).map(InspectImageResponse::getId).ifPresent(id -> replacedBase.put(id, BASE_IMAGE));
                long start = System.nanoTime();
                baseImage.build();
                summary(BASE_IMAGE, start);
                built.add(BASE_IMAGE);
            } else {
                emit(BASE_IMAGE + " is up to date");
            }
        }
        for (String key : todo) {
            inspect(imageFor(key)).map(InspectImageResponse::getId).ifPresent(id -> replaced.put(id, imageFor(key)));
            long start = System.nanoTime();
            languageImages.build(key, force);
            summary(imageFor(key), start);
            built.add(imageFor(key));
        }
        replaced.putAll(replacedBase);
        removeReplacedImages(replaced);
        return List.copyOf(built);
    }

    private boolean isUpToDate(String key, InspectImageResponse image) {
        Map<String, String> labels = image.getConfig() == null ? null : image.getConfig().getLabels();
        if (labels == null) {
            return false;
        }
        if (key.equals(BASE)) {
            return BaseImage.recipeHash().equals(labels.get(RECIPE_LABEL));
        }
        String baseHash = BaseImage.recipeHash();
        if (!LanguageImages.recipeHash(LanguageImages.readRecipe(key), baseHash).equals(labels.get(RECIPE_LABEL))) {
            return false;
        }
        Optional<InspectImageResponse> base = inspect(BASE_IMAGE);
        return base.isEmpty() || base.get().getId().equals(labels.get(BASE_IMAGE_LABEL));
    }

    private static String normalize(String language) {
        requireNonNull(language, "language");
        String key = language.strip().toLowerCase(Locale.ROOT);
        if (key.equals(BASE) || buildableLanguages().contains(key)) {
            return key;
        }
        throw new IllegalArgumentException("Expected language one of " + buildableLanguages() + " but was '"
                + language + "'");
    }

    private Optional<InspectImageResponse> inspect(String image) {
        return inspect(docker, image);
    }

    /** The engine's view of an image, or empty when it has none by that reference. */
    static Optional<InspectImageResponse> inspect(DockerClient docker, String image) {
        try {
            return Optional.of(docker.inspectImageCmd(image).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private void summary(String image, long startNanos) {
        long seconds = Math.round((System.nanoTime() - startNanos) / 1e9);
        String size = inspect(image).map(InspectImageResponse::getSize)
                .map(bytes -> " (" + Math.round(bytes / 1e6) + " MB)").orElse("");
        emit("built " + image + " in " + seconds + " s" + size);
    }

    /**
     * Removes earlier versions of rebuilt images once nothing tags them. One that a container still uses (or that a
     * still-tagged image was built from) is kept, with a progress line saying how to remove it later.
     */
    private void removeReplacedImages(Map<String, String> previous) {
        for (Map.Entry<String, String> entry : previous.entrySet()) {
            String id = entry.getKey();
            String shortId = id.startsWith("sha256:") ? id.substring(7, Math.min(id.length(), 19)) : id;
            try {
                InspectImageResponse old = docker.inspectImageCmd(id).exec();
                if (old.getRepoTags() == null || old.getRepoTags().isEmpty()) {
                    docker.removeImageCmd(id).withForce(false).exec();
                    LOG.debug("Removed the previous {} ({})", entry.getValue(), id);
                }
            } catch (NotFoundException e) {
                LOG.debug("The previous {} ({}) is already gone", entry.getValue(), id);
            } catch (ConflictException e) {
                emit("kept the previous " + entry.getValue() + " (" + shortId + "): it is still in use; remove it"
                        + " later with `docker image rm " + shortId + "`");
            } catch (RuntimeException e) {
                LOG.warn("Could not remove the previous {} ({}): {}", entry.getValue(), id, e.getMessage());
            }
        }
    }

    private void emit(String line) {
        progress.emit(line);
    }
}
