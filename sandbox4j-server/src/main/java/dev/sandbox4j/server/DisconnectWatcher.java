package dev.sandbox4j.server;

import io.javalin.http.Context;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices clients that hang up while their run goes on, so the run can be cancelled instead of burning a box for
 * nothing.
 *
 * <p>Jetty only learns that a connection was closed when it reads or writes, and while a handler runs (its request
 * body already read, nothing written yet) it does neither. So every {@link #POLL_MILLIS} ms this watcher tries a
 * non-blocking read on the connection of each registered request: end of stream means the client is gone. Only
 * HTTP/1.x requests whose body has been read completely are watched, so no request content can be consumed; should a
 * client send bytes anyway (pipelining), watching stops and the connection is closed after the response (the client
 * retries the pipelined request, as HTTP allows).
 */
final class DisconnectWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DisconnectWatcher.class);
    static final long POLL_MILLIS = 100;

    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox4j-disconnect-watcher");
        t.setDaemon(true);
        return t;
    });

    DisconnectWatcher() {
        timer.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** One watched request; close it before writing the response. */
    final class Watch implements AutoCloseable {
        private final EndPoint endPoint;
        private final Runnable onDisconnect;
        private final Context ctx;
        private boolean done; // guarded by this

        private Watch(EndPoint endPoint, Context ctx, Runnable onDisconnect) {
            this.endPoint = endPoint;
            this.ctx = ctx;
            this.onDisconnect = onDisconnect;
        }

        private synchronized boolean check() {
            if (done) {
                return false;
            }
            int n;
            try {
                n = endPoint.fill(BufferUtil.allocate(1)); // non-blocking; a buffer in Jetty's flush mode
            } catch (java.io.IOException | RuntimeException e) {
                n = -1;
            }
            if (n == 0) {
                return true;
            }
            done = true;
            if (n > 0) {
                log.debug("Client sent data while its request was running; closing the connection after the response");
                ctx.attribute(CLOSE_CONNECTION, Boolean.TRUE);
                return false;
            }
            try {
                onDisconnect.run();
            } catch (RuntimeException e) {
                log.warn("Cancelling a run of a client that hung up failed: {}", e.toString());
            }
            return false;
        }

        @Override
        public synchronized void close() {
            done = true;
            watches.remove(this);
        }
    }

    /** Context attribute set when the connection must be closed after the response. */
    static final String CLOSE_CONNECTION = "sandbox4j.close-connection";

    /**
     * Watches the connection of {@code ctx} until the returned watch is closed; {@code onDisconnect} runs (on the
     * watcher's thread, once) if the client hangs up. Returns a no-op watch for connections that cannot be watched.
     */
    Watch watch(Context ctx, Runnable onDisconnect) {
        EndPoint ep = endPoint(ctx);
        Watch w = new Watch(ep, ctx, onDisconnect);
        if (ep == null) {
            w.done = true;
            return w;
        }
        watches.add(w);
        return w;
    }

    private static @Nullable EndPoint endPoint(Context ctx) {
        try {
            ServletContextRequest r = ServletContextRequest.getServletContextRequest(ctx.req());
            if (r == null || !r.getConnectionMetaData().getHttpVersion().name().startsWith("HTTP_1")) {
                return null;
            }
            return r.getConnectionMetaData().getConnection().getEndPoint();
        } catch (RuntimeException e) {
            log.debug("Cannot watch the connection: {}", e.toString());
            return null;
        }
    }

    private void poll() {
        for (Watch w : watches) {
            if (!w.check()) {
                watches.remove(w);
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
