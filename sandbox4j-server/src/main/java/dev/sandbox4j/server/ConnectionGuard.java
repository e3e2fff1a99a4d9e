package dev.sandbox4j.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow and greedy clients from holding the server's connections (issue 15, finding 5). Jetty's idle timeout
 * alone cannot: a byte every few seconds keeps a connection "active" forever, and the idle timeout must be long
 * because runs may be silent for minutes. So, per connection:
 *
 * <ul>
 *   <li>a request's header must arrive in full within {@code requestHeaderTimeout} of the connection opening or of
 *       the previous response (so this also bounds idle keep-alive connections);
 *   <li>a request's body must arrive in full within {@code requestBodyTimeout}, and, once it has been arriving for
 *       {@link #RATE_GRACE} (or the body timeout, if shorter), at least at {@code minRequestDataRate} bytes per
 *       second on average;
 *   <li>one client address may hold at most {@code maxConnectionsPerAddress} connections; more are closed at once.
 * </ul>
 *
 * <p>A connection that breaks a rule is closed. While a request is being handled and its body has been read, nothing
 * here applies (runs and event streams are bounded by their own timeouts). A Jetty bean: added to the server, it
 * listens on every connector when the server starts ({@link #attach} for connectors added later), and a
 * {@linkplain #handler() handler} sees each request begin and end. Thread-safe.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    /** How long a body may arrive slowly before the minimum rate applies (TCP start-up, a pause of the client). */
    static final Duration RATE_GRACE = Duration.ofSeconds(5);

    /** What a connection is doing, as far as the deadlines are concerned. */
    private static final class State {
        final Connection connection;
        final @Nullable InetAddress address;
        /** When the connection started waiting for a request header ({@code 0}: a request is being handled). */
        volatile long waitingSince;
        /** When the body of the request being handled started to be awaited ({@code 0}: complete, or none). */
        volatile long bodySince;
        volatile long bodyBytes;

        State(Connection connection, @Nullable InetAddress address, long now) {
            this.connection = connection;
            this.address = address;
            this.waitingSince = now;
        }
    }

    private final Server server;
    private final long headerTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long minBytesPerSecond;
    private final long graceNanos;
    private final int maxPerAddress;
    private final Consumer<String> closed;
    private final Map<Connection, State> states = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private @Nullable ScheduledExecutorService timer;

    /**
     * @param closed told the reason ({@code slow_header}, {@code slow_body}, {@code too_many_connections}) of every
     *     connection this guard closes, e.g. for metrics
     */
    ConnectionGuard(Server server, ServerConfig config, Consumer<String> closed) {
        this.server = server;
        this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
        this.bodyTimeoutNanos = config.requestBodyTimeout().toNanos();
        this.minBytesPerSecond = config.minRequestDataRate().bytes();
        this.graceNanos = Math.min(RATE_GRACE.toNanos(), bodyTimeoutNanos);
        this.maxPerAddress = config.maxConnectionsPerAddress();
        this.closed = closed;
    }

    /** Watches the connections of a connector added after the server started. Call before starting it. */
    void attach(Connector connector) {
        connector.addEventListener(this);
    }

    @Override
    protected void doStart() {
        for (Connector c : server.getConnectors()) {
            attach(c);
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "sandbox4j-connection-guard");
            th.setDaemon(true);
            return th;
        });
        long every = Math.clamp(Math.min(headerTimeoutNanos, bodyTimeoutNanos) / 4, 50_000_000L, 1_000_000_000L);
        t.scheduleWithFixedDelay(this::check, every, every, TimeUnit.NANOSECONDS);
        timer = t;
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress address = address(connection.getEndPoint().getRemoteSocketAddress());
        State s = new State(connection, address, System.nanoTime());
        states.put(connection, s);
        if (address != null) {
            int n = perAddress.merge(address, 1, Integer::sum);
            if (maxPerAddress > 0 && n > maxPerAddress) {
                close(s, "too_many_connections", "it already has " + maxPerAddress
                        + " connections open (max_connections_per_address)");
            }
        }
    }

    @Override
    public void onClosed(Connection connection) {
        State s = states.remove(connection);
        if (s != null && s.address != null) {
            perAddress.compute(s.address, (a, n) -> n == null || n <= 1 ? null : n - 1);
        }
    }

    private static @Nullable InetAddress address(@Nullable SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    /** Connections open now (for tests and metrics). */
    int connections() {
        return states.size();
    }

    private void check() {
        try {
            long now = System.nanoTime();
            for (State s : states.values()) {
                long waiting = s.waitingSince;
                if (waiting != 0 && now - waiting > headerTimeoutNanos) {
                    close(s, "slow_header", "no complete request header within "
                            + Duration.ofNanos(headerTimeoutNanos).toMillis() + " ms (request_header_timeout)");
                    continue;
                }
                long body = s.bodySince;
                if (body == 0) {
                    continue;
                }
                long elapsed = now - body;
                if (elapsed > bodyTimeoutNanos) {
                    close(s, "slow_body", "the request body did not arrive within "
                            + Duration.ofNanos(bodyTimeoutNanos).toMillis() + " ms (request_body_timeout)");
                } else if (minBytesPerSecond > 0 && elapsed > graceNanos
                        && s.bodyBytes < minBytesPerSecond * (elapsed / 1_000_000L) / 1000) {
                    close(s, "slow_body", "the request body arrived at less than " + minBytesPerSecond
                            + " bytes per second (min_request_data_rate)");
                }
            }
        } catch (RuntimeException e) {
            log.warn("Connection guard: {}", e.toString());
        }
    }

    private void close(State s, String reason, String why) {
        log.debug("Closing the connection from {}: {}", s.address, why);
        s.waitingSince = 0;
        s.bodySince = 0;
        closed.accept(reason);
        s.connection.getEndPoint().close();
    }

    /** The handler that tells this guard when requests begin and end; wraps the rest of the server. */
    Handler.Wrapper handler() {
        return new Handler.Wrapper() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                State s = states.get(request.getConnectionMetaData().getConnection());
                if (s == null) {
                    return super.handle(request, response, callback);
                }
                s.waitingSince = 0;
                boolean hasBody = request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
                s.bodyBytes = 0;
                s.bodySince = hasBody ? System.nanoTime() : 0;
                Callback done = new Callback() {
                    @Override
                    public void succeeded() {
                        finished(s);
                        callback.succeeded();
                    }

                    @Override
                    public void failed(Throwable x) {
                        finished(s);
                        callback.failed(x);
                    }

                    @Override
                    public InvocationType getInvocationType() {
                        return callback.getInvocationType();
                    }
                };
                try {
                    if (super.handle(hasBody ? new CountingRequest(request, s) : request, response, done)) {
                        return true;
                    }
                } catch (Throwable t) {
                    finished(s);
                    throw t;
                }
                finished(s); // not handled: Jetty answers 404 at once with its own callback
                return false;
            }
        };
    }

    /** The response is complete (before the connection may read the next request): wait for the next header. */
    private static void finished(State s) {
        s.bodySince = 0;
        s.waitingSince = System.nanoTime();
    }

    /** Counts the body's bytes as they are read, and notes when it is complete. */
    private static final class CountingRequest extends Request.Wrapper {
        private final State state;

        CountingRequest(Request request, State state) {
            super(request);
            this.state = state;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk c = super.read();
            if (c != null) {
                if (c.getByteBuffer() != null) {
                    state.bodyBytes += c.getByteBuffer().remaining();
                }
                if (c.isLast() || Content.Chunk.isFailure(c)) {
                    state.bodySince = 0;
                }
            }
            return c;
        }
    }
}
