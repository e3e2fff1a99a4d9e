package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One process to start in a box.
 *
 * <p>{@code stdin} is written to the process's standard input in full. Backends may be unable to close the stream
 * afterwards (the process would never see end-of-file), so programs must read exactly as many bytes as they expect.
 *
 * <p>{@code stdin} is copied on the way in and on the way out, so the request cannot be changed after it is made.
 *
 * @param argv    program and arguments (not interpreted by a shell)
 * @param env     environment variables added to the image's
 * @param user    numeric {@code uid:gid}
 * @param workdir working directory
 * @param stdin   bytes for standard input; empty for none
 * @since 0.1
 */
public record ExecRequest(List<String> argv, Map<String, String> env, String user, String workdir, byte[] stdin) {
    public ExecRequest {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = Map.copyOf(env);
        requireNonNull(user, "user");
        requireNonNull(workdir, "workdir");
        stdin = requireNonNull(stdin, "stdin").clone();
    }

    /** A copy of the bytes for standard input; empty for none. */
    @Override
    public byte[] stdin() {
        return stdin.clone();
    }

    /** Compares all components; {@code stdin} by content. */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof ExecRequest other
                && argv.equals(other.argv)
                && env.equals(other.env)
                && user.equals(other.user)
                && workdir.equals(other.workdir)
                && Arrays.equals(stdin, other.stdin);
    }

    /** Consistent with {@link #equals(Object)}; hashes {@code stdin} by content. */
    @Override
    public int hashCode() {
        return Objects.hash(argv, env, user, workdir, Arrays.hashCode(stdin));
    }

    /** Shows {@code stdin} as its length only, never its contents. */
    @Override
    public String toString() {
        return "ExecRequest[argv=" + argv + ", env=" + env + ", user=" + user + ", workdir=" + workdir
                + ", stdin=" + stdin.length + " bytes]";
    }
}
