package dev.sandbox4j.server;

import dev.sandbox4j.OutputListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events for one streamed run: {@code stdout} and {@code stderr} events ({@code {"text": ...}}) as the
 * program writes, a comment every few seconds while it is silent, then one {@code result} (or {@code error}) event.
 *
 * <p>The library calls the listener methods on its own threads and asks them not to block, so chunks go through a
 * queue to a writer thread. The queue is bounded in practice by the run's output limit (the library delivers only
 * output within it). A failed write means the client has gone: {@code onBroken} cancels the run.
 */
final class SseStream implements OutputListener {
    private static final Object END = new Object();

    private record Chunk(boolean stderr, byte[] bytes) {}

    private final OutputStream out;
    private final Runnable onBroken;
    private final long heartbeatMillis;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Utf8Chunks stdout = new Utf8Chunks();
    private final Utf8Chunks stderr = new Utf8Chunks();
    private final Thread writer;
    private volatile boolean broken;

    SseStream(OutputStream out, Runnable onBroken, Duration heartbeat) {
        this.out = out;
        this.onBroken = onBroken;
        this.heartbeatMillis = heartbeat.toMillis();
        this.writer = Thread.ofVirtual().name("sandbox4j-sse").start(this::loop);
    }

    @Override
    public void onStdout(byte[] chunk) {
        if (!broken) {
            queue.add(new Chunk(false, chunk));
        }
    }

    @Override
    public void onStderr(byte[] chunk) {
        if (!broken) {
            queue.add(new Chunk(true, chunk));
        }
    }

    boolean isBroken() {
        return broken;
    }

    private void loop() {
        try {
            while (true) {
                Object item = queue.poll(heartbeatMillis, TimeUnit.MILLISECONDS);
                if (item == null) {
                    write(": keep-alive\n\n");
                } else if (item == END) {
                    String o = stdout.flush();
                    String e = stderr.flush();
                    if (!o.isEmpty()) {
                        event("stdout", Map.of("text", o));
                    }
                    if (!e.isEmpty()) {
                        event("stderr", Map.of("text", e));
                    }
                    return;
                } else if (item instanceof Chunk c) {
                    String text = (c.stderr ? stderr : stdout).feed(c.bytes);
                    if (!text.isEmpty()) {
                        event(c.stderr ? "stderr" : "stdout", Map.of("text", text));
                    }
                }
            }
        } catch (IOException e) {
            broken = true;
            queue.clear();
            onBroken.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void event(String name, Object data) throws IOException {
        write("event: " + name + "\ndata: " + Wire.writeString(data) + "\n\n");
    }

    private void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Sends what is still queued, then the final event, and ends the stream. Call once, on the request's thread.
     */
    void finish(String name, Object data) {
        queue.add(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (broken) {
            return;
        }
        try {
            event(name, data);
        } catch (IOException e) {
            broken = true;
        }
    }
}
