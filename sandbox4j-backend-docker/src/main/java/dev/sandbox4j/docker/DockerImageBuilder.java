package dev.sandbox4j.docker;

import static java.util.Objects.requireNonNull;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.ImageUnavailableException;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
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

    private static final List<String> LANGUAGES = List.of("python", "javascript", "java", "r", "cpp", "go");
    private static final String TAG = "bookworm";
    private static final String RECIPE_ROOT = "dev/sandbox4j/docker/images/";

    /** Bump when the base recipe changes in a way the constants below do not capture. */
    private static final int BASE_RECIPE_VERSION = 1;

    private static final String SUITE = "bookworm";
    private static final String MIRROR = "http://deb.debian.org/debian";
    private static final List<String> DEBOOTSTRAP_ARGS =
            List.of("--variant=minbase", "--include=ca-certificates", SUITE);
    private static final String SOURCES_LIST = "deb " + MIRROR + " " + SUITE + " main\n"
            + "deb " + MIRROR + " " + SUITE + "-updates main\n"
            + "deb http://deb.debian.org/debian-security " + SUITE + "-security main\n";
    /** Run as {@code sh -c SCRIPT sh ROOTFS SOURCES_LIST}: strips what a sandbox never needs, sets the apt sources. */
    private static final String STRIP_SCRIPT = """
            set -e
            cd "$1"
            rm -rf usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/lintian/* \\
                var/lib/apt/lists/* var/cache/apt/archives/*.deb var/cache/apt/*.bin var/cache/debconf/*-old \\
                var/log/bootstrap.log var/log/dpkg.log var/log/alternatives.log var/log/apt/*
            if [ -d usr/share/locale ]; then
                find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
            fi
            # no file keeps a setuid/setgid bit: boxes run with no-new-privileges, so they could never work there
            find . -xdev -perm /6000 \\( -type f -o -type d \\) -exec chmod ug-s {} +
            rm -f etc/resolv.conf etc/hostname
            : > etc/resolv.conf
            : > etc/hostname
            printf '%s' "$2" > etc/apt/sources.list
            """;
    /** Dockerfile of the base image; its context holds {@code rootfs.tar}, the stripped debootstrap tree. */
    private static final String BASE_DOCKERFILE = """
            FROM scratch
            ADD rootfs.tar /
            ENV LANG=C.UTF-8
            CMD ["bash"]
            """;

    private static final Duration HEARTBEAT_AFTER = Duration.ofSeconds(15);
    private static final Duration DEBOOTSTRAP_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
    private static final int TAIL_LINES = 20;

    /** Serialises builds within this JVM; the file lock only guards against other processes. */
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();

    private final DockerClient docker;
    private final Consumer<String> progress;
    private final Object progressLock = new Object();
    private volatile long lastProgressNanos = System.nanoTime();

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
        this.progress = requireNonNull(progress, "progress");
    }

    /**
     * The languages this builder has recipes for.
     *
     * @return {@code ["python", "javascript", "java", "r", "cpp", "go"]}
     */
    public static List<String> buildableLanguages() {
        return LANGUAGES;
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
            HostLock hostLock = HostLock.acquire(this::emit);
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
                buildBase();
                built.add(BASE_IMAGE);
            } else {
                emit(BASE_IMAGE + " is up to date");
            }
        }
        for (String key : todo) {
            inspect(imageFor(key)).map(InspectImageResponse::getId).ifPresent(id -> replaced.put(id, imageFor(key)));
            buildLanguage(key, force);
            built.add(imageFor(key));
        }
        replaced.putAll(replacedBase);
        removeReplacedImages(replaced);
        return List.copyOf(built);
    }

    // ---------------------------------------------------------------- base image

    private void buildBase() {
        long start = System.nanoTime();
        Path debootstrap = preflightBase();
        Path work = null;
        try {
            work = Files.createTempDirectory(workDir(), "sandbox4j-base-");
            Path rootfs = Files.createDirectory(work.resolve("rootfs"));
            Path context = Files.createDirectory(work.resolve("context"));
            emit("base: debootstrap " + SUITE + " from " + MIRROR + " into " + rootfs);
            List<String> command = new ArrayList<>();
            command.add(debootstrap.toString());
            command.addAll(DEBOOTSTRAP_ARGS);
            command.add(rootfs.toString());
            command.add(MIRROR);
            Tail tail = new Tail();
            int exit;
            Heartbeat debootstrapping = new Heartbeat("base", "running debootstrap");
            try {
                exit = run(command, tail, line -> line.startsWith("I: ") || line.startsWith("W: ")
                        || line.startsWith("E: "), DEBOOTSTRAP_TIMEOUT);
            } finally {
                debootstrapping.close();
            }
            if (exit != 0) {
                Path log = rootfs.resolve("debootstrap/debootstrap.log");
                String logTail = Files.isRegularFile(log) ? tailOf(Files.readAllLines(log, StandardCharsets.UTF_8))
                        : "";
                throw new ImageUnavailableException(BASE_IMAGE, "debootstrap failed (exit code " + exit + ")."
                        + lastOutput(tail.text())
                        + (logTail.isEmpty() ? "" : "\ndebootstrap.log (last lines):\n" + logTail)
                        + "\nCheck that " + MIRROR + " is reachable from this host (set http_proxy if you need a"
                        + " proxy) and that debian-archive-keyring is installed, then build again.", null);
            }

            Tail stripTail = new Tail();
            int stripExit = run(List.of("sh", "-c", STRIP_SCRIPT, "sh", rootfs.toString(), SOURCES_LIST),
                    stripTail, line -> false, Duration.ofMinutes(5));
            if (stripExit != 0) {
                throw new ImageUnavailableException(BASE_IMAGE, "Stripping the debootstrapped root filesystem failed"
                        + " (exit code " + stripExit + ")." + lastOutput(stripTail.text()), null);
            }

            emit("base: packing the root filesystem");
            Tail tarTail = new Tail();
            int tarExit = run(List.of("tar", "--numeric-owner", "-C", rootfs.toString(),
                    "-cf", context.resolve("rootfs.tar").toString(), "."), tarTail, line -> false,
                    Duration.ofMinutes(10));
            if (tarExit != 0) {
                throw new ImageUnavailableException(BASE_IMAGE, "tar of the root filesystem failed (exit code "
                        + tarExit + ")." + lastOutput(tarTail.text()), null);
            }
            deleteTree(rootfs);
            Files.writeString(context.resolve("Dockerfile"), BASE_DOCKERFILE, StandardCharsets.UTF_8);

            // The context holds a tar of the root filesystem: stream it as is (docker-java would gzip a copy first).
            Process contextTar = new ProcessBuilder("tar", "-C", context.toString(), "-c", "Dockerfile", "rootfs.tar")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (InputStream in = contextTar.getInputStream()) {
                Map<String, String> labels = Map.of(RECIPE_LABEL, baseRecipeHash());
                dockerBuild(BASE, BASE_IMAGE, docker.buildImageCmd(in), Map.of(), labels, true);
            } finally {
                destroyTree(contextTar);
            }
        } catch (IOException e) {
            throw new ImageUnavailableException(BASE_IMAGE, "Building " + BASE_IMAGE + " failed: " + e, e);
        } finally {
            if (work != null) {
                deleteTree(work);
            }
        }
        summary(BASE_IMAGE, start);
    }

    /** Checks what debootstrap needs before starting; answers the debootstrap executable. */
    private static Path preflightBase() {
        Path debootstrap = findExecutable("debootstrap");
        if (debootstrap == null) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": debootstrap is not"
                    + " installed. Install it (`apt-get install debootstrap` on Debian/Ubuntu, `dnf install"
                    + " debootstrap` on Fedora) and run the build again as root.", null);
        }
        if (findExecutable("tar") == null) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": tar is not installed"
                    + " (`apt-get install tar`).", null);
        }
        long uid = currentUid();
        if (uid != 0) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": debootstrap must run"
                    + " as root (this process runs as uid " + (uid < 0 ? "unknown" : Long.toString(uid)) + ")."
                    + " Run the image build once as root, e.g. `sudo sandbox4j images build`; the language images"
                    + " can then be rebuilt without root as long as the base image is up to date.", null);
        }
        return debootstrap;
    }

    // ---------------------------------------------------------------- language images

    private void buildLanguage(String language, boolean force) {
        long start = System.nanoTime();
        String image = imageFor(language);
        SortedMap<String, byte[]> recipe = readRecipe(language);
        String baseId = inspect(BASE_IMAGE).map(InspectImageResponse::getId).orElseThrow(
                () -> new ImageUnavailableException(image, BASE_IMAGE + " disappeared before " + image
                        + " could be built; build again.", null));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RECIPE_LABEL, languageRecipeHash(recipe, baseRecipeHash()));
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
            dockerBuild(language, image, cmd, Map.of("BASE", BASE_IMAGE), labels, force);
        } catch (IOException e) {
            throw new ImageUnavailableException(image, "Preparing the build context for " + image + " failed: " + e, e);
        } finally {
            if (context != null) {
                deleteTree(context);
            }
        }
        summary(image, start);
    }

    /** Runs a classic docker build (intermediate containers always removed, no pull), forwarding its output. */
    private void dockerBuild(String name, String image, BuildImageCmd cmd, Map<String, String> buildArgs,
            Map<String, String> labels, boolean noCache) {
        Tail tail = new Tail();
        emit(name + ": docker build -t " + image);
        cmd.withTags(Set.of(image))
                .withLabels(labels)
                .withRemove(true)
                .withForcerm(true)
                .withPull(false)
                .withNoCache(noCache);
        buildArgs.forEach(cmd::withBuildArg);
        Heartbeat building = new Heartbeat(name, "building");
        try (StreamCallback callback = cmd.exec(new StreamCallback(name, tail))) {
            if (!callback.awaitCompletion(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new ImageUnavailableException(image, "Building " + image + " did not finish within "
                        + BUILD_TIMEOUT.toMinutes() + " minutes." + lastOutput(tail.text()), null);
            }
            callback.awaitImageId();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageUnavailableException(image, "Interrupted while building " + image, e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageUnavailableException iue) {
                throw iue;
            }
            throw new ImageUnavailableException(image, "Building " + image + " failed: " + e.getMessage()
                    + lastOutput(tail.text())
                    + (name.equals(BASE) ? "" : "\nThe build runs apt-get inside a container: check that " + MIRROR
                            + " is reachable from containers (`docker run --rm " + BASE_IMAGE + " apt-get update`),"
                            + " then build again (--force also rebuilds the base)."), e);
        } finally {
            building.close();
        }
    }

    /** Forwards the build's output stream line by line and keeps its tail for error messages. */
    private final class StreamCallback extends BuildImageResultCallback {
        private final String name;
        private final Tail tail;

        StreamCallback(String name, Tail tail) {
            this.name = name;
            this.tail = tail;
        }

        @Override
        public void onNext(BuildResponseItem item) {
            String stream = item.getStream();
            if (stream != null) {
                for (String line : stream.split("\\R")) {
                    String trimmed = line.strip();
                    if (!trimmed.isEmpty()) {
                        tail.add(trimmed);
                        emit(name + ": " + trimmed);
                    }
                }
            }
            if (item.isErrorIndicated()) {
                String error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : null;
                if (error != null) {
                    tail.add("ERROR: " + error.strip());
                    emit(name + ": ERROR: " + error.strip());
                }
            }
            super.onNext(item);
        }
    }

    // ---------------------------------------------------------------- recipes and hashes

    private boolean isUpToDate(String key, InspectImageResponse image) {
        Map<String, String> labels = image.getConfig() == null ? null : image.getConfig().getLabels();
        if (labels == null) {
            return false;
        }
        if (key.equals(BASE)) {
            return baseRecipeHash().equals(labels.get(RECIPE_LABEL));
        }
        String baseHash = baseRecipeHash();
        if (!languageRecipeHash(readRecipe(key), baseHash).equals(labels.get(RECIPE_LABEL))) {
            return false;
        }
        Optional<InspectImageResponse> base = inspect(BASE_IMAGE);
        return base.isEmpty() || base.get().getId().equals(labels.get(BASE_IMAGE_LABEL));
    }

    private static String baseRecipeHash() {
        MessageDigest sha = sha256();
        update(sha, "sandbox4j base recipe v" + BASE_RECIPE_VERSION);
        update(sha, "debootstrap " + String.join(" ", DEBOOTSTRAP_ARGS) + " ROOTFS " + MIRROR);
        update(sha, STRIP_SCRIPT);
        update(sha, SOURCES_LIST);
        update(sha, BASE_DOCKERFILE);
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String languageRecipeHash(SortedMap<String, byte[]> recipe, String baseHash) {
        MessageDigest sha = sha256();
        update(sha, "sandbox4j language recipe v1");
        for (Map.Entry<String, byte[]> file : recipe.entrySet()) {
            update(sha, file.getKey());
            update(sha, Integer.toString(file.getValue().length));
            sha.update(file.getValue());
        }
        update(sha, "BASE=" + BASE_IMAGE);
        update(sha, "base recipe " + baseHash);
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, String text) {
        sha.update(text.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Reads every file of a language's recipe directory from the classpath (a directory in development, a jar entry
     * prefix in a packaged or shaded jar), keyed by path relative to the recipe directory.
     */
    private static SortedMap<String, byte[]> readRecipe(String language) {
        String dir = RECIPE_ROOT + language + "/";
        ClassLoader loader = DockerImageBuilder.class.getClassLoader();
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

    private static String normalize(String language) {
        requireNonNull(language, "language");
        String key = language.strip().toLowerCase(Locale.ROOT);
        if (key.equals(BASE) || LANGUAGES.contains(key)) {
            return key;
        }
        throw new IllegalArgumentException("Expected language one of " + LANGUAGES + " but was '" + language + "'");
    }

    // ---------------------------------------------------------------- engine helpers

    private Optional<InspectImageResponse> inspect(String image) {
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

    // ---------------------------------------------------------------- processes and files

    /** Runs a host command with merged output, forwarding selected lines; answers its exit code. */
    private int run(List<String> command, Tail tail, Predicate<String> forward, Duration timeout) {
        String tool = Path.of(command.get(0)).getFileName().toString();
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot start " + tool + ": " + e, e);
        }
        Thread reader = Thread.ofPlatform().daemon().name("sandbox4j-" + tool + "-output")
                .start(() -> pump(process.getInputStream(), tail, forward));
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                destroyTree(process);
                throw new ImageUnavailableException(BASE_IMAGE, tool + " did not finish within "
                        + timeout.toMinutes() + " minutes and was killed." + lastOutput(tail.text()), null);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            return process.exitValue();
        } catch (InterruptedException e) {
            destroyTree(process);
            Thread.currentThread().interrupt();
            throw new ImageUnavailableException(BASE_IMAGE, "Interrupted while running " + tool, e);
        }
    }

    private void pump(InputStream in, Tail tail, Predicate<String> forward) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                tail.add(trimmed);
                if (forward.test(trimmed)) {
                    emit("base: " + trimmed);
                }
            }
        } catch (IOException e) {
            LOG.debug("Output stream closed", e);
        }
    }

    private static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes a directory tree with {@code rm -rf --one-file-system} (a root filesystem holds device nodes and may
     * still have a killed debootstrap's mounts under it: those are unmounted first and never descended into).
     */
    private static void deleteTree(Path dir) {
        unmountBelow(dir);
        try {
            Process rm = new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString())
                    .redirectErrorStream(true).start();
            String output = new String(rm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (rm.waitFor() != 0) {
                LOG.warn("Could not delete {}: {}", dir, output.strip());
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}", dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while deleting {}", dir);
        }
    }

    private static void unmountBelow(Path dir) {
        Path mounts = Path.of("/proc/self/mounts");
        if (!Files.isReadable(mounts)) {
            return;
        }
        try {
            String prefix = dir.toAbsolutePath() + "/";
            List<String> points = new ArrayList<>();
            for (String line : Files.readAllLines(mounts, StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 1) {
                    String point = fields[1].replace("\\040", " ");
                    if (point.startsWith(prefix)) {
                        points.add(0, point);
                    }
                }
            }
            for (String point : points) {
                new ProcessBuilder("umount", "-l", point).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            LOG.debug("Could not check mounts below {}", dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where the root filesystem is assembled: /var/tmp (on disk; dev, exec allowed) if usable, else java.io.tmpdir. */
    private static Path workDir() {
        Path varTmp = Path.of("/var/tmp");
        if (Files.isDirectory(varTmp) && Files.isWritable(varTmp)) {
            return varTmp;
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static @Nullable Path findExecutable(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The effective uid of this process, or -1 if it cannot be told. */
    private static long currentUid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (uid instanceof Integer i) {
                return i;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.debug("Cannot read the uid from /proc/self", e);
        }
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return id.waitFor() == 0 ? Long.parseLong(out) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String tailOf(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    private static String lastOutput(String tail) {
        return tail.isEmpty() ? "" : "\nLast output:\n" + tail;
    }

    // ---------------------------------------------------------------- progress

    private void emit(String line) {
        synchronized (progressLock) {
            lastProgressNanos = System.nanoTime();
            try {
                progress.accept(line);
            } catch (RuntimeException e) {
                LOG.warn("Progress listener failed on line '{}'", line, e);
            }
        }
    }

    /** The last {@value #TAIL_LINES} lines of a tool's output. */
    private static final class Tail {
        private final Deque<String> lines = new ArrayDeque<>();

        synchronized void add(String line) {
            lines.addLast(line);
            if (lines.size() > TAIL_LINES) {
                lines.removeFirst();
            }
        }

        synchronized String text() {
            return lines.isEmpty() ? "" : "  " + String.join("\n  ", lines);
        }
    }

    /** Prints "NAME: still PHASE (N s)" whenever nothing was printed for {@link #HEARTBEAT_AFTER}. */
    private final class Heartbeat implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sandbox4j-image-heartbeat").factory());

        Heartbeat(String name, String phase) {
            long start = System.nanoTime();
            timer.scheduleWithFixedDelay(() -> {
                long now = System.nanoTime();
                if (now - lastProgressNanos >= HEARTBEAT_AFTER.toNanos()) {
                    emit(name + ": still " + phase + " (" + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s)");
                }
            }, 1, 1, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** The host-wide build lock: a {@link FileLock} on {@code $java.io.tmpdir/sandbox4j-images.lock}. */
    private static final class HostLock implements AutoCloseable {
        private final @Nullable FileChannel channel;

        private HostLock(@Nullable FileChannel channel) {
            this.channel = channel;
        }

        static HostLock acquire(Consumer<String> progress) throws InterruptedException {
            Path file = Path.of(System.getProperty("java.io.tmpdir"), "sandbox4j-images.lock");
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException | SecurityException e) {
                LOG.warn("Cannot open the image build lock {}; building without it: {}", file, e.toString());
                return new HostLock(null);
            }
            try {
                // other users build too (as root for the base, as themselves for the rest): let them lock it
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                LOG.debug("Cannot open up the permissions of {}", file, e);
            }
            try {
                if (channel.tryLock() == null) {
                    progress.accept("waiting for another sandbox4j image build to finish (lock " + file + ")");
                    channel.lock();
                }
                return new HostLock(channel);
            } catch (IOException e) {
                closeQuietly(channel);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for " + file);
                }
                throw new UncheckedIOException("Cannot lock " + file, e);
            }
        }

        @Override
        public void close() {
            if (channel != null) {
                closeQuietly(channel);
            }
        }

        private static void closeQuietly(FileChannel channel) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("Closing the lock file failed", e);
            }
        }
    }
}
