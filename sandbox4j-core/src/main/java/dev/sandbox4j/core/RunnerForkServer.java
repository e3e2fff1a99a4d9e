package dev.sandbox4j.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fork server beside one {@link Runner}, as the runner's host side sees it: the request that starts it, its state
 * from the runner's {@code Z} frames ("starting", "ready pid=P", "failed ..."), and the argv it was last started with.
 * Which fork server to start, and when, is {@link ForkServers}'s; runs forked from it are {@link Runner#runForked}.
 */
final class RunnerForkServer {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);

    /** The fork server's state: its last Z frame ("ready pid=P", "failed ..."), or null before any. */
    private volatile @Nullable String state;
    /** The argv the fork server was last started with (empty if never). */
    private volatile List<String> argv = List.of();

    /**
     * The request that (re)starts the fork server with {@code argv} and {@code env}; from now on it counts as
     * starting.
     */
    byte[] startRequest(List<String> argv, Map<String, String> env) {
        List<byte[]> fields = new ArrayList<>();
        fields.add("zygote".getBytes(StandardCharsets.US_ASCII));
        fields.add(Integer.toString(argv.size()).getBytes(StandardCharsets.US_ASCII));
        argv.forEach(a -> fields.add(a.getBytes(StandardCharsets.UTF_8)));
        env.forEach((k, v) -> fields.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
        state = "starting";
        this.argv = List.copyOf(argv);
        return RunnerWire.request(fields);
    }

    /** The start request could not be sent to the runner. */
    void notSent(Exception e) {
        state = "failed " + e.getMessage();
    }

    /** The runner's {@code Z} frame: the fork server's new state. */
    void frame(byte[] payload) {
        state = new String(payload, StandardCharsets.UTF_8);
        if (failed()) {
            log.info("the fork server is not available: {}", state);
        }
    }

    /** Whether a fork server was asked for (it may still be starting, or have failed). */
    boolean requested() {
        return state != null;
    }

    /** The argv the fork server was last started with (empty if it never was). */
    List<String> argv() {
        return argv;
    }

    /** Whether the fork server said it is ready (the runner must also be alive for it to take runs). */
    boolean ready() {
        String f = state;
        return f != null && f.startsWith("ready");
    }

    /** Whether a fork server was started and has since failed (it is not started again). */
    boolean failed() {
        String f = state;
        return f != null && f.startsWith("failed");
    }
}
