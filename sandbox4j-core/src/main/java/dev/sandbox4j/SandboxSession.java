package dev.sandbox4j;

import dev.sandbox4j.policy.PolicyVerdict;
import java.util.List;

/**
 * One box (container) running one language, for as long as the session is open.
 *
 * <p>Runs are serialised: a session executes one program at a time, and a second caller waits. Files written by a run
 * (in the work directory, by default {@code /workspace}) stay for later runs. Background processes a run leaves behind
 * keep running until the session closes, unless the run timed out or flooded its output, in which case every process it
 * started is killed. The session stays usable after a timeout, an out-of-memory kill or an output flood.
 *
 * <p>Closing removes the box and everything in it. A session also closes itself when its lifetime ({@link
 * SessionOptions#sessionTimeout()}) is over, and when its {@link SandboxClient} closes.
 *
 * <pre>{@code
 * try (SandboxSession session = client.openSession(Language.PYTHON)) {
 *     session.putFile("data.csv", csvBytes);
 *     ExecutionResult r = session.run("print(open('data.csv').read()[:20])", RunOptions.timeout(Duration.ofSeconds(5)));
 * }
 * }</pre>
 *
 * @since 0.1
 */
public interface SandboxSession extends AutoCloseable {
    /** Random id of this session; also the {@code dev.sandbox4j.session} label of its box. */
    String id();

    /** Canonical language id, e.g. {@code "python"}. */
    String language();

    /** The image the box runs. */
    String image();

    /** Whether the session can still run programs. */
    boolean isOpen();

    /**
     * Checks code against the session's security policy without running it. Without a policy everything is allowed.
     */
    PolicyVerdict isSafe(String code);

    /**
     * Runs a program with the session's default timeout.
     *
     * @throws IllegalArgumentException if {@code code} is blank
     * @throws SessionClosedException if the session is closed
     * @throws BackendException if the engine fails
     */
    default ExecutionResult run(String code) {
        return run(code, RunOptions.defaults());
    }

    /**
     * Runs a program in the session's language.
     *
     * @throws IllegalArgumentException if {@code code} is blank
     * @throws SessionClosedException if the session is closed
     * @throws BackendException if the engine fails
     */
    ExecutionResult run(String code, RunOptions options);

    /**
     * Runs a command (no shell; {@code command.get(0)} is looked up on {@code PATH}) as the sandbox user, in the work
     * directory. A command that is not found ends with exit code 127.
     *
     * @throws IllegalArgumentException if {@code command} is empty
     */
    ExecutionResult exec(List<String> command, RunOptions options);

    /** Same as {@link #exec(List, RunOptions)} with default options. */
    default ExecutionResult exec(String... command) {
        return exec(List.of(command), RunOptions.defaults());
    }

    /**
     * Writes a file into the box, creating parent directories. A relative path is resolved against the work
     * directory; an absolute path must lie under the work directory or {@code /tmp}.
     *
     * @throws IllegalArgumentException if the path is empty, contains {@code ..} segments or points outside the
     *     writable directories
     */
    void putFile(String path, byte[] content);

    /**
     * Reads a file from the box (same path rules as {@link #putFile}).
     *
     * @throws java.io.UncheckedIOException wrapping {@link java.nio.file.NoSuchFileException} if there is no such
     *     regular file
     */
    byte[] getFile(String path);

    /** Removes the box. Idempotent; never throws. */
    @Override
    void close();
}
