package dev.sandbox4j.testing;

import dev.sandbox4j.ImageUnavailableException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An in-memory backend for unit tests: boxes are records, execs answer with a scripted {@link Behaviour}. Records
 * every request so tests can assert what the core asked for.
 */
public final class FakeBackend implements SandboxBackend {

    /** What one exec does: write output, then exit, or hang until killed. */
    public record Behaviour(byte[] stdout, byte[] stderr, int exitCode, boolean hangUntilKilled, boolean oomKill) {
        public static Behaviour exit(int code, String stdout, String stderr) {
            return new Behaviour(stdout.getBytes(), stderr.getBytes(), code, false, false);
        }

        public static Behaviour hang(String stdout) {
            return new Behaviour(stdout.getBytes(), new byte[0], 137, true, false);
        }

        public static Behaviour flood(int bytes) {
            byte[] b = new byte[bytes];
            java.util.Arrays.fill(b, (byte) 'x');
            return new Behaviour(b, new byte[0], 137, true, false);
        }

        public static Behaviour oom() {
            return new Behaviour(new byte[0], new byte[0], 137, false, true);
        }
    }

    public final Map<String, Box> boxes = new ConcurrentHashMap<>();
    public final Map<String, Map<String, String>> foreignBoxes = new ConcurrentHashMap<>();
    public final List<ExecRequest> execs = new CopyOnWriteArrayList<>();
    public final List<String> removed = new CopyOnWriteArrayList<>();
    public final AtomicInteger kills = new AtomicInteger();
    public final AtomicLong oomKills = new AtomicLong();
    public final Set<String> images = ConcurrentHashMap.newKeySet();
    private final List<CompletableFuture<Integer>> hanging = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    public volatile Function<ExecRequest, Behaviour> behaviour = r -> Behaviour.exit(0, "", "");
    /** While this latch is not counted down, {@link #create} waits for it (counted in {@link #creating}). */
    public volatile java.util.concurrent.CountDownLatch createGate = new java.util.concurrent.CountDownLatch(0);
    /** Creations waiting at {@link #createGate}. */
    public final AtomicInteger creating = new AtomicInteger();
    public volatile boolean closed;
    /**
     * What happened, in order: {@code "kill"} for {@link #killAll}, {@code "network:<name>"} / {@code "network:null"}
     * for {@link #setNetwork}, {@code "exec"} for every exec (and {@code "exec-stream"} for streaming ones).
     */
    public final List<String> events = new CopyOnWriteArrayList<>();
    /** Networks passed to {@link #setNetwork}, in order ({@code null} for a disconnect). */
    public final List<String> networks = new CopyOnWriteArrayList<>();
    /** Thrown by {@link #setNetwork} when connecting (non-null network), if set. */
    public volatile RuntimeException connectFailure;
    /** Thrown by {@link #setNetwork} when disconnecting ({@code null} network), if set. */
    public volatile RuntimeException disconnectFailure;
    /** Whether {@link #setNetwork} is supported at all (false: the SPI's default, UnsupportedOperationException). */
    public volatile boolean networkSupported = true;
    /** Standard input read by streaming execs, in order (complete once that exec's exit code is known). */
    public final List<byte[]> streamedStdin = new CopyOnWriteArrayList<>();
    /** What {@link #killAll} reports (false: processes survived the kill). */
    public volatile boolean killSucceeds = true;
    /** Whether streaming execs are supported (false: the SPI's default, UnsupportedOperationException). */
    public volatile boolean streamingSupported = true;
    /** How many times a session tried to start its resident runner (the fake has no perl: it exits 127 at once). */
    public final java.util.concurrent.atomic.AtomicInteger runnerStarts = new java.util.concurrent.atomic.AtomicInteger();

    public FakeBackend() {
        // the default image of every language on the class path
        dev.sandbox4j.core.LanguageRegistry.discover(java.util.List.of()).handlers()
                .forEach(h -> images.add(h.defaultImage()));
    }

    /** A factory that hands out this backend. */
    public SandboxBackendFactory factory() {
        FakeBackend self = this;
        return new SandboxBackendFactory() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public Availability probe(BackendConfig config) {
                return Availability.available("fake");
            }

            @Override
            public SandboxBackend create(BackendConfig config) {
                return self;
            }
        };
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public String describe() {
        return "fake backend (in memory)";
    }

    @Override
    public boolean imageExists(String image) {
        return images.contains(image);
    }

    @Override
    public Box create(BoxSpec spec) {
        if (createGate.getCount() > 0) {
            creating.incrementAndGet();
            try {
                createGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.sandbox4j.BackendException("fake", "interrupted", e);
            } finally {
                creating.decrementAndGet();
            }
        }
        if (!images.contains(spec.image())) {
            throw new ImageUnavailableException(spec.image(), "no image " + spec.image(), null);
        }
        Box b = new Box("id" + ids.incrementAndGet(), spec.name(), spec);
        boxes.put(b.id(), b);
        return b;
    }

    @Override
    public ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        if (!boxes.containsKey(box.id())) {
            throw new dev.sandbox4j.BackendException("fake", "no such box " + box.id(), null);
        }
        execs.add(request);
        events.add("exec");
        Behaviour b = behaviour.apply(request);
        return run(b, sink, null);
    }

    /** Reads all of {@code stdin} (recorded in {@link #streamedStdin}) before behaving as {@link #behaviour} says. */
    @Override
    public ExecHandle exec(Box box, ExecRequest request, java.io.InputStream stdin, OutputSink sink) {
        if (!streamingSupported) {
            return SandboxBackend.super.exec(box, request, stdin, sink);
        }
        if (!boxes.containsKey(box.id())) {
            throw new dev.sandbox4j.BackendException("fake", "no such box " + box.id(), null);
        }
        if (request.argv().get(0).equals("perl")) { // a session's resident runner: not recorded with the execs
            runnerStarts.incrementAndGet();
            return run(Behaviour.exit(127, "", "perl: not found"), sink, null);
        }
        execs.add(request);
        events.add("exec-stream");
        Behaviour b = behaviour.apply(request);
        return run(b, sink, stdin);
    }

    private ExecHandle run(Behaviour b, OutputSink sink, java.io.InputStream stdin) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            if (stdin != null) {
                try {
                    streamedStdin.add(stdin.readAllBytes());
                } catch (java.io.IOException e) {
                    exit.completeExceptionally(new dev.sandbox4j.BackendException("fake", "stdin: " + e, e));
                    return;
                }
            }
            for (int off = 0; off < b.stdout().length; off += 8192) {
                sink.stdout(java.util.Arrays.copyOfRange(b.stdout(), off, Math.min(b.stdout().length, off + 8192)));
            }
            if (b.stderr().length > 0) {
                sink.stderr(b.stderr());
            }
            if (b.oomKill()) {
                oomKills.incrementAndGet();
            }
            if (b.hangUntilKilled()) {
                hanging.add(exit);
            } else {
                exit.complete(b.exitCode());
            }
        });
        return new ExecHandle() {
            @Override
            public CompletableFuture<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void setNetwork(Box box, String network) {
        if (!networkSupported) {
            SandboxBackend.super.setNetwork(box, network);
        }
        events.add("network:" + network);
        networks.add(network);
        if (!boxes.containsKey(box.id())) {
            throw new dev.sandbox4j.BackendException("fake", "no such container " + box.id(), null);
        }
        RuntimeException f = network == null ? disconnectFailure : connectFailure;
        if (f != null) {
            throw f;
        }
    }

    @Override
    public boolean killAll(Box box, String user) {
        kills.incrementAndGet();
        events.add("kill");
        for (CompletableFuture<Integer> f : hanging) {
            f.complete(137);
        }
        hanging.clear();
        return killSucceeds;
    }

    @Override
    public long oomKillCount(Box box) {
        return oomKills.get();
    }

    @Override
    public void remove(String boxId) {
        removed.add(boxId);
        boxes.remove(boxId);
        foreignBoxes.remove(boxId);
        for (CompletableFuture<Integer> f : hanging) {
            f.complete(137);
        }
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        List<BoxInfo> out = new ArrayList<>();
        for (Box b : boxes.values()) {
            if (b.spec().labels().entrySet().containsAll(labels.entrySet())) {
                out.add(new BoxInfo(b.id(), b.name(), b.spec().labels(), Instant.now(), "running"));
            }
        }
        foreignBoxes.forEach((id, l) -> {
            if (l.entrySet().containsAll(labels.entrySet())) {
                out.add(new BoxInfo(id, id, l, Instant.now(), l.getOrDefault("test.state", "running")));
            }
        });
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
