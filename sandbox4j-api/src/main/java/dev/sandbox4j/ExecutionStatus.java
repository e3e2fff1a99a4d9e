package dev.sandbox4j;

import java.util.Locale;

/**
 * How a run ended. Every status is a normal result: the sandbox worked, the untrusted program did what it did.
 *
 * @since 0.1
 */
public enum ExecutionStatus {
    /** The program exited with code 0. */
    OK,
    /** The program exited with a non-zero code (see {@link ExecutionResult#exitCode()}). */
    NONZERO_EXIT,
    /** The program ran past its deadline; it and every process it started were killed. */
    TIMED_OUT,
    /** The box's memory limit was hit and the kernel's OOM killer killed the program. */
    OOM_KILLED,
    /** stdout or stderr went past the output limit; the program was stopped and the output truncated. */
    OUTPUT_LIMIT,
    /** The program was killed by a signal for another reason (exit code 128 + signal). */
    KILLED,
    /** The session's security policy refused the code; no process was started (see the violations). */
    BLOCKED_BY_POLICY,
    /** The program did not compile; stdout/stderr and the exit code are the compiler's. Nothing ran. */
    COMPILE_ERROR,
    /** Installing the run's libraries failed; stdout/stderr are the package manager's. Nothing ran. */
    INSTALL_FAILED;

    /** The snake_case name used on the wire (JSON, CLI): {@code ok}, {@code nonzero_exit}, {@code timed_out}, … */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
