package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.DockerImageBuilder.BASE;
import static dev.sandbox4j.docker.DockerImageBuilder.BASE_IMAGE;

import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.sandbox4j.ImageUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code docker build} of a runtime image on the engine and forwards its output as progress lines
 * ("NAME: ..."), keeping the tail for the error message should it fail.
 */
final class DockerBuild {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);

    private final ImageBuildProgress progress;

    DockerBuild(ImageBuildProgress progress) {
        this.progress = progress;
    }

    /**
     * Runs a classic docker build (intermediate containers always removed, no pull), forwarding its output.
     *
     * @param name what the progress lines start with: the language, or {@value DockerImageBuilder#BASE}
     * @throws ImageUnavailableException if the build fails, does not finish within 60 minutes or is interrupted
     */
    void run(String name, String image, BuildImageCmd cmd, Map<String, String> buildArgs,
            Map<String, String> labels, boolean noCache) {
        OutputTail tail = new OutputTail();
        progress.emit(name + ": docker build -t " + image);
        cmd.withTags(Set.of(image))
                .withLabels(labels)
                .withRemove(true)
                .withForcerm(true)
                .withPull(false)
                .withNoCache(noCache);
        buildArgs.forEach(cmd::withBuildArg);
        ImageBuildProgress.Heartbeat building = progress.heartbeat(name, "building");
        try (StreamCallback callback = cmd.exec(new StreamCallback(name, tail))) {
            if (!callback.awaitCompletion(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new ImageUnavailableException(image, "Building " + image + " did not finish within "
                        + BUILD_TIMEOUT.toMinutes() + " minutes." + OutputTail.lastOutput(tail.text()), null);
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
                    + OutputTail.lastOutput(tail.text())
                    + (name.equals(BASE) ? "" : "\nThe build runs apt-get inside a container: check that "
                            + BaseImage.MIRROR + " is reachable from containers (`docker run --rm " + BASE_IMAGE
                            + " apt-get update`), then build again (--force also rebuilds the base)."), e);
        } finally {
            building.close();
        }
    }

    /** Forwards the build's output stream line by line and keeps its tail for error messages. */
    private final class StreamCallback extends BuildImageResultCallback {
        private final String name;
        private final OutputTail tail;

        StreamCallback(String name, OutputTail tail) {
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
                        progress.emit(name + ": " + trimmed);
                    }
                }
            }
            if (item.isErrorIndicated()) {
                String error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : null;
                if (error != null) {
                    tail.add("ERROR: " + error.strip());
                    progress.emit(name + ": ERROR: " + error.strip());
                }
            }
            super.onNext(item);
        }
    }
}
