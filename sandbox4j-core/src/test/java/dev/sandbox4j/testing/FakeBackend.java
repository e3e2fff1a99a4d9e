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
    public volatile boolean closed;

    public FakeBackend() {
        images.add("sandbox4j/python:bookworm");
        images.add("sandbox4j/javascript:bookworm");
        for (String l : java.util.List.of("java", "cpp", "go", "r")) {
            images.add("sandbox4j/" + l + ":bookworm");
        }
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
        Behaviour b = behaviour.apply(request);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
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
    public boolean killAll(Box box, String user) {
        kills.incrementAndGet();
        for (CompletableFuture<Integer> f : hanging) {
            f.complete(137);
        }
        hanging.clear();
        return true;
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
                out.add(new BoxInfo(id, id, l, Instant.now(), "running"));
            }
        });
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
