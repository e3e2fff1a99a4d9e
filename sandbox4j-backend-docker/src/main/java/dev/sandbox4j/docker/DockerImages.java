package dev.sandbox4j.docker;

import static dev.sandbox4j.docker.EngineCalls.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.sandbox4j.BackendException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The backend's image operations on the engine: whether an image is there, its labels, building one from a context
 * directory (images of installed libraries) and removing one. The runtime images themselves are built by
 * {@link DockerImageBuilder}.
 */
final class DockerImages {
    private final DockerClient docker;

    DockerImages(DockerClient docker) {
        this.docker = docker;
    }

    boolean exists(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw fail("inspect image " + image, e);
        }
    }

    @Nullable Map<String, String> labels(String image) {
        try {
            InspectImageResponse r = docker.inspectImageCmd(image).exec();
            return r.getConfig() == null || r.getConfig().getLabels() == null ? Map.of()
                    : Map.copyOf(r.getConfig().getLabels());
        } catch (NotFoundException e) {
            return null;
        } catch (RuntimeException e) {
            throw fail("inspect image " + image, e);
        }
    }

    String build(Path contextDir, @Nullable String dockerfile, String tag, Map<String, String> labels,
            Consumer<String> progress) {
        List<String> tail = new ArrayList<>();
        BuildImageResultCallback callback = new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    for (String line : item.getStream().split("\\R")) {
                        if (!line.isBlank()) {
                            synchronized (tail) {
                                tail.add(line.strip());
                                if (tail.size() > 20) {
                                    tail.remove(0);
                                }
                            }
                            progress.accept(line.strip());
                        }
                    }
                }
                if (item.isErrorIndicated() && item.getErrorDetail() != null) {
                    synchronized (tail) {
                        tail.add("ERROR: " + item.getErrorDetail().getMessage());
                    }
                }
                super.onNext(item);
            }
        };
        try {
            docker.buildImageCmd()
                    .withBaseDirectory(contextDir.toFile())
                    .withDockerfile(contextDir.resolve(dockerfile == null ? "Dockerfile" : dockerfile).toFile())
                    .withTags(Set.of(tag))
                    .withLabels(labels)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true)
                    .exec(callback);
            return callback.awaitImageId(60, TimeUnit.MINUTES);
        } catch (RuntimeException e) {
            String last;
            synchronized (tail) {
                last = String.join("\n", tail);
            }
            throw new BackendException("docker", "building image " + tag + " failed: "
                    + DockerBackendFactory.rootMessage(e) + (last.isEmpty() ? "" : "\n" + last), e);
        }
    }

    void remove(String image) {
        try {
            docker.removeImageCmd(image).withForce(false).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            throw fail("remove image " + image, e);
        }
    }
}
