package dev.sandbox4j.core;

import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shields the engine from listeners that throw. */
final class SafeEventListener extends SandboxEventListener {
    private static final Logger log = LoggerFactory.getLogger(SafeEventListener.class);
    private final SandboxEventListener delegate;

    SafeEventListener(SandboxEventListener delegate) {
        this.delegate = delegate;
    }

    private void guard(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("SandboxEventListener {} threw {}", delegate.getClass().getName(), e.toString());
        }
    }

    @Override
    public void sessionOpened(SessionEvent event) {
        guard(() -> delegate.sessionOpened(event));
    }

    @Override
    public void sessionClosed(SessionEvent event) {
        guard(() -> delegate.sessionClosed(event));
    }

    @Override
    public void policyDecision(PolicyDecisionEvent event) {
        guard(() -> delegate.policyDecision(event));
    }

    @Override
    public void runFinished(RunEvent event) {
        guard(() -> delegate.runFinished(event));
    }
}
