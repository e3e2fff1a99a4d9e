package dev.sandbox4j.spi;

import org.jspecify.annotations.Nullable;

/**
 * A program started by {@link BoxRuntime#run} (or an installation by {@link BoxRuntime#install}): its exit code, and
 * why the backend itself ended it, if it did. Closing the handle stops the delivery of output.
 *
 * @since 0.2
 */
public interface ProgramHandle extends ExecHandle {
    /**
     * Why the backend ended the program itself, once {@link #exitCode()} completed: e.g. the program broke the
     * backend's channel and its interpreter was restarted. {@code null} when the program ended by itself, was stopped
     * by {@link BoxRuntime#kill()}, or ran out of memory (counted in {@link BoxRuntime#oomKills()}). The run then
     * ends {@code killed} with this reason.
     */
    default @Nullable String killedBecause() {
        return null;
    }
}
