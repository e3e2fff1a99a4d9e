package dev.sandbox4j;

/**
 * The client is creating as many boxes as it may at once ({@link SandboxClient.Builder#maxConcurrentCreations}) and as
 * many more wait for their turn as its queue holds ({@link SandboxClient.Builder#creationQueue}), so a session could
 * not even be queued. Nothing was created; trying again a little later may succeed (the server answers 429 with a
 * {@code Retry-After}).
 *
 * @since 0.2
 */
public final class SandboxBusyException extends SandboxException {
    private final int maxConcurrentCreations;
    private final int creationQueue;

    public SandboxBusyException(int maxConcurrentCreations, int creationQueue, String message) {
        super(message, null);
        this.maxConcurrentCreations = maxConcurrentCreations;
        this.creationQueue = creationQueue;
    }

    /** Boxes the client creates and starts at once (all were being created). */
    public int maxConcurrentCreations() {
        return maxConcurrentCreations;
    }

    /** Creations that may wait for a free slot (the queue was full). */
    public int creationQueue() {
        return creationQueue;
    }
}
