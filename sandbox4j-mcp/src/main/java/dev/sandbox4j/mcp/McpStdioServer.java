package dev.sandbox4j.mcp;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.tools.SandboxTools;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the sandbox tools over MCP's stdio transport: newline-delimited JSON-RPC on {@code in} and {@code out}.
 * {@link #serve} returns when {@code in} ends (the client closed the pipe or exited), after closing the server and
 * every session the client opened, so no process or box outlives the client.
 *
 * <p>Nothing but protocol messages may be written to {@code out}: log to stderr.
 *
 * @since 0.2
 */
public final class McpStdioServer {
    private static final Logger log = LoggerFactory.getLogger(McpStdioServer.class);

    /** All stdio calls share one scope: one process serves one client. */
    public static final String SCOPE = "stdio";

    private McpStdioServer() {}

    /**
     * Serves until {@code in} reaches its end or fails, then closes the server and the tools' sessions in
     * {@link #SCOPE}. The caller still owns {@code tools} and the client.
     *
     * @throws InterruptedException if the waiting thread is interrupted (the server is closed first)
     */
    public static void serve(SandboxTools tools, InputStream in, OutputStream out) throws InterruptedException {
        requireNonNull(tools, "tools");
        CountDownLatch ended = new CountDownLatch(1);
        InputStream watched = new EndWatchingStream(requireNonNull(in, "in"), ended);
        McpJsonMapper mapper = SandboxMcp.jsonMapper();
        StdioServerTransportProvider transport = new StdioServerTransportProvider(mapper, watched,
                requireNonNull(out, "out"));
        McpSyncServer server = SandboxMcp.configure(McpServer.sync(transport), tools, mapper, exchange -> SessionOwner.local(SCOPE))
                .build();
        log.info("MCP server on stdio ready ({} tools)", tools.specs().size());
        try {
            ended.await();
            log.info("stdin closed: stopping the MCP server");
        } finally {
            try {
                server.closeGracefully();
            } catch (RuntimeException e) {
                log.debug("Closing the MCP server: {}", e.toString());
            }
            int n = tools.closeScope(SCOPE);
            if (n > 0) {
                log.info("Closed {} session(s) left open by the client", n);
            }
        }
    }

    /** Counts down when the stream ends or fails, whoever reads it. */
    private static final class EndWatchingStream extends FilterInputStream {
        private final CountDownLatch ended;

        EndWatchingStream(InputStream in, CountDownLatch ended) {
            super(in);
            this.ended = ended;
        }

        @Override
        public int read() throws IOException {
            return watch(() -> super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return watch(() -> super.read(b, off, len));
        }

        @Override
        public void close() throws IOException {
            ended.countDown();
            super.close();
        }

        private int watch(IoRead read) throws IOException {
            try {
                int n = read.read();
                if (n < 0) {
                    ended.countDown();
                }
                return n;
            } catch (IOException | RuntimeException e) {
                ended.countDown();
                throw e;
            }
        }

        private interface IoRead {
            int read() throws IOException;
        }
    }
}
