package dev.sandbox4j.docker;

import com.github.dockerjava.api.model.Container;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.tck.SandboxTck;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The compatibility kit on Docker with its default runtime (runc). */
class DockerRuncTckIT extends SandboxTck {
    private static SandboxClient client;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        DockerTestSupport.assertNoLeftovers();
    }

    @Override
    protected SandboxClient client() {
        return client;
    }

    @Override
    protected SessionOptions.Builder options() {
        return DockerTestSupport.options();
    }

    @Override
    protected Set<String> liveBoxes() {
        return DockerTestSupport.leftovers().stream().map(Container::getId).collect(Collectors.toSet());
    }
}
