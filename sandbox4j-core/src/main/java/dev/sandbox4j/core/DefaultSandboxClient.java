package dev.sandbox4j.core;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.core.support.Hashes;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.BoxInfo;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.PlanContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link SandboxClient} implementation. */
public final class DefaultSandboxClient implements SandboxClient {
    private static final Logger log = LoggerFactory.getLogger(DefaultSandboxClient.class);

    static final String LABEL_MANAGED = "dev.sandbox4j.managed";
    static final String LABEL_SESSION = "dev.sandbox4j.session";
    static final String LABEL_OWNER = "dev.sandbox4j.owner";
    static final String LABEL_CREATED = "dev.sandbox4j.created";
    static final String LABEL_EXPIRES = "dev.sandbox4j.expires";
    static final String LABEL_LANGUAGE = "dev.sandbox4j.language";

    private final SandboxBackend backend;
    private final LanguageRegistry languages;
    private final Map<String, String> images;
    private final Duration defaultTimeout;
    private final @Nullable SecurityPolicy policy;
    private final SandboxEventListener events;
    private final String principal;
    private final InstallConfig installConfig;
    private final Map<String, DefaultSandboxSession> sessions = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService scheduler;
    private final Thread shutdownHook;
    /** Warm pools by the profile of the boxes they hold. */
    private final Map<PoolProfile, BoxPool> pools;
    /** Bounds the boxes being created and started at once (sessions, one-shot runs, pool refills). */
    private final CreationGate creations;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A box for a session being opened: a new one, or a ready one from a warm pool with the runner it started. */
    /** A box for a session; a pooled one comes with its runner and its image's labels (read while it waited). */
    private record Acquired(Box box, @Nullable BoxPool pool, @Nullable Runner runner,
            @Nullable Map<String, String> imageLabels) {}

    private DefaultSandboxClient(SandboxBackend backend, LanguageRegistry languages, Map<String, String> images,
            Duration defaultTimeout, @Nullable SecurityPolicy policy, SandboxEventListener events, String principal,
            InstallConfig installConfig, List<PoolSetup> pools, int maxConcurrentCreations, int creationQueue) {
        this.policy = policy;
        this.creations = new CreationGate(maxConcurrentCreations, creationQueue, backend.name());
        this.installConfig = installConfig;
        this.events = new SafeEventListener(events);
        this.principal = principal;
        this.backend = backend;
        this.languages = languages;
        this.images = Map.copyOf(images);
        this.defaultTimeout = defaultTimeout;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox4j-lifetime");
            t.setDaemon(true);
            return t;
        });
        Map<PoolProfile, BoxPool> byProfile = new LinkedHashMap<>();
        for (PoolSetup p : pools) {
            BoxPool pool = new BoxPool(backend, creations, p.config(), p.language(), p.image(), p.runtime(),
                    supervisorFor(p.runtime()), ForkServers.bareForkServer(languages.get(p.language()),
                            p.config().limits()));
            byProfile.put(pool.profile(), pool);
        }
        this.pools = Collections.unmodifiableMap(byProfile); // in the order they were added
        this.shutdownHook = new Thread(this::closeFromHook, "sandbox4j-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A pool's configuration with its language and image resolved, checked before the backend is connected. */
    private record PoolSetup(PoolConfig config, String language, String image, RuntimeConfig runtime) {}

    /**
     * The runtime a session's box gets: compiled languages run what they build, so their work directory (only the
     * session's own tmpfs) is executable. Pools compute their profile the same way.
     */
    private static RuntimeConfig effectiveRuntime(LanguageHandler handler, RuntimeConfig runtime) {
        if (handler.needsExecutableWorkdir() && !runtime.workdirExecutable()) {
            return runtime.toBuilder().workdirExecutable(true).build();
        }
        return runtime;
    }

    /** The box's own user, never the untrusted one (as {@link DefaultSandboxSession} picks it). */
    private static String supervisorFor(RuntimeConfig runtime) {
        return runtime.user().equals("65533:65533") ? "65532:65532" : "65533:65533";
    }

    private static List<PoolSetup> resolvePools(LanguageRegistry registry, Map<String, String> images,
            List<PoolConfig> pools) {
        List<PoolSetup> out = new ArrayList<>();
        Map<PoolProfile, PoolConfig> seen = new LinkedHashMap<>();
        for (PoolConfig config : pools) {
            LanguageHandler handler = registry.get(config.language()); // unknown language: IllegalArgumentException
            String image = config.runtime().image() != null ? config.runtime().image()
                    : images.getOrDefault(handler.id(), handler.defaultImage());
            RuntimeConfig runtime = effectiveRuntime(handler, config.runtime());
            PoolSetup setup = new PoolSetup(config, handler.id(), image, runtime);
            PoolProfile profile = new PoolProfile(handler.id(), image, supervisorFor(runtime),
                    config.limits(), runtime.image() == null ? runtime : runtime.toBuilder().image(null).build());
            PoolConfig other = seen.putIfAbsent(profile, config);
            if (other != null) {
                throw new IllegalArgumentException("two pools for the same profile (language " + handler.id()
                        + ", image " + image + ", same limits and runtime): one pool per profile; give it a larger "
                        + "maxSize instead");
            }
            out.add(setup);
        }
        return out;
    }

    public static SandboxClient create(@Nullable String backendName, @Nullable SandboxBackendFactory factory,
            BackendConfig config, List<LanguageHandler> handlers, Map<String, String> images, boolean reapOrphans,
            Duration defaultTimeout, @Nullable SecurityPolicy policy, SandboxEventListener events, String principal,
            InstallConfig installConfig) {
        return create(backendName, factory, config, handlers, images, reapOrphans, defaultTimeout, policy, events,
                principal, installConfig, List.of(), SandboxClient.Builder.defaultMaxConcurrentCreations(),
                SandboxClient.Builder.DEFAULT_CREATION_QUEUE);
    }

    /**
     * @param maxConcurrentCreations boxes created and started at once ({@link SandboxClient.Builder#maxConcurrentCreations})
     * @param creationQueue creations that may wait for a slot ({@link SandboxClient.Builder#creationQueue})
     */
    public static SandboxClient create(@Nullable String backendName, @Nullable SandboxBackendFactory factory,
            BackendConfig config, List<LanguageHandler> handlers, Map<String, String> images, boolean reapOrphans,
            Duration defaultTimeout, @Nullable SecurityPolicy policy, SandboxEventListener events, String principal,
            InstallConfig installConfig, List<PoolConfig> pools, int maxConcurrentCreations, int creationQueue) {
        LanguageRegistry registry = LanguageRegistry.discover(handlers);
        for (String lang : images.keySet()) {
            registry.get(lang); // unknown language: clear error now, not at first use
        }
        Map<String, String> canonicalImages = canonical(registry, images);
        List<PoolSetup> poolSetups = resolvePools(registry, canonicalImages, pools);
        SandboxBackend backend = BackendSelector.select(backendName, factory, config);
        log.info("Using backend {} ({})", backend.name(), backend.describe());
        DefaultSandboxClient client = new DefaultSandboxClient(backend, registry, canonicalImages,
                defaultTimeout, policy, events, principal, installConfig, poolSetups, maxConcurrentCreations,
                creationQueue);
        client.startPools();
        if (reapOrphans) {
            Thread.ofVirtual().name("sandbox4j-reaper").start(() -> {
                try {
                    client.removeOrphans();
                } catch (RuntimeException e) {
                    log.warn("Could not remove orphaned boxes: {}", e.toString());
                }
            });
        }
        return client;
    }

    /** Fills each pool in the background and schedules its health checks; never blocks. */
    private void startPools() {
        for (BoxPool pool : pools.values()) {
            pool.start();
            long every = pool.config().healthCheckInterval().toMillis();
            scheduler.scheduleWithFixedDelay(
                    () -> Thread.ofVirtual().name("sandbox4j-pool-check").start(pool::maintain),
                    every, every, TimeUnit.MILLISECONDS);
        }
    }

    private static Map<String, String> canonical(LanguageRegistry registry, Map<String, String> images) {
        Map<String, String> out = new ConcurrentHashMap<>();
        images.forEach((lang, image) -> out.put(registry.get(lang).id(), image));
        return out;
    }

    @Override
    public SandboxSession openSession(String language, SessionOptions options) {
        return openSession(language, options, false);
    }

    private SandboxSession openSession(String language, SessionOptions options, boolean oneShot) {
        requireNonNull(language, "language");
        requireNonNull(options, "options");
        LanguageHandler handler = languages.get(language);
        ensureOpen();
        if (backend instanceof DirectBackend direct) {
            if (!direct.languages().contains(handler.id())) {
                throw new IllegalArgumentException("Expected language one of " + new java.util.TreeSet<>(
                        direct.languages()) + " on the " + direct.name() + " backend but was '" + handler.id() + "'");
            }
            if (options.stateful()) {
                throw Direct.refused(direct, DirectBackend.Feature.KERNEL, "stateful sessions");
            }
        }
        PlanContext kernelContext = new PlanContext(KernelDriver.KERNEL_DIR, List.of(), null,
                options.runtime().workdir());
        if (options.stateful() && handler.kernelPlan(kernelContext) == null) {
            throw new UnsupportedOperationException("stateful sessions are not supported for " + handler.id()
                    + " (languages with a kernel: " + String.join(", ", languages.handlers().stream()
                            .filter(h -> h.kernelPlan(kernelContext) != null).map(LanguageHandler::id).toList())
                    + ")");
        }
        String image = options.runtime().image() != null ? options.runtime().image() : imageFor(handler.id());
        RuntimeConfig runtime = effectiveRuntime(handler, options.runtime());
        if (runtime != options.runtime()) {
            options = options.toBuilder().runtime(runtime).build();
        }
        String id = newSessionId();
        SessionContext ctx = context(id, handler, image, options);
        BoxSpec spec = spec(ctx);
        long t0 = System.nanoTime();
        Acquired started = acquire(spec);
        DefaultSandboxSession session;
        try {
            session = new DefaultSandboxSession(ctx, started.box(), true, oneShot);
            if (started.pool() != null && started.pool().recycles()) {
                session.returnTo(started.pool()::offer);
            }
            sessions.put(id, session);
            session.onClose(() -> forget(session));
            session.open(started.runner(), started.imageLabels(), t0);
        } catch (RuntimeException e) {
            sessions.remove(id);
            discard(started);
            throw e;
        }
        BoxPool pool = started.pool();
        if (pool != null) { // the pool counts the box as in use until the session has removed it
            AtomicBoolean released = new AtomicBoolean();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    pool.release();
                }
            };
            session.onClose(release);
            if (!session.isOpen()) { // closed before the hook was registered
                release.run();
            }
        }
        if (closed.get()) { // closed while we were starting: do not leak the new box
            session.close();
            removeQuietly(started.box().id()); // the client may have closed the session before it took its box
            throw new SessionClosedException("SandboxClient is closed");
        }
        Duration lifetime = options.sessionTimeout();
        if (lifetime != null) {
            ScheduledFuture<?> f = scheduler.schedule(session::expire, lifetime.toMillis(), TimeUnit.MILLISECONDS);
            session.onClose(() -> f.cancel(false));
        }
        return session;
    }

    private static String newSessionId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /** What a session of these options is, with the client's defaults filled in. */
    private SessionContext context(String id, LanguageHandler handler, String image, SessionOptions options) {
        return new SessionContext(id, handler, image, options,
                options.defaultTimeout() != null ? options.defaultTimeout() : defaultTimeout,
                options.sessionTimeout() == null ? null : Instant.now().plus(options.sessionTimeout()), backend,
                events, options.principal() != null ? options.principal() : principal,
                options.policy() != null ? options.policy() : policy,
                options.install() != null ? options.install() : installConfig);
    }

    /** The box a session's options ask for: its name, image, users, limits, runtime and labels. */
    private static BoxSpec spec(SessionContext ctx) {
        Map<String, String> labels = new LinkedHashMap<>(ctx.runtime().labels());
        labels.put(LABEL_MANAGED, "true");
        labels.put(LABEL_SESSION, ctx.id());
        labels.put(LABEL_OWNER, Owner.SELF);
        labels.put(LABEL_CREATED, Instant.now().toString());
        labels.put(LABEL_LANGUAGE, ctx.handler().id());
        if (ctx.expiresAt() != null) {
            labels.put(LABEL_EXPIRES, Long.toString(ctx.expiresAt().getEpochSecond() + 1));
        }
        return new BoxSpec("sandbox4j-" + ctx.handler().id() + "-" + ctx.id(), ctx.image(),
                supervisorFor(ctx.runtime()), ctx.options().limits(), ctx.runtime(), labels);
    }

    /**
     * The box of a session being opened: a ready box from the warm pool whose profile (image, supervisor user,
     * limits, runtime) equals {@code spec}'s, if there is such a pool, else a new box (or what the pool's exhaustion
     * strategy says). A pooled box keeps its own name and labels; the session keeps its id.
     */
    private Acquired acquire(BoxSpec spec) {
        BoxPool pool = pools.isEmpty() ? null
                : pools.get(PoolProfile.of(String.valueOf(spec.labels().get(LABEL_LANGUAGE)), spec));
        if (pool != null) {
            Box box = pool.acquire(); // null: no ready box, create a temporary one
            if (box != null) {
                log.info("Session {} uses pooled box {}", spec.labels().get(LABEL_SESSION), box.name());
                return new Acquired(box, pool, pool.takeRunner(box), pool.takeImageLabels(box));
            }
        }
        // a new box: wait our turn among the creations in flight (or fail at once when the queue is full), and hold
        // the slot until its runner is up, the engine's other costly step; SessionBox adopts the runner
        try (CreationGate.Permit p = creations.enter(true)) {
            Box box = backend.create(spec);
            return new Acquired(box, null, startRunner(box, spec), null);
        }
    }

    /** The box's resident runner, started now (as a pool does for its boxes); null if it cannot start. */
    private @Nullable Runner startRunner(Box box, BoxSpec spec) {
        try {
            return Runner.start(backend, box, spec.runtime(), 0, false);
        } catch (RuntimeException e) { // the session tries again at its first run, and runs with execs if need be
            log.debug("Session {}: runner did not start in box {}: {}", spec.labels().get(LABEL_SESSION), box.name(),
                    e.toString());
            return null;
        }
    }

    /** A session failed to start after its box was made: remove the box and give the pool its capacity back. */
    private void discard(Acquired failed) {
        if (failed.runner() != null) {
            failed.runner().close();
        }
        removeQuietly(failed.box().id());
        if (failed.pool() != null) {
            failed.pool().forget(failed.box());
            failed.pool().release();
        }
    }

    /** Sessions and refills waiting for their turn to create a box (tests). */
    int creationsWaiting() {
        return creations.waiting();
    }

    @Override
    public List<PoolStats> poolStats() {
        return pools.values().stream().map(BoxPool::stats).toList();
    }

    @Override
    public SandboxSession attachSession(String containerId, String language, SessionOptions options,
            boolean removeOnClose) {
        requireNonNull(containerId, "containerId");
        requireNonNull(language, "language");
        requireNonNull(options, "options");
        if (containerId.isBlank()) {
            throw new IllegalArgumentException("container id must not be blank");
        }
        LanguageHandler handler = languages.get(language);
        ensureOpen();
        Box box = backend.attach(containerId, new BoxSpec(containerId, imageFor(handler.id()),
                supervisorFor(options.runtime()), options.limits(), options.runtime(), Map.of()));
        DefaultSandboxSession session = new DefaultSandboxSession(context(newSessionId(), handler,
                box.spec().image(), options), box, removeOnClose);
        sessions.put(session.id(), session);
        session.onClose(() -> forget(session));
        session.attached();
        Duration lifetime = options.sessionTimeout();
        if (lifetime != null) {
            ScheduledFuture<?> f = scheduler.schedule(session::expire, lifetime.toMillis(), TimeUnit.MILLISECONDS);
            session.onClose(() -> f.cancel(false));
        }
        return session;
    }

    @Override
    public String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Consumer<String> progress) {
        requireNonNull(contextDir, "contextDir");
        requireNonNull(tag, "tag");
        requireNonNull(progress, "progress");
        if (!Files.isDirectory(contextDir)) {
            throw new IllegalArgumentException("build context " + contextDir + " is not a directory");
        }
        Path df = contextDir.resolve(dockerfile == null ? "Dockerfile" : dockerfile).normalize();
        if (!df.startsWith(contextDir.normalize()) || !Files.isRegularFile(df)) {
            throw new IllegalArgumentException("no Dockerfile at " + df + " (it must lie inside the build context)");
        }
        ensureOpen();
        return backend.buildImage(contextDir, dockerfile, tag, Map.of(LABEL_MANAGED + ".image", "true"), progress);
    }

    @Override
    public void removeImage(String image) {
        requireNonNull(image, "image");
        ensureOpen();
        backend.removeImage(image);
    }

    @Override
    public PolicyVerdict check(String language, String code) {
        return check(language, code, policy != null ? policy : SecurityPolicy.production());
    }

    @Override
    public PolicyVerdict check(String language, String code, SecurityPolicy with) {
        requireNonNull(code, "code");
        requireNonNull(with, "policy");
        LanguageHandler handler = languages.get(requireNonNull(language, "language"));
        PolicyVerdict v = PolicyCheck.run(with, handler, code);
        events.policyDecision(new PolicyDecisionEvent(Instant.now(), null, principal, handler.id(),
                Hashes.sha256(code), code.length(), v));
        return v;
    }

    void forget(DefaultSandboxSession session) {
        sessions.remove(session.id());
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new SessionClosedException("SandboxClient is closed");
        }
    }

    @Override
    public Set<String> languages() {
        return languages.ids();
    }

    @Override
    public String imageFor(String language) {
        LanguageHandler h = languages.get(language);
        if (backend instanceof DirectBackend direct && !images.containsKey(h.id())) {
            return direct.image(h.id());
        }
        return images.getOrDefault(h.id(), h.defaultImage());
    }

    @Override
    public boolean imageAvailable(String language) {
        return backend.imageExists(imageFor(language));
    }

    @Override
    public String backendName() {
        return backend.name();
    }

    @Override
    public String backendDescription() {
        return backend.describe();
    }

    @Override
    public int openSessions() {
        return sessions.size();
    }

    @Override
    public List<String> removeOrphans() {
        List<String> removed = new ArrayList<>();
        Instant now = Instant.now();
        for (BoxInfo box : backend.list(Map.of(LABEL_MANAGED, "true"))) {
            String owner = box.labels().getOrDefault(LABEL_OWNER, "");
            String expires = box.labels().get(LABEL_EXPIRES);
            boolean mine = owner.equals(Owner.SELF);
            boolean expired = expires != null && isPast(expires, now);
            boolean dead = !mine && Owner.isDead(owner);
            // a box another client is still creating ("created": not started yet) is not an orphan
            boolean stopped = !mine && (box.state().equals("exited") || box.state().equals("dead"));
            if (dead || expired && !mine || stopped) {
                log.info("Removing orphaned box {} (owner {}{})", box.name(), owner,
                        dead ? " is gone" : expired ? ", lifetime over" : ", not running");
                removeQuietly(box.id());
                removed.add(box.id());
            }
        }
        return removed;
    }

    /**
     * One-shot run: the result is returned as soon as the program ended; the box is removed in the background
     * ({@link #close()} waits for such removals, so nothing is left behind).
     */
    @Override
    public ExecutionResult run(String language, String code, SessionOptions session, RunOptions run,
            java.util.function.Consumer<SandboxSession> beforeRun) {
        SandboxSession.requireCode(code); // before a box is made for nothing
        requireNonNull(beforeRun, "beforeRun");
        long asked = System.nanoTime();
        SandboxSession s = openSession(language, session, true);
        // the box: from the warm pool or created and started for this run (its removal happens after the result)
        dev.sandbox4j.PhaseTimings box = dev.sandbox4j.PhaseTimings.of(dev.sandbox4j.PhaseTimings.Phase.ACQUIRE,
                Duration.ofNanos(System.nanoTime() - asked));
        try {
            beforeRun.accept(s);
            return s.run(code, run).plusPhases(box);
        } finally {
            Thread.ofVirtual().name("sandbox4j-close").start(s::close);
        }
    }

    @Override
    public List<String> removeAll() {
        List<String> removed = new ArrayList<>();
        for (DefaultSandboxSession s : List.copyOf(sessions.values())) {
            s.close();
        }
        for (BoxInfo box : backend.list(Map.of(LABEL_MANAGED, "true"))) {
            removeQuietly(box.id());
            removed.add(box.id());
        }
        return removed;
    }

    private void removeQuietly(String id) {
        try {
            backend.remove(id);
        } catch (BackendException e) {
            log.warn("Could not remove box {}: {}", id, e.getMessage());
        }
    }

    private static boolean isPast(String epochSeconds, Instant now) {
        try {
            return Instant.ofEpochSecond(Long.parseLong(epochSeconds)).isBefore(now);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void closeFromHook() {
        if (!closed.get()) {
            log.info("JVM shutting down: removing {} sandbox box(es)", sessions.size());
            closeInternal();
        }
    }

    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook does the work
        }
        closeInternal();
    }

    private void closeInternal() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        creations.close(); // sessions waiting for their turn to create a box fail now
        List<DefaultSandboxSession> open = List.copyOf(sessions.values());
        // remove boxes in parallel: closing a client with many sessions should not take n * 100 ms
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DefaultSandboxSession s : open) {
                exec.submit(s::close);
            }
            for (BoxPool pool : pools.values()) {
                exec.submit(pool::close); // stops refills, removes idle boxes, waits for creations in flight
            }
        }
        scheduler.shutdownNow();
        backend.close();
    }
}
