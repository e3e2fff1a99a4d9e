package dev.sandbox4j;

import dev.sandbox4j.JsonLinesAuditListener;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

import static java.util.Objects.requireNonNull;

/**
 * Entry point: connects to a container engine and opens {@link SandboxSession}s on it.
 *
 * <p>Thread-safe; create one and share it. Closing the client closes every session it opened (removing their
 * boxes) and disconnects from the engine. A JVM shutdown hook does the same if the client is never closed; boxes of a
 * process that was killed outright are removed by the next client that starts (see {@link Builder#reapOrphans}) or by
 * {@link #removeOrphans()}.
 *
 * <pre>{@code
 * try (SandboxClient client = SandboxClient.builder().build();
 *      SandboxSession session = client.openSession(Language.PYTHON)) {
 *     ExecutionResult r = session.run("print(1 + 1)", RunOptions.timeout(Duration.ofSeconds(5)));
 *     System.out.println(r.stdout()); // 2
 * }
 * }</pre>
 *
 * @since 0.1
 */
public interface SandboxClient extends AutoCloseable {

    /** Default per-run timeout when neither the run nor the session sets one: 30 seconds. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a session with default options.
     *
     * @throws IllegalArgumentException if the language is unknown
     * @throws ImageUnavailableException if its image is missing
     */
    default SandboxSession openSession(String language) {
        return openSession(language, SessionOptions.defaults());
    }

    /**
     * Opens a session with default options, stateful (one long-lived interpreter whose variables survive between
     * runs) or not.
     *
     * @throws UnsupportedOperationException if {@code stateful} and the language has no kernel
     */
    default SandboxSession openSession(String language, boolean stateful) {
        return openSession(language, SessionOptions.builder().stateful(stateful).build());
    }

    /**
     * Creates and starts a box for {@code language} (an id such as {@code "python"} or an alias such as {@code "py"}).
     *
     * @throws IllegalArgumentException if the language is unknown
     * @throws ImageUnavailableException if its image is missing
     * @throws BackendException if the engine fails
     * @throws PoolExhaustedException if the session's warm pool ({@link Builder#pool}) has no box for it and its
     *     exhaustion strategy is {@link PoolConfig.Exhaustion#FAIL_FAST} or {@link PoolConfig.Exhaustion#WAIT}
     * @throws SandboxBusyException if {@link Builder#maxConcurrentCreations} boxes are being created and the
     *     {@link Builder#creationQueue} is full
     * @throws SessionClosedException if the client is closed
     */
    SandboxSession openSession(String language, SessionOptions options);

    /** One-shot run: opens a session, runs {@code code} once and closes the session. */
    default ExecutionResult run(String language, String code) {
        return run(language, code, SessionOptions.defaults(), RunOptions.defaults());
    }

    /**
     * One-shot run: opens a session, runs {@code code} once and closes the session. The built-in client returns as soon
     * as the program ended and removes the box in the background; {@link #close()} waits for such removals.
     *
     * @throws IllegalArgumentException if {@code code} is blank ({@link SandboxSession#requireCode}; checked before a
     *     box is made) or the language is unknown
     */
    default ExecutionResult run(String language, String code, SessionOptions session, RunOptions run) {
        return run(language, code, session, run, s -> {});
    }

    /**
     * One-shot run with a hook: opens a session, hands it to {@code beforeRun} (to write the program's input files,
     * or to keep it so that another thread can cancel the run with {@link SandboxSession#cancelRun()} or
     * {@link SandboxSession#close()}), runs {@code code} once and closes the session. The session belongs to the run:
     * do not use it after this returns.
     *
     * <pre>{@code
     * ExecutionResult r = client.run("python", "print(open('in.txt').read())", SessionOptions.defaults(),
     *         RunOptions.defaults(), s -> s.putFile("in.txt", data));
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code code} is blank (checked before a box is made) or the language is
     *     unknown
     * @since 0.2
     */
    default ExecutionResult run(String language, String code, SessionOptions session, RunOptions run,
            Consumer<SandboxSession> beforeRun) {
        SandboxSession.requireCode(code);
        requireNonNull(beforeRun, "beforeRun");
        try (SandboxSession s = openSession(language, session)) {
            beforeRun.accept(s);
            return s.run(code, run);
        }
    }

    /**
     * Checks code against the client's policy ({@link Builder#policy}), or the {@code production} preset when the
     * client has none, with the language's scanner. Nothing runs; the decision is an audit event.
     *
     * @throws IllegalArgumentException if the language is unknown
     */
    PolicyVerdict check(String language, String code);

    /** Checks code against a given policy with the language's scanner. */
    PolicyVerdict check(String language, String code, SecurityPolicy policy);

    /** Canonical ids of the languages this client can run, e.g. {@code [cpp, go, java, javascript, python, r]}. */
    Set<String> languages();

    /** The image used for a language (its handler's default unless overridden on the builder). */
    String imageFor(String language);

    /** Whether the language's image is present on the engine. */
    boolean imageAvailable(String language);

    /** Name of the backend in use, e.g. {@code "docker"}. */
    String backendName();

    /** One line about the engine: version and endpoint. */
    String backendDescription();

    /** Sessions of this client that are open now. */
    int openSessions();

    /**
     * Removes boxes left behind by sandbox4j processes that no longer run (on this host), and boxes whose lifetime is
     * over. Boxes of live clients are left alone.
     *
     * @return ids of the removed boxes
     */
    List<String> removeOrphans();

    /**
     * Opens a session on an existing, running container that sandbox4j did not create (llm-sandbox's
     * {@code container_id}): no environment set-up is done, programs run in it as {@code options.runtime().user()}
     * in {@code options.runtime().workdir()}, which must exist and be writable by that user, and {@code /tmp} must be
     * writable. The container's own limits and isolation apply, not {@code options.limits()}.
     *
     * @param removeOnClose whether closing the session removes the container (otherwise only the processes the
     *     session started are killed)
     * @throws IllegalArgumentException if there is no such running container or the language is unknown
     * @throws UnsupportedOperationException if the backend cannot attach
     */
    SandboxSession attachSession(String containerId, String language, SessionOptions options, boolean removeOnClose);

    /**
     * Builds an image from a directory with a Dockerfile, e.g. a custom runtime for a language
     * ({@link Builder#image} or {@link RuntimeConfig.Builder#image} then use it).
     *
     * @param dockerfile the Dockerfile's path inside {@code contextDir}, or {@code null} for {@code Dockerfile}
     * @param progress receives the build's output lines
     * @return the image id
     * @throws IllegalArgumentException if there is no such Dockerfile
     * @throws BackendException if the build fails (the message has the failing step's output)
     */
    String buildImage(Path contextDir, @Nullable String dockerfile, String tag, Consumer<String> progress);

    /** Removes an image (e.g. a template built with {@link #buildImage}). A missing image is not an error. */
    void removeImage(String image);

    /** Removes every box sandbox4j created on this engine, including those of running clients. */
    List<String> removeAll();

    /**
     * The state and counters of each warm pool ({@link Builder#pool}), in the order they were added; empty without
     * pools.
     *
     * @since 0.2
     */
    List<PoolStats> poolStats();

    /**
     * Closes every open session, drains the warm pools (their idle boxes and those still being created are removed)
     * and disconnects. Idempotent.
     */
    @Override
    void close();

    /**
     * Configures a {@link SandboxClient}. Each method validates its argument at once.
     */
    final class Builder {
        private @Nullable String backendName;
        private @Nullable BackendPlugin backendFactory;
        private final Map<String, String> backendProperties = new LinkedHashMap<>();
        private final List<LanguagePlugin> handlers = new ArrayList<>();
        private final Map<String, String> images = new LinkedHashMap<>();
        private boolean reapOrphans = true;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private @Nullable SecurityPolicy policy;
        private SandboxEventListener eventListener = JsonLinesAuditListener.toLogger();
        private String principal = System.getProperty("user.name", "unknown");
        private InstallConfig install = InstallConfig.defaults();
        private final List<PoolConfig> pools = new ArrayList<>();
        private int maxConcurrentCreations = defaultMaxConcurrentCreations();
        private int creationQueue = DEFAULT_CREATION_QUEUE;

        /** Default of {@link #creationQueue}: 64 creations may wait. */
        public static final int DEFAULT_CREATION_QUEUE = 64;

        private Builder() {}

        /**
         * Default of {@link #maxConcurrentCreations}: the processors available to this JVM, at least 1.
         *
         * @since 0.2
         */
        public static int defaultMaxConcurrentCreations() {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }

        /** Uses the backend with this name (e.g. {@code "docker"}) instead of auto-detection. */
        public Builder backend(String name) {
            requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("backend name must not be blank");
            }
            this.backendName = name;
            return this;
        }

        /**
         * Uses this backend factory (a {@code dev.sandbox4j.spi.SandboxBackendFactory}), bypassing
         * {@link java.util.ServiceLoader} discovery.
         */
        public Builder backendFactory(BackendPlugin factory) {
            this.backendFactory = requireNonNull(factory, "factory");
            return this;
        }

        /** Sets a backend property, e.g. {@code docker.host}. */
        public Builder backendProperty(String key, String value) {
            backendProperties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /**
         * Adds (or replaces, by id) a language plug-in (a {@code dev.sandbox4j.spi.LanguageHandler}) in addition to the
         * discovered ones.
         */
        public Builder language(LanguagePlugin handler) {
            handlers.add(requireNonNull(handler, "handler"));
            return this;
        }

        /** Runs {@code language} in {@code image} instead of the handler's default image. */
        public Builder image(String language, String image) {
            requireNonNull(language, "language");
            requireNonNull(image, "image");
            if (image.isBlank()) {
                throw new IllegalArgumentException("image for '" + language + "' must not be blank");
            }
            images.put(language, image);
            return this;
        }

        /** Whether to remove boxes orphaned by crashed processes when the client starts. Default true. */
        public Builder reapOrphans(boolean reapOrphans) {
            this.reapOrphans = reapOrphans;
            return this;
        }

        /** Per-run timeout when neither the run nor the session sets one. Default 30 seconds. */
        public Builder defaultTimeout(Duration timeout) {
            Timeouts.checkPositive("defaultTimeout", timeout);
            this.defaultTimeout = timeout;
            return this;
        }

        /** Security policy for sessions that set none. Default: none (the container is the boundary). */
        public Builder policy(@Nullable SecurityPolicy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Where audit events go. Default: JSON lines to the SLF4J logger {@code dev.sandbox4j.audit} at INFO.
         * Use {@link SandboxEventListener#NONE} to turn auditing off.
         */
        public Builder eventListener(SandboxEventListener listener) {
            this.eventListener = requireNonNull(listener, "listener");
            return this;
        }

        /** Who uses this client, for audit events of sessions that name none. Default: the OS user name. */
        public Builder principal(String principal) {
            requireNonNull(principal, "principal");
            if (principal.isBlank()) {
                throw new IllegalArgumentException("principal must not be blank");
            }
            this.principal = principal;
            return this;
        }

        /** Registries and network for library installation in sessions that set none. */
        public Builder install(InstallConfig install) {
            this.install = requireNonNull(install, "install");
            return this;
        }

        /**
         * Keeps a warm pool of started boxes for sessions of one profile (language, limits, runtime), so that opening
         * such a session, or a one-shot {@link SandboxClient#run}, does not wait for a box to be created. Repeatable,
         * one pool per profile. The pools start filling in the background when the client is built.
         *
         * @throws IllegalArgumentException (from {@link #build()}) if the language is unknown or two pools have the
         *     same profile
         * @since 0.2
         */
        public Builder pool(PoolConfig config) {
            pools.add(requireNonNull(config, "config"));
            return this;
        }

        /**
         * How many boxes the client creates and starts at once: the engine's create and start of the container and
         * the start of its runner, for sessions, one-shot runs and warm-pool refills alike. Further sessions wait their
         * turn, first come first served, in a queue of {@link #creationQueue} places; beyond it they fail at once
         * with {@link SandboxBusyException}. Creating a box costs the engine CPU (on 2 cores, ~2 creations at once
         * already take all of it), and programs that run meanwhile get less: a bound here keeps a burst of sessions
         * from slowing every run on the machine. Default: {@link #defaultMaxConcurrentCreations()} (the available
         * processors). Boxes taken ready from a warm pool do not count.
         *
         * @throws IllegalArgumentException if {@code n} is below 1
         * @since 0.2
         */
        public Builder maxConcurrentCreations(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConcurrentCreations (" + n + ") must be at least 1");
            }
            this.maxConcurrentCreations = n;
            return this;
        }

        /**
         * How many box creations may wait for a free slot ({@link #maxConcurrentCreations}), in the order they came;
         * one more fails at once with {@link SandboxBusyException}. 0 refuses every creation that cannot start at
         * once. Warm-pool refills wait without taking a place. Default {@value #DEFAULT_CREATION_QUEUE}.
         *
         * @throws IllegalArgumentException if {@code n} is negative
         * @since 0.2
         */
        public Builder creationQueue(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("creationQueue (" + n + ") must not be negative");
            }
            this.creationQueue = n;
            return this;
        }

        /** What this builder was told so far. */
        public ClientSettings settings() {
            return new ClientSettings(backendName, backendFactory, backendProperties, handlers, images, reapOrphans,
                    defaultTimeout, policy, eventListener, principal, install, pools, maxConcurrentCreations,
                    creationQueue);
        }

        /**
         * Connects to the engine: the {@link EngineProvider} on the class path ({@link Sandbox4j#engine()}) makes the
         * client.
         *
         * @throws BackendUnavailableException if no backend can be used; the message lists each one tried and why
         * @throws IllegalStateException if no engine is on the class path
         */
        public SandboxClient build() {
            return Sandbox4j.engine().newClient(settings());
        }
    }
}
