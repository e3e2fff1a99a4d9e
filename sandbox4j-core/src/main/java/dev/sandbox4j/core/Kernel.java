package dev.sandbox4j.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.Frames;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One kernel process in a box: a long-lived interpreter started through an exec whose standard input stays open. The
 * host sends requests and receives messages as frames (4-byte big-endian length + UTF-8 JSON) over that exec's
 * stdin/stdout. Messages are queued in arrival order; when the process ends, an {@code {"type":"exit"}} message is
 * queued after the last one.
 */
final class Kernel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Frames larger than this end the kernel (a sane kernel never sends them; figures are well below). */
    private static final int MAX_FRAME = 256 << 20;

    private final ExecHandle handle;
    private final OutputStream toKernel;
    private final BlockingQueue<JsonNode> messages;
    private final BoundedBuffer stderr;
    private final int pid;
    private final boolean interruptBySignal;
    private final boolean answersPing;

    private Kernel(ExecHandle handle, OutputStream toKernel, int pid, BlockingQueue<JsonNode> messages,
            BoundedBuffer stderr, boolean interruptBySignal, boolean answersPing) {
        this.interruptBySignal = interruptBySignal;
        this.answersPing = answersPing;
        this.handle = handle;
        this.toKernel = toKernel;
        this.pid = pid;
        this.messages = messages;
        this.stderr = stderr;
    }

    /**
     * Starts the kernel and waits for its {@code ready} message.
     *
     * @param request the launcher exec (its stdin bytes are the launcher's framed files; the kernel's stdin follows)
     * @throws BackendException if the kernel exits or does not become ready in time (with its stderr)
     */
    static Kernel start(SandboxBackend backend, Box box, ExecRequest request, Duration startTimeout) {
        ChunkPipe pipe = new ChunkPipe(64);
        OutputStream sink = pipe.sink();
        Parser parser = new Parser();
        BoundedBuffer err = new BoundedBuffer(16 * 1024);
        BlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
        try {
            sink.write(request.stdin());
        } catch (IOException e) {
            throw new BackendException(backend.name(), "cannot start the kernel: " + e.getMessage(), e);
        }
        ExecHandle h = backend.exec(box, request, pipe.source(), new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                parser.feed(chunk, queue);
            }

            @Override
            public void stderr(byte[] chunk) {
                err.append(chunk);
            }
        });
        h.exitCode().whenComplete((code, e) -> {
            ObjectNode exit = JSON.createObjectNode();
            exit.put("type", "exit");
            exit.put("code", code == null ? -1 : code);
            queue.add(exit);
        });
        try {
            JsonNode first = queue.poll(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (first == null || !"ready".equals(first.path("type").asText())) {
                h.close();
                String why = first == null ? "did not start within " + startTimeout.toSeconds() + " s"
                        : "exited with code " + first.path("code").asInt();
                throw new BackendException(backend.name(), "the kernel " + why
                        + (err.text().isBlank() ? "" : ": " + err.text().strip()), null);
            }
            return new Kernel(h, sink, first.path("pid").asInt(-1), queue, err,
                    "signal".equals(first.path("interrupt").asText()), first.path("ping").asBoolean(false));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            h.close();
            throw new BackendException(backend.name(), "interrupted while starting the kernel", e);
        }
    }

    /** The kernel's process id in the box. */
    int pid() {
        return pid;
    }

    /**
     * Whether the kernel must be interrupted with SIGINT from outside (its reader cannot run while a cell runs, e.g.
     * Node.js) rather than with an {@code interrupt} request.
     */
    boolean interruptBySignal() {
        return interruptBySignal;
    }

    /**
     * Whether the kernel answers {@code {"op":"ping","nonce":N}} with {@code {"type":"pong","nonce":N}} from its request
     * loop (said in its ready message): then a cell's end is confirmed by a nonce the cell cannot know in advance.
     */
    boolean answersPing() {
        return answersPing;
    }

    boolean isAlive() {
        return !handle.exitCode().isDone();
    }

    /** The type of the message {@link #post} queues to wake whoever waits for the next message: stop the cell. */
    static final String CANCEL = "_cancel";

    /** Queues a message of the host's own (type {@code type}) behind the kernel's, e.g. {@link #CANCEL}. */
    void post(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type);
        messages.add(n);
    }

    /** Drops the host's own messages still queued ({@link #post}). */
    void dropPosted() {
        messages.removeIf(m -> m.path("type").asText().startsWith("_"));
    }

    /** Sends one request. */
    void send(ObjectNode request) throws IOException {
        byte[] body = JSON.writeValueAsBytes(request);
        byte[] frame = Frames.untyped(body);
        synchronized (toKernel) {
            toKernel.write(frame);
        }
    }

    ObjectNode request(String op) {
        ObjectNode n = JSON.createObjectNode();
        n.put("op", op);
        return n;
    }

    /** The next message, or {@code null} if none arrives within the timeout. */
    @Nullable JsonNode next(long timeoutNanos) throws InterruptedException {
        return messages.poll(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
    }

    /** What the kernel process wrote to its own stderr before it took over its descriptors (start-up errors). */
    String startupErrors() {
        return stderr.text();
    }

    @Override
    public void close() {
        try {
            toKernel.close();
        } catch (IOException ignored) {
            // already closed
        }
        handle.close();
    }

    /** Cuts the exec's stdout into messages. Called on the backend's stream thread only. */
    private static final class Parser {
        private final Frames.Decoder decoder = Frames.untypedDecoder(MAX_FRAME);
        private boolean broken;

        void feed(byte[] chunk, BlockingQueue<JsonNode> out) {
            if (broken) {
                return; // reported once; the driver ends the kernel
            }
            try {
                decoder.feed(chunk, f -> {
                    try {
                        out.add(JSON.readTree(f.payload()));
                    } catch (IOException e) {
                        out.add(protocolError(e.getMessage()));
                    }
                });
            } catch (Frames.FrameException e) {
                broken = true;
                out.add(protocolError(e.getMessage()));
            }
        }

        private static ObjectNode protocolError(@Nullable String detail) {
            ObjectNode bad = JSON.createObjectNode();
            bad.put("type", "protocol_error");
            bad.put("detail", detail);
            return bad;
        }
    }
}
