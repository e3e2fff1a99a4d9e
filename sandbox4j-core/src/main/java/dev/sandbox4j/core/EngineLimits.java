package dev.sandbox4j.core;

import java.time.Duration;

/**
 * Every time limit and cap the engine sets for itself, in one place. The limits a caller sets (the run's timeout, 30 s
 * unless the run, the session or the client says otherwise: {@link dev.sandbox4j.SandboxClient#DEFAULT_TIMEOUT}; the
 * output limit and the box's resources: {@link dev.sandbox4j.ResourceLimits}) are the API's; these bound the engine's
 * own steps so that none of them can hang a session.
 */
final class EngineLimits {
    private EngineLimits() {}

    // ------------------------------------------------------------------ programs

    /** A compile step (javac, g++, go build), separate from the run's own timeout unless the run sets one. */
    static final Duration COMPILE = Duration.ofSeconds(120);
    /** How long a killed program's exit may take to be reported before the kill is treated as incomplete. */
    static final Duration KILL_GRACE = Duration.ofMillis(700);
    /**
     * How long past a run's deadline the host waits for the resident runner, which enforces the deadline itself,
     * before it decides the runner was stopped or killed and kills through the engine.
     */
    static final Duration RUNNER_BACKSTOP = Duration.ofSeconds(2);
    /** How long the runner may take to start (one engine exec). */
    static final Duration RUNNER_START = Duration.ofSeconds(10);
    /** How long the runner may take to answer a kill request between runs. */
    static final Duration RUNNER_KILL = Duration.ofSeconds(5);
    /**
     * How far past the session's lifetime a run may go, so that the session's own expiry (which closes it) comes
     * first and the run does not race it with a kill in a box being removed.
     */
    static final Duration LIFETIME_SLACK = Duration.ofMillis(300);

    // ------------------------------------------------------------------ kernels

    /** How long a kernel may take to start. */
    static final Duration KERNEL_START = Duration.ofSeconds(30);
    /** How long an interrupted cell gets to stop before its kernel is killed and restarted. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(2);
    /** Runs kept for the notebook export, per session. */
    static final int MAX_HISTORY = 1000;

    // ------------------------------------------------------------------ files

    /** A helper exec of the engine's own (a file read or write, a signal, a listing). */
    static final Duration HELPER_EXEC = Duration.ofSeconds(60);
    /** A file copy into or out of the box (tar streams). */
    static final Duration COPY = Duration.ofMinutes(10);
    /** The largest file {@code getFile} reads back (the box's tmpfs is bounded anyway). */
    static final long MAX_FILE_READ = 1L << 30;
    /** Artifacts returned per run: at most this many files ... */
    static final int MAX_ARTIFACTS = 256;
    /** ... and this many bytes in all. */
    static final long MAX_ARTIFACT_BYTES = 64L << 20;
    /**
     * Longest wait for the runner's report of a run's output directory (after the program ended): it reads at most
     * {@link #MAX_ARTIFACT_BYTES}. A runner that does not finish it is retired and the files are copied out instead.
     */
    static final Duration CAPTURE = Duration.ofSeconds(60);

    // ------------------------------------------------------------------ sessions

    /** How long the scrub of a pooled box between two sessions may take before the box is removed instead. */
    static final Duration SCRUB = Duration.ofSeconds(30);
    /** How long a second {@code close()} waits for the first one to have removed the box. */
    static final Duration CLOSE_WAIT = Duration.ofMinutes(2);
}
