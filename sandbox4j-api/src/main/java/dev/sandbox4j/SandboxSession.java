package dev.sandbox4j;

import dev.sandbox4j.policy.PolicyVerdict;
import java.nio.file.Path;
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
    /**
     * The output directory of runs that capture artifacts, relative to the work directory ({@code /workspace/output}
     * by default). It is emptied before each such run; what the program leaves there comes back as
     * {@link ExecutionResult#artifacts()}. Its absolute path is also in the environment variable
     * {@code SANDBOX4J_OUTPUT_DIR}.
     */
    String OUTPUT_DIR = "output";

    /**
     * The check every run makes of its code, before anything else: front doors that must refuse blank code before
     * they answer (an HTTP service before it starts streaming, a CLI before it connects) call it too, so the rule and
     * its message are the same everywhere.
     *
     * @return {@code code}
     * @throws IllegalArgumentException {@code "code must not be empty"} if {@code code} is blank
     * @since 0.2
     */
    static String requireCode(String code) {
        java.util.Objects.requireNonNull(code, "code");
        if (code.isBlank()) {
            throw new IllegalArgumentException("code must not be empty");
        }
        return code;
    }

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
     * directory; an absolute path must lie under the work directory or {@code /tmp}. Symbolic links in the box are
     * followed only as far as they stay there: a path that resolves (links followed) outside the work directory and
     * {@code /tmp} is refused before anything is created, so a program cannot point a later write elsewhere.
     *
     * @throws IllegalArgumentException if the path is empty, contains {@code ..} segments, points outside the
     *     writable directories, or resolves outside them through a symbolic link
     */
    void putFile(String path, byte[] content);

    /**
     * Reads a file from the box (same path rules as {@link #putFile}), whole. To read files of unknown size, prefer
     * {@link #getFile(String, DataSize)}.
     *
     * @throws java.io.UncheckedIOException wrapping {@link java.nio.file.NoSuchFileException} if there is no such
     *     regular file
     * @throws FileTooLargeException if the file is larger than the implementation reads at all (1 GiB for the
     *     container backends)
     * @throws IllegalArgumentException if the path breaks the path rules, or resolves (symbolic links followed)
     *     outside the work directory and {@code /tmp}: a program cannot make a read return, say, {@code /etc/passwd}
     *     or {@code /proc/self/environ} by linking to it
     */
    byte[] getFile(String path);

    /**
     * Reads a file from the box (same path rules as {@link #putFile}) if it is at most {@code max} bytes long. A
     * larger file is refused without being read into memory: the exception says how large it is when the sandbox
     * could tell, and the limit that applied.
     *
     * <p>The default implementation reads the whole file with {@link #getFile(String)} and then checks its length;
     * the library's sessions override it to stop before a file that is too large is transferred.
     *
     * @param max the most to read; a limit above what the implementation reads at all is lowered to that
     * @throws FileTooLargeException if the file is larger than {@code max}
     * @throws java.io.UncheckedIOException wrapping {@link java.nio.file.NoSuchFileException} if there is no such
     *     regular file
     * @since 0.2
     */
    default byte[] getFile(String path, DataSize max) {
        java.util.Objects.requireNonNull(max, "max");
        byte[] content = getFile(path);
        if (content.length > max.bytes()) {
            throw new FileTooLargeException(path, content.length, max);
        }
        return content;
    }

    /**
     * Runs commands one after the other, each in its own working directory, each with its own result. Stops after the
     * first command that does not end with status {@code ok}; the returned list then ends with that result.
     * {@code options} (timeout, environment, listener) apply to each command; its {@code workdir} is the default for
     * commands that name none.
     *
     * @throws IllegalArgumentException if {@code commands} is empty
     */
    List<ExecutionResult> execSequence(List<Command> commands, RunOptions options);

    /**
     * Lists a directory in the box ({@code "."} is the work directory). Symbolic links are reported with their target,
     * never followed; a directory that resolves (through a link the box made) outside the work directory and
     * {@code /tmp} is refused.
     *
     * @throws java.io.UncheckedIOException wrapping a {@link java.nio.file.NoSuchFileException} if there is no such
     *     directory
     * @throws IllegalArgumentException if the path is not a directory, leaves the box's writable directories, or is
     *     malformed
     * @since 0.2
     */
    List<FileEntry> listFiles(String path);

    /**
     * Stops the run in progress, if any, from another thread: the program (or the cell) and everything it started
     * are killed, and that run returns status {@link ExecutionStatus#KILLED} with the kill reason
     * {@code "cancelled"}. The session stays usable. Does nothing when no run is in progress.
     *
     * @since 0.2
     */
    void cancelRun();

    /**
     * Installs libraries with the language's package manager (pip, npm, Maven coordinates, Go modules, R packages)
     * into the work directory, where later runs find them. The box is connected to a network for the installation
     * only (see {@link InstallConfig}): every process of earlier runs is killed first, and the network is cut again
     * before this returns. Libraries already installed in this session are skipped.
     *
     * @return the package manager's result; status {@link ExecutionStatus#INSTALL_FAILED} (with its output) if it
     *     failed, {@link ExecutionStatus#TIMED_OUT} past {@link InstallConfig#timeout()}
     * @throws IllegalArgumentException if a library specification is malformed (e.g. starts with {@code -})
     * @throws UnsupportedOperationException if the language or the backend cannot install libraries
     */
    ExecutionResult install(List<String> libraries);

    /** Same as {@link #install(List)}. */
    default ExecutionResult install(String... libraries) {
        return install(List.of(libraries));
    }

    /** Libraries installed in this session so far, in order. */
    List<String> installedLibraries();

    /**
     * Copies a host file or directory (recursively) into the box, streaming (files are never held in memory whole).
     * A file lands at {@code boxPath}; a directory's contents land under {@code boxPath}, which is created. Symbolic
     * links inside a copied directory are copied as links if they stay inside it; a link that points outside it (or
     * is absolute) makes the copy fail before anything of it is read, so host files outside the directory never
     * enter the box.
     *
     * @throws java.io.UncheckedIOException wrapping {@link java.nio.file.NoSuchFileException} if {@code hostPath}
     *     does not exist, or an {@link java.io.IOException} naming an escaping link or special file
     * @throws IllegalArgumentException if {@code boxPath} is outside the writable directories or has {@code ..}
     */
    void copyToRuntime(Path hostPath, String boxPath);

    /**
     * Copies a file or directory (recursively) out of the box, streaming. A file is written to {@code hostPath} (or
     * into it, if it is an existing directory); a directory's contents are written under {@code hostPath}, which is
     * created. The box's content is untrusted: entries that would leave {@code hostPath} (absolute names, {@code ..},
     * existing symbolic links on the host) are refused, and symbolic links in the box are not recreated on the host.
     * A box path that is itself a symbolic link, or resolves outside the work directory and {@code /tmp}, is refused.
     *
     * @return what was written
     * @throws java.io.UncheckedIOException wrapping {@link java.nio.file.NoSuchFileException} if there is nothing at
     *     {@code boxPath}, or an {@link java.io.IOException} if writing on the host fails or an entry is refused
     */
    CopyResult copyFromRuntime(String boxPath, Path hostPath);

    /**
     * Saves the box's work directory (installed libraries, files) together with its image as a new image, so that a
     * prepared environment can be reused: sessions opened on {@code image} start with a copy of that work directory.
     * The session keeps running.
     *
     * @param image reference for the new image, e.g. {@code "my/python-ml:1"}
     * @return the new image's id
     * @throws UnsupportedOperationException if the backend cannot build images
     */
    String commit(String image);

    /** Whether runs share one long-lived interpreter ({@link SessionOptions#stateful()}). */
    boolean isStateful();

    /**
     * Clears the interpreter state of a stateful session (variables, imports, the execution counter); files stay.
     * In a stateless session there is no state to clear: processes left in the background are killed.
     */
    void reset();

    /**
     * The session's runs so far as a Jupyter notebook (nbformat 4.5 JSON): one code cell per run with its output
     * streams, displays, result and error. At most the last 1000 runs are kept.
     */
    String exportNotebook();

    /** Removes the box. Idempotent; never throws. */
    @Override
    void close();
}
