package dev.sandbox4j;

/**
 * Receives audit events. Methods are called synchronously on the thread doing the work, so keep them fast; they
 * must not throw (exceptions are logged and ignored). Override what you need.
 *
 * <pre>{@code
 * SandboxClient client = SandboxClient.builder()
 *         .eventListener(JsonLinesAuditListener.toFile(Path.of("/var/log/sandbox4j/audit.jsonl")))
 *         .build();
 * }</pre>
 *
 * @since 0.1
 */
public abstract class SandboxEventListener {
    /** Ignores everything. */
    public static final SandboxEventListener NONE = new SandboxEventListener() {};

    /** A session's box was created and started. */
    public void sessionOpened(SessionEvent event) {}

    /** A session's box was removed. */
    public void sessionClosed(SessionEvent event) {}

    /** A policy allowed or blocked code (also for {@code check}/{@code isSafe} calls). */
    public void policyDecision(PolicyDecisionEvent event) {}

    /** A run or exec finished (or was blocked). */
    public void runFinished(RunEvent event) {}

    /** Sends every event to all of {@code listeners}, in order. */
    public static SandboxEventListener composite(SandboxEventListener... listeners) {
        SandboxEventListener[] all = listeners.clone();
        return new SandboxEventListener() {
            @Override
            public void sessionOpened(SessionEvent event) {
                for (SandboxEventListener l : all) {
                    l.sessionOpened(event);
                }
            }

            @Override
            public void sessionClosed(SessionEvent event) {
                for (SandboxEventListener l : all) {
                    l.sessionClosed(event);
                }
            }

            @Override
            public void policyDecision(PolicyDecisionEvent event) {
                for (SandboxEventListener l : all) {
                    l.policyDecision(event);
                }
            }

            @Override
            public void runFinished(RunEvent event) {
                for (SandboxEventListener l : all) {
                    l.runFinished(event);
                }
            }
        };
    }
}
