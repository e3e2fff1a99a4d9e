package dev.sandbox4j.spi;

import java.util.Map;
import java.util.Set;

/**
 * A backend whose boxes cannot run commands: no shell and no {@link #exec}, e.g. an interpreter compiled to
 * WebAssembly in a process of its own. The engine reaches each of its boxes through the box's {@link BoxRuntime}
 * instead: it runs one program of a language's plan at a time, kills it, reads, writes and lists files, and may install
 * libraries. Everything else of a session is the engine's and the same as on a container backend: the policy check
 * before anything else, library installation after it, the run's timeout, output limit and cancellation (the engine
 * stops a run through {@link BoxRuntime#kill()}), the sanitiser, audit events, the notebook history.
 *
 * <p>What its boxes cannot do is declared in {@link #lacks()}, each with the reason, which the engine gives to the
 * caller in an {@link UnsupportedOperationException} before it tries anything.
 *
 * @since 0.2
 */
public interface DirectBackend extends SandboxBackend {
    /** A part of the session API that a direct backend may be unable to offer. */
    enum Feature {
        /** Running commands ({@code exec}, {@code execSequence}): a box without processes has none to start. */
        COMMANDS,
        /** Copying a directory tree out of the box ({@code copyFromRuntime} of a directory). */
        COPY_TREES,
        /** Saving a session's box as an image ({@code commit}). */
        COMMIT,
        /** Stateful sessions (a kernel that keeps variables between runs). */
        KERNEL
    }

    /**
     * The runtime of a box this backend created.
     *
     * @throws dev.sandbox4j.BackendException if the box is gone
     */
    BoxRuntime runtime(Box box);

    /** The features this backend cannot offer, each with the reason (a sentence for the caller). Default: none. */
    default Map<Feature, String> lacks() {
        return Map.of();
    }

    /**
     * The languages whose plans its boxes run (canonical ids, e.g. {@code python}); sessions of other languages are
     * refused when they open.
     */
    Set<String> languages();

    /**
     * What runs a language's programs here, as the session's image (shown in {@code SandboxSession.image()}, audit
     * events and notebooks), e.g. {@code pyodide:0.27.5}. {@link #imageExists} answers true for it.
     */
    String image(String language);

    /** Boxes without processes run no commands: refused with the reason of {@link Feature#COMMANDS}. */
    @Override
    default ExecHandle exec(Box box, ExecRequest request, OutputSink sink) {
        throw new UnsupportedOperationException(lacks().getOrDefault(Feature.COMMANDS, name()
                + " backend runs no commands in its boxes"));
    }

    /** {@link BoxRuntime#kill()} of the box's runtime (a direct box has one user). */
    @Override
    default boolean killAll(Box box, String user) {
        return runtime(box).kill();
    }

    /** {@link BoxRuntime#oomKills()} of the box's runtime. */
    @Override
    default long oomKillCount(Box box) {
        return runtime(box).oomKills();
    }
}
