package dev.sandbox4j;

/**
 * Root of every exception sandbox4j throws for a failure of the sandbox itself (engine, image, session state).
 *
 * <p>The untrusted program failing is not an exception: a non-zero exit, a timeout, an out-of-memory kill or an
 * output flood is reported in {@link ExecutionResult#status()}. Caller mistakes (bad arguments) are reported with
 * {@link IllegalArgumentException} or {@link NullPointerException} from builders and methods.
 *
 * @since 0.1
 */
public abstract sealed class SandboxException extends RuntimeException
        permits BackendUnavailableException, BackendException, SessionClosedException, ImageUnavailableException,
                PoolExhaustedException, SandboxBusyException {

    SandboxException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause);
    }
}
