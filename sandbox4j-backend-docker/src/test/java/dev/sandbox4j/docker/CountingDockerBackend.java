package dev.sandbox4j.docker;

import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Docker backend with a count of the engine calls the engine's hot paths should not make: execs (each one tens
 * of milliseconds) and inspects. For tests that show an operation takes no engine round trip.
 */
final class CountingDockerBackend implements SandboxBackend {
    /** The threads that called, one entry per call (a pool's refill calls on threads of its own). */
    final java.util.Queue<Thread> execs = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.Queue<Thread> inspects = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final SandboxBackend docker;

    private CountingDockerBackend(SandboxBackend docker) {
        this.docker = docker;
    }

    /** A factory handing out one counting backend (see {@link #backend}). */
    static final class Factory implements SandboxBackendFactory {
        volatile @Nullable CountingDockerBackend backend;

        @Override
        public String name() {
            return "docker";
        }

        @Override
        public Availability probe(BackendConfig config) {
            return new DockerBackendFactory().probe(config);
        }

        @Override
        public SandboxBackend create(BackendConfig config) {
            CountingDockerBackend b = new CountingDockerBackend(new DockerBackendFactory().create(config));
            backend = b;
            return b;
        }
    }

    /** How many execs {@code t} made. */
    long execsBy(Thread t) {
        return execs.stream().filter(x -> x == t).count();
    }

    /** How many inspects {@code t} made. */
    long inspectsBy(Thread t) {
        return inspects.stream().filter(x -> x == t).count();
    }

    @Override
    public String name() {
        return docker.name();
    }

    @Override
    public String describe() {
        return docker.describe();
    }

    @Override
    public boolean imageExists(String image) {
        inspects.add(Thread.currentThread());
        return docker.imageExists(image);
    }

    @Override
    public @Nullable Map<String, String> imageLabels(String image) {
        inspects.add(Thread.currentThread());
        return docker.imageLabels(image);
    }

    @Override
    public Box create(BoxSpec spec) {
        return docker.create(spec);
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        execs.add(Thread.currentThread());
        return docker.exec(box, request, sink);
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, InputStream stdin, OutputSink sink) {
        execs.add(Thread.currentThread());
        return docker.exec(box, request, stdin, sink);
    }

    @Override
    public void setNetwork(Box box, @Nullable String network) {
        docker.setNetwork(box, network);
    }

    @Override
    public boolean killAll(Box box, String user) {
        return docker.killAll(box, user);
    }

    @Override
    public long oomKillCount(Box box) {
        return docker.oomKillCount(box);
    }

    @Override
    public void remove(String boxId) {
        docker.remove(boxId);
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        return docker.list(labels);
    }

    @Override
    public boolean isRunning(Box box) {
        inspects.add(Thread.currentThread());
        return docker.isRunning(box);
    }

    @Override
    public void close() {
        docker.close();
    }
}
