package dev.sandbox4j.server;

import org.jspecify.annotations.Nullable;

/**
 * Cancels one run when its client goes away. A one-shot run is cancelled by closing its session (the box is removed
 * and the run ends as {@code killed}); a run in a long-lived session by interrupting the thread that waits for it
 * (the library then kills every process the run started; the session stays usable). Cancellation and completion race
 * safely: whichever comes first wins, and a late interrupt never leaks into the next request on the thread.
 */
final class RunCancellation {
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int CANCELLED = 2;

    private final Thread worker;
    private final boolean interruptWorker;
    private int state = RUNNING; // guarded by this
    private @Nullable Runnable closer; // guarded by this

    /** For the current thread. */
    RunCancellation(boolean interruptWorker) {
        this.worker = Thread.currentThread();
        this.interruptWorker = interruptWorker;
    }

    /** What to do on cancellation (e.g. close the one-shot session); runs now if already cancelled. */
    synchronized void onCancel(Runnable closer) {
        this.closer = closer;
        if (state == CANCELLED) {
            closer.run();
        }
    }

    /** Cancels the run unless it has finished. Synchronized with {@link #finish()}: no interrupt comes after it. */
    synchronized void cancel() {
        if (state != RUNNING) {
            return;
        }
        state = CANCELLED;
        if (closer != null) {
            closer.run();
        }
        if (interruptWorker) {
            worker.interrupt();
        }
    }

    synchronized boolean isCancelled() {
        return state == CANCELLED;
    }

    /** Ends the cancellable period; call on the worker thread. Clears an interrupt that cancellation caused. */
    synchronized void finish() {
        if (state == RUNNING) {
            state = DONE;
        } else if (state == CANCELLED && interruptWorker) {
            Thread.interrupted();
        }
    }
}
