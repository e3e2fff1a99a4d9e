package dev.sandbox4j.core;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ResourceLimits;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fork server of one session ({@link SessionBox}): which one it may start (none when stateful, for fresh
 * interpreters, or under {@link #FORK_SERVER_MIN_MEMORY}), when to start it beside the runner (bare first, with its
 * preloads once a run imports one of them), and its restart after installs. Also the bare fork server a warm pool starts
 * in its ready boxes ({@link #bareForkServer}). The runner ({@link Runner}) runs it; this class only decides.
 */
final class ForkServers {
    private static final Logger log = LoggerFactory.getLogger(SessionBox.class);

    /** The smallest memory limit a fork server is started under: its imports take about 100 MiB. */
    static final DataSize FORK_SERVER_MIN_MEMORY = DataSize.ofMegabytes(256);

    private final SessionContext ctx;
    /** The fork server to start beside each runner, or null (stateful, no fork server in the language, too little
     * memory for its imports, or the session wants fresh interpreters). */
    private final @Nullable ExecutionPlan plan;
    private final boolean oneShot;
    private final @Nullable Pattern preloadImport;

    /**
     * @param oneShot whether the session runs one program and closes: it never starts a fork server (its preloads
     *     would cost more than the one run saves)
     */
    ForkServers(SessionContext ctx, boolean oneShot) {
        this.ctx = ctx;
        this.oneShot = oneShot;
        this.plan = planOf(ctx);
        this.preloadImport = preloadImport(plan);
    }

    private static @Nullable ExecutionPlan planOf(SessionContext ctx) {
        if (ctx.options().stateful() || ctx.options().freshInterpreter()
                || ctx.options().limits().memory().bytes() < FORK_SERVER_MIN_MEMORY.bytes()) {
            return null;
        }
        return ctx.handler().forkServerPlan(ctx.options().preload());
    }

    /** Whether the session has a fork server at all (runs may fork from it once it is ready). */
    boolean enabled() {
        return plan != null;
    }

    /**
     * The import statements of the fork server's preloads (its argv after {@code python3 -c SOURCE}), by top-level
     * package: {@code import numpy}, {@code from pandas import ...}, {@code import os, matplotlib.pyplot as plt}.
     */
    static @Nullable Pattern preloadImport(@Nullable ExecutionPlan plan) {
        if (plan == null || plan.argv().size() <= 3) {
            return null;
        }
        String roots = plan.argv().subList(3, plan.argv().size()).stream().map(m -> m.split("\\.", 2)[0])
                .distinct().map(Pattern::quote).collect(Collectors.joining("|"));
        return Pattern.compile("(?m)^[ \\t]*(?:from[ \\t]+(?:" + roots + ")\\b|import[ \\t]+[^#\\n]*\\b(?:"
                + roots + ")\\b)");
    }

    /**
     * Starts the session's fork server (in the background) after its first stateless run, and its preloads once a run
     * imports one of them. First without preloads: a bare interpreter to fork from costs a python start (~25 ms of
     * CPU, ~12 MiB) and takes that start off every later run. Importing numpy, pandas and matplotlib costs a few
     * seconds of CPU, which a session that never imports them should not pay: the fork server is restarted with its
     * preloads when a run's files import one of them. A one-shot run never starts one (it ends before it would be
     * ready). Called after a run has ended, so the start does not compete with it.
     *
     * @param r the session's runner now, or null
     */
    void warm(@Nullable Runner r, Map<String, byte[]> files) {
        ExecutionPlan p = plan;
        if (p == null || oneShot) {
            return;
        }
        if (r == null || !r.isAlive() || r.forkServerFailed()) {
            return;
        }
        List<String> full = p.argv();
        if (importsAPreload(files) && !r.forkServerArgv().equals(full)) {
            log.debug("Session {}: a run imported a preloaded module; starting the fork server with its preloads",
                    ctx.id());
            r.startForkServer(full, ctx.env(p.env()));
        } else if (!r.forkServerRequested()) {
            r.startForkServer(bare(p), ctx.env(p.env()));
        }
    }

    /**
     * Starts the fork server anew (the runner replaces the running one), so that what it preloads and what forked
     * runs can import include libraries installed since it started. Runs take a fresh interpreter meanwhile.
     *
     * @param r the session's runner now, or null
     */
    void restart(@Nullable Runner r) {
        ExecutionPlan p = plan;
        if (p != null && r != null && r.isAlive() && r.forkServerRequested()) {
            r.startForkServer(r.forkServerArgv(), ctx.env(p.env()));
        }
    }

    /**
     * The language's fork server without preloads, for the boxes of a warm pool, or null (no fork server in the
     * language, or too little memory).
     */
    static @Nullable ExecutionPlan bareForkServer(LanguageHandler handler, ResourceLimits limits) {
        ExecutionPlan plan = limits.memory().bytes() < FORK_SERVER_MIN_MEMORY.bytes() ? null
                : handler.forkServerPlan(null);
        return plan == null ? null : new ExecutionPlan(Map.of(), bare(plan), plan.env());
    }

    /** The fork server's argv without its preloads ({@code python3 -c SOURCE}). */
    static List<String> bare(ExecutionPlan plan) {
        return plan.argv().subList(0, Math.min(3, plan.argv().size()));
    }

    /** Whether a file imports a top-level package the fork server preloads ({@code import pandas as pd}, ...). */
    private boolean importsAPreload(Map<String, byte[]> files) {
        Pattern p = preloadImport;
        if (p == null) {
            return false;
        }
        for (byte[] f : files.values()) {
            if (p.matcher(new String(f, StandardCharsets.UTF_8)).find()) {
                return true;
            }
        }
        return false;
    }
}
