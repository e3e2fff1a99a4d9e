package dev.sandbox4j.docker;

import dev.sandbox4j.BackendException;
import java.util.function.Supplier;

/** How every part of the Docker backend calls the engine: with the caller's interrupt set aside, failures wrapped. */
final class EngineCalls {
    private EngineCalls() {
    }

    /**
     * Runs an engine call with the caller's interrupt cleared, and sets it again afterwards. docker-java's transport
     * refuses to start a request on an interrupted thread (CancellationException) and an interrupt during one breaks
     * its connection; but a caller is interrupted precisely when work must be cleaned up (the server interrupts a
     * request's thread when its client hangs up; the session then kills the run and may remove or replace its box),
     * and a box left behind, or a session lost because its box could not be replaced, is worse than finishing a call
     * that takes milliseconds. The caller still sees its interrupt when the call returns.
     */
    static <T> T uninterrupted(Supplier<T> call) {
        boolean interrupted = Thread.interrupted();
        try {
            return call.get();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void uninterrupted(Runnable call) {
        uninterrupted(() -> {
            call.run();
            return null;
        });
    }

    static BackendException fail(String what, Throwable e) {
        return new BackendException("docker", what + " failed: " + DockerBackendFactory.rootMessage(e), e);
    }
}
