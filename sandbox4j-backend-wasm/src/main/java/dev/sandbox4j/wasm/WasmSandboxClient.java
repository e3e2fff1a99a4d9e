package dev.sandbox4j.wasm;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionEvent;
import dev.sandbox4j.core.support.Hashes;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SandboxClient} whose sessions run Python in Pyodide inside Deno processes (see {@link WasmSandbox}).
 *
 * <p>Thread-safe; create one and share it. Each session owns one Deno process; closing the session kills it, closing
 * the client closes every session and removes the client's private directory (the driver script and Deno's cache). A
 * JVM shutdown hook does the same if the client is never closed.
 *
 * <p>What WebAssembly cannot do is refused with {@link UnsupportedOperationException}: {@code exec} of commands (no
 * shell, no processes), library installation, images ({@code commit}, {@code buildImage}) and attaching to
 * containers. Only Python runs.
 *
 * @since 0.2
 */
public final class WasmSandboxClient implements SandboxClient {
    private static final Logger log = LoggerFactory.getLogger(WasmSandboxClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Pyodide's interpreter alone takes about 32 MiB of linear memory. */
    static final DataSize MIN_MEMORY = DataSize.ofMegabytes(64);
    private static final Set<String> PYTHON = Set.of("python", "python3", "py");

    /** What the builder configured. */
    record Config(WasmInstallation installation, DenoPermissions permissions, @Nullable Path snapshotCache,
            Duration defaultTimeout, Duration startTimeout, @Nullable SecurityPolicy policy,
            SandboxEventListener events, String principal, boolean reapOrphans, @Nullable Path wheels) {}

    private final Config config;
    private final Path home;
    private final Path driver;
    private final String pyodideVersion;
    private final String pythonVersion;
    private final Map<String, WasmSession> sessions = new ConcurrentHashMap<>();
    private final Set<DriverProcess> drivers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final Thread shutdownHook;
    private final Object snapshotLock = new Object();
    private @Nullable Path snapshot;
    private boolean snapshotFailed;
    private volatile boolean closed;

    private WasmSandboxClient(Config config, Path home, String pyodideVersion, String pythonVersion) {
        this.config = config;
        this.home = home;
        this.driver = home.resolve("driver.mjs");
        this.pyodideVersion = pyodideVersion;
        this.pythonVersion = pythonVersion;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox4j-wasm-timers");
            t.setDaemon(true);
            return t;
        });
        this.shutdownHook = new Thread(this::close, "sandbox4j-wasm-shutdown");
    }

    static WasmSandboxClient create(Config config) {
        Path pyodide = config.installation().pyodide();
        String pyodideVersion;
        String pythonVersion;
        try {
            pyodideVersion = JSON.readTree(pyodide.resolve("package.json").toFile()).path("version").asText("?");
            Path lock = pyodide.resolve("pyodide-lock.json");
            pythonVersion = Files.isRegularFile(lock)
                    ? JSON.readTree(lock.toFile()).path("info").path("python").asText("?") : "?";
        } catch (IOException e) {
            throw new BackendException("wasm", "cannot read Pyodide's package.json in " + pyodide, e);
        }
        Path home;
        try {
            home = Files.createTempDirectory("sandbox4j-wasm-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (InputStream in = WasmSandboxClient.class.getResourceAsStream("driver.mjs")) {
                if (in == null) {
                    throw new IOException("driver.mjs is missing from the jar");
                }
                Files.copy(in, home.resolve("driver.mjs"));
            }
            Files.createDirectories(home.resolve("deno-cache"));
        } catch (IOException e) {
            throw new BackendException("wasm", "cannot prepare the wasm backend's private directory", e);
        }
        WasmSandboxClient client = new WasmSandboxClient(config, home, pyodideVersion, pythonVersion);
        Runtime.getRuntime().addShutdownHook(client.shutdownHook);
        if (config.reapOrphans()) {
            List<String> reaped = client.removeOrphans();
            if (!reaped.isEmpty()) {
                log.info("Killed {} driver processes left behind by a crashed JVM: {}", reaped.size(), reaped);
            }
        }
        log.info("Using backend wasm ({})", client.backendDescription());
        return client;
    }

    /** Starts the interpreter of a session. */
    DriverProcess startDriver(WasmSession session) {
        return startDriver("sandbox4j-wasm-" + session.id(), session.options().limits().memory().bytes());
    }

    /** Starts an interpreter whose memory is limited to {@code memory} bytes (a box of {@link WasmBackend}). */
    DriverProcess startDriver(String name, long memory) {
        Path snap = snapshot();
        try {
            return startDriver(name, memory, snap);
        } catch (BackendException e) {
            if (snap == null) {
                throw e;
            }
            // a snapshot that no longer loads (truncated, or made by another build) must not break every session
            log.warn("Starting from the snapshot {} failed; removing it and starting without: {}", snap,
                    e.getMessage());
            synchronized (snapshotLock) {
                snapshot = null;
                snapshotFailed = true;
            }
            try {
                Files.deleteIfExists(snap);
            } catch (IOException ignored) {
                // another process may hold it; it is not used any more by this client
            }
            return startDriver(name, memory, null);
        }
    }

    private DriverProcess startDriver(String name, long memory, @Nullable Path snap) {
        List<String> argv = DenoCommand.serve(config.installation(), config.permissions(), driver, snap, memory);
        long maxFrame = Math.min(Integer.MAX_VALUE - 8L, Math.max(64L << 20, 2 * memory + (16L << 20)));
        DriverProcess d = DriverProcess.start(argv, denoEnvironment(), home, config.startTimeout(), (int) maxFrame,
                name);
        drivers.add(d);
        drivers.removeIf(p -> !p.isAlive());
        return d;
    }

    private Map<String, String> denoEnvironment() {
        return Map.of("DENO_DIR", home.resolve("deno-cache").toString(), "DENO_NO_UPDATE_CHECK", "1",
                "NO_COLOR", "1", "HOME", home.toString());
    }

    /** The memory snapshot to start interpreters from, made on first use; {@code null} when disabled or failed. */
    private @Nullable Path snapshot() {
        Path dir = config.snapshotCache();
        if (dir == null) {
            return null;
        }
        synchronized (snapshotLock) {
            if (snapshot != null || snapshotFailed) {
                return snapshot;
            }
            try {
                Path file = dir.resolve("pyodide-" + pyodideVersion + "-" + installationKey() + ".snapshot");
                if (Files.isRegularFile(file) && Files.size(file) > 0) {
                    // marks it as in use, so that other clients' clean-up of stale snapshots leaves it alone
                    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(
                            System.currentTimeMillis()));
                    snapshot = file;
                    return file;
                }
                Files.createDirectories(dir);
                snapshot = makeSnapshot(file);
            } catch (IOException | RuntimeException e) {
                snapshotFailed = true;
                log.warn("Cannot make a Pyodide memory snapshot in {} (sessions start slowly, from scratch): {}",
                        dir, e.toString());
            }
            return snapshot;
        }
    }

    private Path makeSnapshot(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Path errLog = home.resolve("snapshot.log");
        List<String> argv = DenoCommand.snapshot(config.installation(), driver, tmp);
        log.info("Making a Pyodide memory snapshot (once per installation): {}", file);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(errLog.toFile());
        pb.environment().clear();
        pb.environment().putAll(denoEnvironment());
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            if (!p.waitFor(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("Deno did not finish within " + config.startTimeout());
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                throw new IOException("Deno exited with code " + p.exitValue() + ": "
                        + Texts.sanitize(Files.readString(errLog, StandardCharsets.UTF_8), 600));
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            removeStaleSnapshots(file);
            log.info("Pyodide memory snapshot made in {} ms ({} MiB)", (System.nanoTime() - start) / 1_000_000,
                    Files.size(file) >> 20);
            return file;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Snapshots of other builds (an older driver, Pyodide or Deno) unused for a week: 30 MiB each. */
    private static void removeStaleSnapshots(Path current) {
        long weekAgo = System.currentTimeMillis() - Duration.ofDays(7).toMillis();
        try (Stream<Path> files = Files.list(current.getParent())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (!p.equals(current) && name.startsWith("pyodide-") && name.endsWith(".snapshot")
                        && Files.getLastModifiedTime(p).toMillis() < weekAgo) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            log.debug("Cannot clean old snapshots next to {}: {}", current, e.toString());
        }
    }

    /** Identifies the Pyodide build and the Deno binary a snapshot was made with. */
    private String installationKey() throws IOException {
        Path wasm = config.installation().pyodide().resolve("pyodide.asm.wasm");
        String key = config.installation().deno() + ":" + Files.size(config.installation().deno()) + ":"
                + Files.getLastModifiedTime(config.installation().deno()) + ":" + Files.size(wasm) + ":"
                + Files.getLastModifiedTime(wasm) + ":" + Hashes.sha256(Files.readAllBytes(driver)).substring(0, 8);
        return Hashes.sha256(key).substring(0, 16);
    }

    @Override
    public SandboxSession openSession(String language, SessionOptions options) {
        requireNonNull(language, "language");
        requireNonNull(options, "options");
        if (!PYTHON.contains(language.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("Expected language 'python' (the wasm backend runs Pyodide) but was '"
                    + Texts.sanitize(language, 40) + "'");
        }
        checkOptions(options);
        if (closed) {
            throw new SessionClosedException("the client is closed");
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String principal = options.principal() != null ? options.principal() : config.principal();
        SecurityPolicy policy = options.policy() != null ? options.policy() : config.policy();
        Duration timeout = options.defaultTimeout() != null ? options.defaultTimeout() : config.defaultTimeout();
        WasmSession session = new WasmSession(this, id, options, policy, principal, timeout);
        sessions.put(id, session);
        try {
            session.start();
        } catch (RuntimeException e) {
            sessions.remove(id);
            session.close("start failed");
            throw e;
        }
        if (closed) { // the client closed meanwhile
            session.close("client closed");
            throw new SessionClosedException("the client is closed");
        }
        Duration lifetime = options.sessionTimeout();
        if (lifetime != null) {
            session.lifetime(timers.schedule(
                    () -> session.close("session lifetime of " + Texts.human(lifetime) + " exceeded"),
                    lifetime.toMillis(), TimeUnit.MILLISECONDS));
        }
        config.events().sessionOpened(new SessionEvent(Instant.now(), id, principal, "python", image(), null));
        log.info("Session {} opened (wasm, {}, pid {})", id, options.stateful() ? "stateful" : "stateless",
                session.pid());
        return session;
    }

    private void checkOptions(SessionOptions options) {
        RuntimeConfig rt = options.runtime();
        if (rt.image() != null) {
            throw new IllegalArgumentException("the wasm backend has no images (runtime image '"
                    + Texts.sanitize(rt.image(), 80) + "'); it always runs Pyodide " + pyodideVersion);
        }
        if (rt.ociRuntime() != null) {
            throw new IllegalArgumentException("the wasm backend has no OCI runtime (runtime '"
                    + Texts.sanitize(rt.ociRuntime(), 40) + "')");
        }
        if (rt.networkEnabled()) {
            throw new IllegalArgumentException("network access of the wasm backend is a Deno permission of the "
                    + "client: WasmSandbox.builder().allowNet(hosts), not RuntimeConfig.networkEnabled");
        }
        if (options.limits().memory().compareTo(MIN_MEMORY) < 0) {
            throw new IllegalArgumentException("memory (" + options.limits().memory() + ") must be at least "
                    + MIN_MEMORY + " for the wasm backend (the interpreter alone takes about 32 MiB)");
        }
    }

    void closed(WasmSession session, @Nullable String reason) {
        if (sessions.remove(session.id()) != null) {
            String principal = session.options().principal() != null ? session.options().principal()
                    : config.principal();
            config.events().sessionClosed(new SessionEvent(Instant.now(), session.id(), principal, "python",
                    image(), reason));
            log.info("Session {} closed{}", session.id(), reason != null ? " (" + reason + ")" : "");
        }
        drivers.removeIf(p -> !p.isAlive());
    }

    SandboxEventListener events() {
        return config.events();
    }

    /** Directory of pure-Python wheels that sessions may install, or {@code null}. */
    @Nullable Path wheels() {
        return config.wheels();
    }

    String image() {
        return "pyodide:" + pyodideVersion;
    }

    String pythonVersion() {
        return pythonVersion;
    }

    /** The Deno permissions of this client's sessions. */
    public DenoPermissions permissions() {
        return config.permissions();
    }

    /**
     * Process ids of the Deno processes of this client that are still running (one per open session, none after
     * {@link #close()}): for leak checks.
     */
    public Set<Long> processIds() {
        Set<Long> pids = new java.util.TreeSet<>();
        for (DriverProcess d : drivers) {
            if (d.isAlive()) {
                pids.add(d.pid());
            }
        }
        return pids;
    }

    @Override
    public PolicyVerdict check(String language, String code) {
        return check(language, code, config.policy() != null ? config.policy() : SecurityPolicy.production());
    }

    @Override
    public PolicyVerdict check(String language, String code, SecurityPolicy policy) {
        requireNonNull(code, "code");
        requireNonNull(policy, "policy");
        if (!PYTHON.contains(requireNonNull(language, "language").toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("Expected language 'python' (the wasm backend runs Pyodide) but was '"
                    + Texts.sanitize(language, 40) + "'");
        }
        PolicyVerdict v = dev.sandbox4j.Sandbox4j.check("python", code, policy);
        config.events().policyDecision(new PolicyDecisionEvent(Instant.now(), null, config.principal(), "python",
                Hashes.sha256(code), code.length(), v));
        return v;
    }

    @Override
    public Set<String> languages() {
        return Set.of("python");
    }

    @Override
    public String imageFor(String language) {
        return image();
    }

    @Override
    public boolean imageAvailable(String language) {
        return PYTHON.contains(language.toLowerCase(Locale.ROOT));
    }

    @Override
    public String backendName() {
        return "wasm";
    }

    @Override
    public String backendDescription() {
        return "Pyodide " + pyodideVersion + " (Python " + pythonVersion + ") in Deno "
                + config.installation().deno() + ", " + config.installation().pyodide();
    }

    @Override
    public int openSessions() {
        return sessions.size();
    }

    /**
     * Kills driver processes that a JVM which no longer runs left behind (their parent is gone), e.g. still running
     * a program's endless loop. Those of live JVMs are left alone.
     */
    @Override
    public List<String> removeOrphans() {
        List<String> killed = new ArrayList<>();
        ProcessHandle.allProcesses().filter(WasmSandboxClient::isOrphanDriver).forEach(p -> {
            if (p.destroyForcibly()) {
                killed.add("pid " + p.pid());
            }
        });
        return killed;
    }

    private static boolean isOrphanDriver(ProcessHandle p) {
        Optional<String[]> args = p.info().arguments();
        if (args.isEmpty()) {
            return false;
        }
        boolean driver = Stream.of(args.get()).anyMatch(a -> a.matches(".*/sandbox4j-wasm-[^/]+/driver\\.mjs"));
        if (!driver) {
            return false;
        }
        Optional<ProcessHandle> parent = p.parent();
        if (parent.isPresent() && parent.get().pid() == ProcessHandle.current().pid()) {
            return false; // ours (this JVM may itself be pid 1 in a container)
        }
        // a dead JVM's children are adopted by init
        return parent.isEmpty() || parent.get().pid() == 1;
    }

    @Override
    public SandboxSession attachSession(String containerId, String language, SessionOptions options,
            boolean removeOnClose) {
        throw new UnsupportedOperationException("the wasm backend has no containers to attach to");
    }

    @Override
    public String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Consumer<String> progress) {
        throw new UnsupportedOperationException("the wasm backend has no images to build");
    }

    @Override
    public void removeImage(String image) {
        throw new UnsupportedOperationException("the wasm backend has no images");
    }

    @Override
    public List<String> removeAll() {
        List<String> ids = new ArrayList<>(sessions.keySet());
        for (String id : ids) {
            WasmSession s = sessions.get(id);
            if (s != null) {
                s.close("removed");
            }
        }
        return ids;
    }

    @Override
    public List<PoolStats> poolStats() {
        return List.of();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (WasmSession s : List.copyOf(sessions.values())) {
            s.close("client closed");
        }
        for (DriverProcess d : drivers) {
            d.kill();
        }
        drivers.clear();
        timers.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: this is the hook
        }
        deleteTree(home);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("Cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.debug("Cannot delete {}: {}", dir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "WasmSandboxClient[" + backendDescription() + ", " + sessions.size() + " sessions]";
    }
}
