package dev.sandbox4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One process to start in a box.
 *
 * <p>{@code stdin} is written to the process's standard input in full. Backends may be unable to close the stream
 * afterwards (the process would never see end-of-file), so programs must read exactly as many bytes as they expect.
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
        requireNonNull(stdin, "stdin");
    }
}
