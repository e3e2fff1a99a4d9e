package dev.sandbox4j.testing;

import dev.sandbox4j.FileEntry;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.BoxRuntime;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.ProgramHandle;
import dev.sandbox4j.spi.ProgramRequest;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DirectBackend} in memory for the engine's unit tests: each box is a map of files, and a "program" is the
 * plan's {@code main.py} read as lines of a tiny language: {@code print TEXT}, {@code write PATH TEXT}, {@code
 * artifact NAME TEXT} (into the run's output directory), {@code exit N}, {@code hang} (until killed), {@code flood}
 * (stdout until killed), {@code oom} (ends and counts an out-of-memory kill), {@code break} (the backend ends it).
 * Paths under {@code <home>/escape} resolve, as through a planted link, to {@code /etc}.
 */
public final class FakeDirectBackend implements DirectBackend {
    public static final Map<Feature, String> LACKS = Map.of(
            Feature.COMMANDS, "the fake direct backend runs no commands (no processes)",
            Feature.KERNEL, "the fake direct backend has no kernels");

    /** Libraries installed, in order, over all boxes. */
    public final List<String> installs = new CopyOnWriteArrayList<>();
    /** How many times the engine called kill() while a program ran. */
    public final AtomicInteger kills = new AtomicInteger();
    public final Map<String, FakeRuntime> runtimes = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    public SandboxBackendFactory factory() {
        FakeDirectBackend self = this;
        return new SandboxBackendFactory() {
            @Override
            public String name() {
                return "fakedirect";
            }

            @Override
            public Availability probe(BackendConfig config) {
                return Availability.available("fakedirect");
            }

            @Override
            public SandboxBackend create(BackendConfig config) {
                return self;
            }
        };
    }

    @Override
    public String name() {
        return "fakedirect";
    }

    @Override
    public String describe() {
        return "fake direct backend (in memory)";
    }

    @Override
    public Map<Feature, String> lacks() {
        return LACKS;
    }

    @Override
    public Set<String> languages() {
        return Set.of("python");
    }

    @Override
    public String image(String language) {
        return "fake-" + language + ":1";
    }

    @Override
    public boolean imageExists(String image) {
        return image.startsWith("fake-");
    }

    @Override
    public Box create(BoxSpec spec) {
        Box b = new Box("d" + ids.incrementAndGet(), spec.name(), spec);
        runtimes.put(b.id(), new FakeRuntime(spec.runtime().workdir()));
        return b;
    }

    @Override
    public BoxRuntime runtime(Box box) {
        FakeRuntime r = runtimes.get(box.id());
        if (r == null) {
            throw new dev.sandbox4j.BackendException(name(), "no box " + box.id(), null);
        }
        return r;
    }

    @Override
    public void remove(String boxId) {
        FakeRuntime r = runtimes.remove(boxId);
        if (r != null) {
            r.kill();
        }
    }

    @Override
    public List<BoxInfo> list(Map<String, String> labels) {
        return List.of();
    }

    @Override
    public void close() {
        runtimes.keySet().forEach(this::remove);
    }

    /** One box: its files, and the program running in it. */
    public final class FakeRuntime implements BoxRuntime {
        public final Map<String, byte[]> files = new ConcurrentHashMap<>();
        private final String home;
        private volatile @Nullable CompletableFuture<Integer> running;
        private final AtomicInteger oom = new AtomicInteger();

        FakeRuntime(String home) {
            this.home = home;
        }

        private void check(String path) throws IOException {
            if (path.startsWith(home + "/escape")) {
                throw new AccessDeniedException(path, "/etc", "resolves outside the box");
            }
        }

        @Override
        public ProgramHandle run(ProgramRequest program, OutputSink sink) {
            program.files().forEach((name, content) -> files.put(program.runDir() + "/" + name, content));
            byte[] main = program.files().get("main.py");
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            String[] because = {null};
            running = exit;
            Thread.ofVirtual().start(() -> {
                int code = 0;
                for (String line : new String(main == null ? new byte[0] : main, StandardCharsets.UTF_8).split("\n")) {
                    String[] w = line.split(" ", 3);
                    switch (w[0]) {
                        case "print" -> sink.stdout((line.substring(6) + "\n").getBytes(StandardCharsets.UTF_8));
                        case "write" -> files.put(w[1], w[2].getBytes(StandardCharsets.UTF_8));
                        case "artifact" -> files.put(program.outputDir() + "/" + w[1],
                                w[2].getBytes(StandardCharsets.UTF_8));
                        case "exit" -> code = Integer.parseInt(w[1]);
                        case "hang" -> {
                            exit.join();
                            return;
                        }
                        case "flood" -> {
                            byte[] chunk = new byte[8192];
                            while (!exit.isDone()) {
                                sink.stdout(chunk);
                            }
                            return;
                        }
                        case "oom" -> {
                            oom.incrementAndGet();
                            code = 137;
                        }
                        case "break" -> {
                            because[0] = "the program broke the fake channel";
                            code = 137;
                        }
                        default -> { }
                    }
                }
                exit.complete(code);
            });
            return new ProgramHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return exit;
                }

                @Override
                public @Nullable String killedBecause() {
                    return because[0];
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public boolean kill() {
            CompletableFuture<Integer> r = running;
            if (r != null && r.complete(137)) {
                kills.incrementAndGet();
            }
            return true;
        }

        @Override
        public long oomKills() {
            return oom.get();
        }

        @Override
        public void writeFile(String path, byte[] content) throws IOException {
            check(path);
            files.put(path, content.clone());
        }

        @Override
        public byte[] readFile(String path, long max) throws IOException {
            check(path);
            byte[] content = files.get(path);
            if (content == null) {
                throw new NoSuchFileException(path);
            }
            if (content.length > max) {
                throw new FileTooLargeException(path, content.length, DataSize.ofBytes(max));
            }
            return content.clone();
        }

        @Override
        public List<FileEntry> listFiles(String dir) throws IOException {
            check(dir);
            if (files.containsKey(dir)) {
                throw new NotDirectoryException(dir);
            }
            Map<String, FileEntry> entries = new TreeMap<>();
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                if (!f.getKey().startsWith(dir + "/")) {
                    continue;
                }
                String rest = f.getKey().substring(dir.length() + 1);
                int slash = rest.indexOf('/');
                String name = slash < 0 ? rest : rest.substring(0, slash);
                entries.put(name, new FileEntry(name, dir + "/" + name, slash < 0 ? FileEntry.Type.FILE
                        : FileEntry.Type.DIRECTORY, slash < 0 ? f.getValue().length : 0, null, null));
            }
            if (entries.isEmpty() && !dir.equals(home)) {
                throw new NoSuchFileException(dir);
            }
            return new ArrayList<>(entries.values());
        }

        @Override
        public ProgramHandle install(List<String> libraries, OutputSink sink) {
            for (String l : libraries) {
                if (l.equals("absent")) {
                    sink.stderr("no such library: absent\n".getBytes(StandardCharsets.UTF_8));
                    return done(1);
                }
                installs.add(l);
                sink.stdout(("Installed " + l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return done(0);
        }

        private ProgramHandle done(int code) {
            return new ProgramHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return CompletableFuture.completedFuture(code);
                }

                @Override
                public void close() {}
            };
        }
    }
}
