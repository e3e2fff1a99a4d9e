package dev.sandbox4j.core;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.BoxSpec;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.SandboxBackend;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-side work on the boxes of one warm pool, apart from {@link BoxPool}'s counting: the spec of a new box,
 * the extras a ready box carries for the session that takes it (its prestarted runner with the language's bare fork
 * server, the labels of its image), whether a box still runs, and the removal of a box with its extras. Thread-safe;
 * makes engine calls and never holds the pool's lock.
 */
final class PoolBoxes {
    private static final Logger log = LoggerFactory.getLogger(BoxPool.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxBackend backend;
    private final PoolConfig config;
    private final String language;
    private final String image;
    private final String supervisorUser;
    private final RuntimeConfig runtime;
    private final @Nullable ExecutionPlan forkServer;
    private final String describe;
    /** Resident runners started in ready boxes (by box id), handed to the session that takes the box. */
    private final Map<String, Runner> runners = new ConcurrentHashMap<>();
    /** The labels of the image each ready box was made from (by box id), read while it waited: a session taking the
     * box needs them (a committed image's saved work directory) and need not ask the engine. */
    private final Map<String, Map<String, String>> imageLabels = new ConcurrentHashMap<>();

    /**
     * @param forkServer the language's bare fork server, started beside every ready box's runner; null for none
     * @param describe the pool's name in log messages
     */
    PoolBoxes(SandboxBackend backend, PoolConfig config, String language, String image, String supervisorUser,
            RuntimeConfig runtime, @Nullable ExecutionPlan forkServer, String describe) {
        this.backend = backend;
        this.config = config;
        this.language = language;
        this.image = image;
        this.supervisorUser = supervisorUser;
        this.runtime = runtime;
        this.forkServer = forkServer;
        this.describe = describe;
    }

    /** The spec of a new pooled box: a fresh name, and the labels of a managed box of this pool. */
    BoxSpec newSpec() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        String id = "pool-" + HexFormat.of().formatHex(b);
        Map<String, String> labels = new LinkedHashMap<>(runtime.labels());
        labels.put(DefaultSandboxClient.LABEL_MANAGED, "true");
        labels.put(DefaultSandboxClient.LABEL_SESSION, id);
        labels.put(DefaultSandboxClient.LABEL_OWNER, Owner.SELF);
        labels.put(DefaultSandboxClient.LABEL_CREATED, Instant.now().toString());
        labels.put(DefaultSandboxClient.LABEL_LANGUAGE, language);
        labels.put(BoxPool.LABEL_POOL, language);
        return new BoxSpec("sandbox4j-" + language + "-" + id, image, supervisorUser, config.limits(), runtime,
                labels);
    }

    /**
     * Starts the box's resident runner (with the bare fork server beside it) now, so that the session that takes the
     * box runs its first program without an engine exec. A box without one (no perl, a backend that cannot stream
     * input) is still a good box.
     *
     * @param recycled whether the box served a session before (its new runner kills anything of the sandbox user as
     *     it starts; there should be nothing)
     */
    void startRunner(Box box, boolean recycled) {
        try {
            Runner r = Runner.start(backend, box, runtime, 0, recycled);
            startBareForkServer(r);
            runners.put(box.id(), r);
        } catch (RuntimeException e) {
            log.debug("Warm pool {}: no runner in {}box {}: {}", describe, recycled ? "recycled " : "", box.name(),
                    e.toString());
        }
    }

    /** Starts the language's bare fork server beside a ready box's runner: ~25 ms of CPU and ~12 MiB while it waits. */
    private void startBareForkServer(Runner r) {
        if (forkServer != null) {
            Map<String, String> env = SessionContext.baseEnv(runtime);
            env.putAll(forkServer.env());
            r.startForkServer(forkServer.argv(), env);
        }
    }

    /** Reads the labels of the box's image while it waits, for {@link #takeImageLabels}. */
    void readImageLabels(Box box) {
        try {
            Map<String, String> labels = backend.imageLabels(image);
            if (labels != null) {
                imageLabels.put(box.id(), labels);
            }
        } catch (RuntimeException e) {
            log.debug("Warm pool {}: could not read the labels of {}: {}", describe, image, e.toString());
        }
    }

    /** The labels of the image {@code box} was made from, if they were read while it waited; else null. */
    @Nullable Map<String, String> takeImageLabels(Box box) {
        return imageLabels.remove(box.id());
    }

    /** The runner started in {@code box} while it was ready, if any; the caller owns it from now on. */
    @Nullable Runner takeRunner(Box box) {
        return runners.remove(box.id());
    }

    /**
     * Whether a box about to be handed out still runs: a box whose resident runner is alive does (the runner is an
     * exec in it, whose stream ends with the box), so the hand-out makes no engine call; only a box without one is
     * inspected. Dead boxes are also found by the background health check.
     */
    boolean healthyAtHandOut(Box box) {
        Runner r = runners.get(box.id());
        return r != null && r.isAlive() || healthy(box);
    }

    /** Whether the engine says the box runs (false if it cannot tell). */
    boolean healthy(Box box) {
        try {
            return backend.isRunning(box);
        } catch (RuntimeException e) {
            log.warn("Warm pool {}: could not check box {}: {}", describe, box.name(), e.getMessage());
            return false;
        }
    }

    /** Removes a box and its extras (its runner is closed); a failure is logged, not thrown. */
    void remove(Box box) {
        imageLabels.remove(box.id());
        Runner r = runners.remove(box.id());
        if (r != null) {
            r.close();
        }
        try {
            backend.remove(box.id());
        } catch (RuntimeException e) {
            log.warn("Warm pool {}: could not remove box {}: {} (`sandbox4j gc` removes it later)", describe,
                    box.name(), e.getMessage());
        }
    }
}
