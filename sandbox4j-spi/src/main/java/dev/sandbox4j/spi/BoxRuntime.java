package dev.sandbox4j.spi;

import dev.sandbox4j.FileEntry;
import java.io.IOException;
import java.util.List;

/**
 * What the engine does in one box of a {@link DirectBackend}: the counterpart of {@link SandboxBackend#exec} and the
 * scripts the engine runs in a container's box. The engine serialises the calls of a session (one program, file
 * operation or installation at a time) except {@link #kill()}, which it calls while a program runs.
 *
 * <p>Paths are absolute and already checked by the engine (no {@code ..}, inside the session's work directory or
 * {@code /tmp}). The box's own program may have planted symbolic links there: a file operation whose path resolves
 * through a link to anything outside the work directory and {@code /tmp} must be refused with {@link
 * java.nio.file.AccessDeniedException}, its {@code otherFile} naming where the path leads.
 *
 * @since 0.2
 */
public interface BoxRuntime {
    /**
     * Starts one program: writes its files under {@link ProgramRequest#runDir()}, empties (creates) its output
     * directory if it has one, and starts its command line with its environment, standard input and working
     * directory. Its output goes to {@code sink} as it comes, all of it before the exit code completes.
     *
     * <p>The engine enforces the run's timeout, output limit and cancellation: it calls {@link #kill()}, and the
     * program must then end soon with its exit code reported.
     *
     * @throws UnsupportedOperationException if the command line is not one this backend can run (with the reason)
     */
    ProgramHandle run(ProgramRequest program, OutputSink sink);

    /**
     * Stops what runs in the box now and anything it started. The backend may first ask it to stop (an interrupt),
     * but must have stopped it within a few seconds, restarting its interpreter if need be. Returns once it has
     * stopped. With nothing running, does nothing.
     *
     * @return whether nothing is left running
     */
    boolean kill();

    /** How many programs the backend has ended for running out of memory in this box so far. */
    long oomKills();

    /**
     * Writes a file (creating its parent directories), replacing what was there.
     *
     * @throws java.nio.file.AccessDeniedException if the path leads outside the work directory and {@code /tmp}
     * @throws IOException if it cannot be written
     */
    void writeFile(String path, byte[] content) throws IOException;

    /**
     * Reads a regular file.
     *
     * @param max the largest size accepted
     * @throws java.nio.file.NoSuchFileException if there is no regular file at the path
     * @throws java.nio.file.AccessDeniedException if the path leads outside the work directory and {@code /tmp}
     * @throws dev.sandbox4j.FileTooLargeException if the file is larger than {@code max}
     * @throws IOException if it cannot be read
     */
    byte[] readFile(String path, long max) throws IOException;

    /**
     * The entries of a directory (any order): symbolic links are reported with their target, never followed.
     *
     * @throws java.nio.file.NoSuchFileException if there is nothing at the path
     * @throws java.nio.file.NotDirectoryException if it is not a directory
     * @throws java.nio.file.AccessDeniedException if the path leads outside the work directory and {@code /tmp}
     * @throws IOException if it cannot be listed
     */
    List<FileEntry> listFiles(String dir) throws IOException;

    /**
     * Installs libraries in the box, reporting what it does to {@code sink}; exit code 0 when every library is
     * installed. The engine bounds it with the installation timeout, like a program, and calls it only after the
     * policy allowed the run that asked for the libraries.
     *
     * @throws IllegalArgumentException if a library specification is malformed
     * @throws UnsupportedOperationException if the backend cannot install libraries (with the reason)
     */
    default ProgramHandle install(List<String> libraries, OutputSink sink) {
        throw new UnsupportedOperationException("this backend cannot install libraries");
    }
}
