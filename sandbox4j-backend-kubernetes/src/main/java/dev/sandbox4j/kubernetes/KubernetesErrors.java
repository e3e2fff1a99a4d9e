package dev.sandbox4j.kubernetes;

import dev.sandbox4j.BackendException;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** How the Kubernetes backend reports failures: the API server's own message where it gave one, else the root cause. */
final class KubernetesErrors {
    private KubernetesErrors() {
    }

    /** A {@link BackendException} saying what failed and why. */
    static BackendException fail(String what, Throwable e) {
        return new BackendException("kubernetes", what + " failed: " + message(e), e);
    }

    /** The API server's message (e.g. a 403's RBAC explanation), else the root cause. */
    static String message(Throwable e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return (k.getCode() > 0 ? "HTTP " + k.getCode() + ": " : "") + k.getStatus().getMessage();
        }
        return rootMessage(e);
    }

    static String rootMessage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            // the JDK client reports a refused connection as a bare ClosedChannelException under a ConnectException
            if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
                    || c instanceof javax.net.ssl.SSLException || c instanceof java.net.http.HttpTimeoutException) {
                return c.getClass().getSimpleName() + ": " + (c.getMessage() != null ? c.getMessage()
                        : c instanceof java.net.ConnectException ? "connection refused" : "no detail");
            }
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
