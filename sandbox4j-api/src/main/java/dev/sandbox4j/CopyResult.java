package dev.sandbox4j;

import java.util.List;

/**
 * What {@link SandboxSession#copyFromRuntime} wrote on the host.
 *
 * @param files regular files written
 * @param directories directories created
 * @param bytes content bytes written
 * @param skipped entries not copied, with the reason (symbolic links, devices), e.g. {@code "link -> /etc (symlink
 *     not copied)"}
 * @since 0.2
 */
public record CopyResult(int files, int directories, long bytes, List<String> skipped) {
    public CopyResult {
        skipped = List.copyOf(skipped);
    }
}
