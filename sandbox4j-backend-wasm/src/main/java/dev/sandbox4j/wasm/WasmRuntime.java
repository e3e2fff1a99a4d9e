package dev.sandbox4j.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.spi.BoxRuntime;
import dev.sandbox4j.spi.Frames.Frame;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.ProgramHandle;
import dev.sandbox4j.spi.ProgramRequest;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.wasm.DriverProcess.DriverGoneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The box of a {@link WasmBackend}: one Deno process running Pyodide, started again after a kill that had to end it
 * (files in its in-memory file system are then lost; installed wheels are installed again). The engine serialises the
 * calls (one program, file operation or installation at a time) except {@link #kill()}.
 */
final class WasmRuntime implements BoxRuntime {
    private static final Logger log = LoggerFactory.getLogger(WasmRuntime.class);
    private static final Duration FILE_TIMEOUT = Duration.ofSeconds(60);
    /** How long an interrupted program has to stop (KeyboardInterrupt) before its interpreter is killed. */
    private static final long INTERRUPT_GRACE_MILLIS = 2_000;

    private final WasmSandboxClient client;
    private final String name;
    private final long memory;
    private final String home;
    private final Object lock = new Object();
    /** Wheels installed so far (file name to content), installed again into a restarted interpreter. */
    private final Map<String, byte[]> wheels = new LinkedHashMap<>();
    private final List<String> installed = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** How many times the interpreter was found dead (exited by itself) and started again. */
    private int deaths;
    private final AtomicLong oomKills = new AtomicLong();
    private @Nullable DriverProcess driver;
    private volatile @Nullable CompletableFuture<Integer> running;
    private volatile boolean closed;

    WasmRuntime(WasmSandboxClient client, String name, long memory, String home) {
        this.client = client;
        this.name = name;
        this.memory = memory;
        this.home = home;
    }

    /** The live interpreter, started (with the installed wheels) if need be. */
    DriverProcess driver() {
        synchronized (lock) {
            if (closed) {
                throw new BackendException("wasm", "the box " + name + " is removed", null);
            }
            if (driver != null && driver.isAlive()) {
                return driver;
            }
            if (driver != null) {
                driver.kill();
                deaths++;
                log.info("{}: the interpreter had exited; starting a new one", name);
            }
            DriverProcess d = client.startDriver(name, memory);
            driver = d;
            for (Map.Entry<String, byte[]> w : wheels.entrySet()) { // installed libraries survive a restart
                String problem = sendWheel(d, w.getKey(), w.getValue());
                if (problem != null) {
                    log.warn("{}: reinstalling {} after a restart failed: {}", name, w.getKey(), problem);
                }
            }
            return d;
        }
    }

    /** Starts the interpreter now (the box's creation), rather than at the first use. */
    void start() {
        driver();
    }

    /** Process id of the interpreter, or -1 when none runs. */
    long pid() {
        synchronized (lock) {
            return driver != null && driver.isAlive() ? driver.pid() : -1;
        }
    }

    /** How many times the interpreter was found dead and started again (its state lost). */
    int deaths() {
        synchronized (lock) {
            return deaths;
        }
    }

    /** The libraries installed, as {@code name==version}. */
    List<String> installed() {
        return List.copyOf(installed);
    }

    /** Kills the interpreter; the next use starts a fresh one. */
    void killDriver() {
        DriverProcess d;
        synchronized (lock) {
            d = driver;
            driver = null;
        }
        if (d != null) {
            d.kill();
        }
    }

    /** Ends the interpreter for good at once (a program may be running: it ends killed). */
    void closeNow() {
        closed = true;
        killDriver();
    }

    /** Ends the interpreter for good (the box is removed). */
    void close() {
        closed = true;
        DriverProcess d;
        synchronized (lock) {
            d = driver;
            driver = null;
        }
        if (d != null) {
            if (running == null || running.isDone()) {
                d.close();
            } else {
                d.kill();
            }
        }
    }

    // ------------------------------------------------------------------ programs

    @Override
    public ProgramHandle run(ProgramRequest program, OutputSink sink) {
        List<String> argv = program.argv();
        int script = -1;
        for (int i = 1; i < argv.size() && script < 0; i++) {
            if (argv.get(i).equals(program.runDir() + "/main.py")) {
                script = i;
            }
        }
        byte[] code = program.files().get("main.py");
        if (!argv.get(0).startsWith("python") || script < 0 || code == null) {
            throw new UnsupportedOperationException("the wasm backend runs Python programs only, not '"
                    + Texts.sanitize(String.join(" ", argv), 120) + "'");
        }
        DriverProcess d = driver();
        for (Map.Entry<String, byte[]> f : program.files().entrySet()) {
            if (!f.getKey().equals("main.py")) { // the program's other files (its plan's helpers)
                String path = program.runDir() + "/" + f.getKey();
                try {
                    fileOp(d, Map.of("op", "put", "path", path, "data", true, "root", home), f.getValue(), path, -1);
                } catch (IOException e) {
                    throw new BackendException("wasm", "cannot write '" + path + "' for the program: "
                            + e.getMessage(), e);
                }
            }
        }
        List<String> pyArgv = new ArrayList<>();
        pyArgv.add("main.py");
        pyArgv.addAll(argv.subList(script + 1, argv.size()));
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("op", "run");
        command.put("code", new String(code, StandardCharsets.UTF_8));
        command.put("stateful", false);
        command.put("env", program.env());
        command.put("argv", pyArgv);
        command.put("cwd", program.workdir() != null ? program.workdir() : home);
        command.put("filename", "main.py");
        if (program.outputDir() != null) {
            command.put("outdir", program.outputDir());
        }
        byte[] stdin = program.stdin();
        command.put("data", stdin != null);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        String[] because = {null};
        running = exit;
        d.command(command, stdin);
        Thread.ofVirtual().name(name + "-run").start(() -> pump(d, sink, exit, because));
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
            public void close() {
                // output is delivered by the pump until the program's result; nothing else to release
            }
        };
    }

    /** Passes the program's output on until its result, watching the Deno process's memory. */
    private void pump(DriverProcess d, OutputSink sink, CompletableFuture<Integer> exit, String[] because) {
        long residentLimit = DriverProcess.residentLimit(memory);
        try {
            while (!exit.isDone()) {
                Frame f = d.next(System.nanoTime() + DriverProcess.WATCH_NANOS);
                if (f == null) {
                    // backstop: memory a program allocates through JavaScript (ArrayBuffers) is outside both limits
                    if (d.residentBytes() > residentLimit) {
                        oomKills.incrementAndGet();
                        killDriver();
                        exit.complete(137);
                    }
                    continue;
                }
                switch (f.type()) {
                    case 'O' -> sink.stdout(f.payload());
                    case 'E' -> sink.stderr(f.payload());
                    case 'R' -> {
                        JsonNode r = DriverProcess.json(f);
                        if (r.path("oom").asBoolean(false)) { // MemoryError: the interpreter's state is suspect
                            oomKills.incrementAndGet();
                            killDriver();
                            exit.complete(137);
                        } else {
                            exit.complete(r.path("exit").asInt(1));
                        }
                    }
                    default -> {
                        because[0] = "the sandboxed program broke the driver's channel (frame '" + f.type()
                                + "'); the interpreter was restarted (files in the sandbox are lost)";
                        killDriver();
                        exit.complete(137);
                    }
                }
            }
        } catch (DriverGoneException e) {
            if (e.heapExhausted()) {
                oomKills.incrementAndGet();
            } else if (!closed && !exit.isDone() && !d.wasKilled()) {
                because[0] = e.getMessage();
            }
            killDriver();
            exit.complete(137);
        } catch (IOException | RuntimeException e) {
            because[0] = "the driver's channel failed: " + e.getMessage();
            killDriver();
            exit.complete(137);
        }
    }

    /**
     * Interrupts the running program (KeyboardInterrupt); if it does not stop within the grace period, kills the
     * interpreter (the next use starts a fresh one).
     */
    @Override
    public boolean kill() {
        CompletableFuture<Integer> r = running;
        if (r == null || r.isDone()) {
            return true;
        }
        DriverProcess d;
        synchronized (lock) {
            d = driver;
        }
        try {
            if (d != null) {
                d.command(Map.of("op", "interrupt"), null);
            }
            r.get(INTERRUPT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            log.debug("{}: the program did not stop when interrupted; killing the interpreter", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killDriver();
        try {
            r.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            r.complete(137);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    @Override
    public long oomKills() {
        return oomKills.get();
    }

    // ------------------------------------------------------------------ files

    @Override
    public void writeFile(String path, byte[] content) throws IOException {
        fileOp(driver(), Map.of("op", "put", "path", path, "data", true, "root", home), content, path, -1);
    }

    @Override
    public byte[] readFile(String path, long max) throws IOException {
        return fileOp(driver(), Map.of("op", "get", "path", path, "max", max, "root", home), null, path, max);
    }

    @Override
    public List<FileEntry> listFiles(String dir) throws IOException {
        DriverProcess d = driver();
        JsonNode r = reply(d, Map.of("op", "list", "path", dir, "root", home), null, dir, -1);
        List<FileEntry> entries = new ArrayList<>();
        for (JsonNode e : r.path("entries")) {
            FileEntry.Type type = switch (e.path("type").asText()) {
                case "f" -> FileEntry.Type.FILE;
                case "d" -> FileEntry.Type.DIRECTORY;
                case "l" -> FileEntry.Type.SYMLINK;
                default -> FileEntry.Type.OTHER;
            };
            String n = e.path("name").asText();
            entries.add(new FileEntry(n, dir.equals("/") ? "/" + n : dir + "/" + n, type, e.path("size").asLong(-1),
                    e.hasNonNull("mtime") ? Instant.ofEpochMilli(e.path("mtime").asLong()) : null,
                    type == FileEntry.Type.SYMLINK ? e.path("target").asText() : null));
        }
        return entries;
    }

    private byte[] fileOp(DriverProcess d, Map<String, Object> command, byte @Nullable [] data, String target,
            long max) throws IOException {
        try {
            JsonNode r = reply(d, command, data, target, max);
            if (!command.get("op").equals("get")) {
                return new byte[0];
            }
            Frame f = d.next(System.nanoTime() + FILE_TIMEOUT.toNanos());
            if (f == null || f.type() != 'F') {
                killDriver();
                throw new BackendException("wasm", "no content for '" + target + "' from the driver", null);
            }
            if (max >= 0 && f.payload().length > max) {
                throw new FileTooLargeException(target, f.payload().length, DataSize.ofBytes(max));
            }
            return f.payload();
        } catch (DriverGoneException e) {
            killDriver();
            throw new BackendException("wasm", "the interpreter ended during a file operation: " + e.getMessage(),
                    e);
        }
    }

    /** Sends a file command and waits for its answer; errors become the exceptions of {@link BoxRuntime}. */
    private JsonNode reply(DriverProcess d, Map<String, Object> command, byte @Nullable [] data, String target,
            long max) throws IOException {
        d.command(command, data);
        long deadline = System.nanoTime() + FILE_TIMEOUT.toNanos();
        try {
            for (; ; ) {
                Frame f = d.next(deadline);
                if (f == null) {
                    killDriver();
                    throw new BackendException("wasm", "file operation on '" + target + "' did not finish within "
                            + Texts.human(FILE_TIMEOUT), null);
                }
                if (f.type() == 'O' || f.type() == 'E') {
                    continue; // output of a callback a program left behind
                }
                if (f.type() != 'R') {
                    killDriver();
                    throw new BackendException("wasm", "unexpected frame '" + f.type() + "' from the driver", null);
                }
                JsonNode r = DriverProcess.json(f);
                switch (r.path("error").asText("")) {
                    case "" -> {
                        return r;
                    }
                    case "not_found" -> throw new NoSuchFileException(target);
                    case "not_dir" -> throw new NotDirectoryException(target);
                    case "outside" -> throw new AccessDeniedException(target, r.path("resolved").asText("?"),
                            "resolves outside the box's writable directories");
                    case "too_large" -> throw new FileTooLargeException(target, r.path("size").asLong(-1),
                            DataSize.ofBytes(Math.max(0, max)));
                    default -> throw new IOException("cannot access '" + target + "': " + r.path("message").asText());
                }
            }
        } catch (DriverGoneException e) {
            killDriver();
            throw new BackendException("wasm", "the interpreter ended during a file operation: " + e.getMessage(),
                    e);
        }
    }

    // ------------------------------------------------------------------ libraries

    /** Installs pure-Python wheels from the client's wheels directory (offline; dependencies are not resolved). */
    @Override
    public ProgramHandle install(List<String> libraries, OutputSink sink) {
        Path dir = client.wheels();
        if (dir == null) {
            throw new UnsupportedOperationException("the wasm backend installs libraries only from a local directory "
                    + "of pure-Python wheels (backend property wasm.wheels, or WasmSandbox.builder().wheels(dir)); "
                    + "none is configured. Pyodide's package index (a CDN) is not used and native wheels do not run "
                    + "in WebAssembly. Libraries: " + libraries);
        }
        List<Wheels.Spec> specs = libraries.stream().map(Wheels.Spec::parse).toList();
        int code = 0;
        try {
            for (Wheels.Spec spec : specs) {
                String key = Wheels.normalize(spec.name());
                if (installed.stream().anyMatch(i -> Wheels.normalize(Wheels.Spec.parse(i).name()).equals(key))) {
                    sink.stdout(bytes(spec.name() + " is already installed\n"));
                    continue;
                }
                List<String> rejected = new ArrayList<>();
                Path wheel = Wheels.find(dir, spec, rejected).orElse(null);
                if (wheel == null) {
                    StringBuilder err = new StringBuilder("no pure-Python wheel (py3-none-any) for '")
                            .append(spec.name()).append(spec.version() != null ? "==" + spec.version() : "")
                            .append("' in ").append(dir);
                    if (!rejected.isEmpty()) {
                        err.append(" (found ").append(String.join(", ", rejected.subList(0,
                                Math.min(3, rejected.size())))).append(": native code does not run in WebAssembly)");
                    }
                    sink.stderr(bytes(err.append('\n').toString()));
                    code = 1;
                    break;
                }
                byte[] content = Files.readAllBytes(wheel);
                String file = wheel.getFileName().toString();
                String problem = sendWheel(driver(), file, content);
                if (problem != null) {
                    sink.stderr(bytes("installing " + file + " failed: " + problem + "\n"));
                    code = 1;
                    break;
                }
                synchronized (lock) {
                    wheels.put(file, content);
                }
                installed.add(spec.name() + "==" + Wheels.version(wheel));
                sink.stdout(bytes("Installed " + file + " (dependencies are not resolved)\n"));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CompletableFuture<Integer> exit = CompletableFuture.completedFuture(code);
        return new ProgramHandle() {
            @Override
            public CompletableFuture<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {}
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Installs one wheel into the interpreter; returns {@code null} or what went wrong. */
    private @Nullable String sendWheel(DriverProcess d, String file, byte[] content) {
        try {
            d.command(Map.of("op", "wheel", "name", file, "data", true), content);
            long deadline = System.nanoTime() + FILE_TIMEOUT.toNanos();
            for (Frame f; (f = d.next(deadline)) != null; ) {
                if (f.type() == 'R') {
                    JsonNode r = DriverProcess.json(f);
                    return r.has("error") ? r.path("message").asText() : null;
                }
            }
            d.kill();
            return "the interpreter did not answer within " + Texts.human(FILE_TIMEOUT);
        } catch (DriverGoneException | IOException e) {
            d.kill();
            return e.getMessage();
        }
    }
}
