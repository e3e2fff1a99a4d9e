package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.DockerImageBuilder.BASE;
import static dev.sandbox4j.docker.DockerImageBuilder.BASE_IMAGE;
import static dev.sandbox4j.docker.DockerImageBuilder.RECIPE_LABEL;
import static dev.sandbox4j.docker.OutputTail.lastOutput;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox4j.ImageUnavailableException;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The base image {@value DockerImageBuilder#BASE_IMAGE}: its recipe (a Debian bookworm minbase made with
 * {@code debootstrap} on the host, stripped of documentation, apt lists and setuid/setgid bits, added to a
 * {@code FROM scratch} image as a tar), the hash of that recipe, and its build. The build needs root, debootstrap and
 * tar on the host; {@link #build} checks them first and says what to install.
 */
final class BaseImage {
    private static final Logger LOG = LoggerFactory.getLogger(BaseImage.class);

    /** Bump when the base recipe changes in a way the constants below do not capture. */
    private static final int BASE_RECIPE_VERSION = 1;

    private static final String SUITE = "bookworm";
    static final String MIRROR = "http://deb.debian.org/debian";
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

    private static final Duration DEBOOTSTRAP_TIMEOUT = Duration.ofMinutes(30);

    private final DockerClient docker;
    private final ImageBuildProgress progress;
    private final DockerBuild dockerBuild;

    BaseImage(DockerClient docker, ImageBuildProgress progress, DockerBuild dockerBuild) {
        this.docker = docker;
        this.progress = progress;
        this.dockerBuild = dockerBuild;
    }

    /** The hash of the base recipe: the value of the base image's {@value DockerImageBuilder#RECIPE_LABEL} label. */
    static String recipeHash() {
        return new RecipeHash()
                .text("sandbox4j base recipe v" + BASE_RECIPE_VERSION)
                .text("debootstrap " + String.join(" ", DEBOOTSTRAP_ARGS) + " ROOTFS " + MIRROR)
                .text(STRIP_SCRIPT)
                .text(SOURCES_LIST)
                .text(BASE_DOCKERFILE)
                .hex();
    }

    /**
     * Builds the base image: debootstrap into a scratch directory, strip, pack, {@code docker build}. The scratch
     * directory is deleted either way.
     *
     * @throws ImageUnavailableException if a step fails, with the tail of its output and what to do
     */
    void build() {
        Path debootstrap = preflight();
        Path work = null;
        try {
            work = Files.createTempDirectory(HostTools.workDir(), "sandbox4j-base-");
            Path rootfs = Files.createDirectory(work.resolve("rootfs"));
            Path context = Files.createDirectory(work.resolve("context"));
            progress.emit("base: debootstrap " + SUITE + " from " + MIRROR + " into " + rootfs);
            List<String> command = new ArrayList<>();
            command.add(debootstrap.toString());
            command.addAll(DEBOOTSTRAP_ARGS);
            command.add(rootfs.toString());
            command.add(MIRROR);
            OutputTail tail = new OutputTail();
            int exit;
            ImageBuildProgress.Heartbeat debootstrapping = progress.heartbeat("base", "running debootstrap");
            try {
                exit = run(command, tail, line -> line.startsWith("I: ") || line.startsWith("W: ")
                        || line.startsWith("E: "), DEBOOTSTRAP_TIMEOUT);
            } finally {
                debootstrapping.close();
            }
            if (exit != 0) {
                Path log = rootfs.resolve("debootstrap/debootstrap.log");
                String logTail = Files.isRegularFile(log)
                        ? OutputTail.of(Files.readAllLines(log, StandardCharsets.UTF_8)) : "";
                throw new ImageUnavailableException(BASE_IMAGE, "debootstrap failed (exit code " + exit + ")."
                        + lastOutput(tail.text())
                        + (logTail.isEmpty() ? "" : "\ndebootstrap.log (last lines):\n" + logTail)
                        + "\nCheck that " + MIRROR + " is reachable from this host (set http_proxy if you need a"
                        + " proxy) and that debian-archive-keyring is installed, then build again.", null);
            }

            OutputTail stripTail = new OutputTail();
            int stripExit = run(List.of("sh", "-c", STRIP_SCRIPT, "sh", rootfs.toString(), SOURCES_LIST),
                    stripTail, line -> false, Duration.ofMinutes(5));
            if (stripExit != 0) {
                throw new ImageUnavailableException(BASE_IMAGE, "Stripping the debootstrapped root filesystem failed"
                        + " (exit code " + stripExit + ")." + lastOutput(stripTail.text()), null);
            }

            progress.emit("base: packing the root filesystem");
            OutputTail tarTail = new OutputTail();
            int tarExit = run(List.of("tar", "--numeric-owner", "-C", rootfs.toString(),
                    "-cf", context.resolve("rootfs.tar").toString(), "."), tarTail, line -> false,
                    Duration.ofMinutes(10));
            if (tarExit != 0) {
                throw new ImageUnavailableException(BASE_IMAGE, "tar of the root filesystem failed (exit code "
                        + tarExit + ")." + lastOutput(tarTail.text()), null);
            }
            HostTools.deleteTree(rootfs);
            Files.writeString(context.resolve("Dockerfile"), BASE_DOCKERFILE, StandardCharsets.UTF_8);

            // The context holds a tar of the root filesystem: stream it as is (docker-java would gzip a copy first).
            Process contextTar = new ProcessBuilder("tar", "-C", context.toString(), "-c", "Dockerfile", "rootfs.tar")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (InputStream in = contextTar.getInputStream()) {
                Map<String, String> labels = Map.of(RECIPE_LABEL, recipeHash());
                dockerBuild.run(BASE, BASE_IMAGE, docker.buildImageCmd(in), Map.of(), labels, true);
            } finally {
                HostTools.destroyTree(contextTar);
            }
        } catch (IOException e) {
            throw new ImageUnavailableException(BASE_IMAGE, "Building " + BASE_IMAGE + " failed: " + e, e);
        } finally {
            if (work != null) {
                HostTools.deleteTree(work);
            }
        }
    }

    /** Checks what debootstrap needs before starting; answers the debootstrap executable. */
    private static Path preflight() {
        Path debootstrap = HostTools.findExecutable("debootstrap");
        if (debootstrap == null) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": debootstrap is not"
                    + " installed. Install it (`apt-get install debootstrap` on Debian/Ubuntu, `dnf install"
                    + " debootstrap` on Fedora) and run the build again as root.", null);
        }
        if (HostTools.findExecutable("tar") == null) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": tar is not installed"
                    + " (`apt-get install tar`).", null);
        }
        long uid = HostTools.currentUid();
        if (uid != 0) {
            throw new ImageUnavailableException(BASE_IMAGE, "Cannot build " + BASE_IMAGE + ": debootstrap must run"
                    + " as root (this process runs as uid " + (uid < 0 ? "unknown" : Long.toString(uid)) + ")."
                    + " Run the image build once as root, e.g. `sudo sandbox4j images build`; the language images"
                    + " can then be rebuilt without root as long as the base image is up to date.", null);
        }
        return debootstrap;
    }

    /** Runs a host command with merged output, forwarding selected lines; answers its exit code. */
    private int run(List<String> command, OutputTail tail, Predicate<String> forward, Duration timeout) {
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
                HostTools.destroyTree(process);
                throw new ImageUnavailableException(BASE_IMAGE, tool + " did not finish within "
                        + timeout.toMinutes() + " minutes and was killed." + lastOutput(tail.text()), null);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            return process.exitValue();
        } catch (InterruptedException e) {
            HostTools.destroyTree(process);
            Thread.currentThread().interrupt();
            throw new ImageUnavailableException(BASE_IMAGE, "Interrupted while running " + tool, e);
        }
    }

    private void pump(InputStream in, OutputTail tail, Predicate<String> forward) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                tail.add(trimmed);
                if (forward.test(trimmed)) {
                    progress.emit("base: " + trimmed);
                }
            }
        } catch (IOException e) {
            LOG.debug("Output stream closed", e);
        }
    }
}
