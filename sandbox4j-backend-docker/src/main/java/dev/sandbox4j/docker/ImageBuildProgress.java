package dev.sandbox4j.docker;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an image build reports: the caller's progress listener, called from any thread but never concurrently, and
 * heartbeats for the long silent phases. A listener that throws is logged and otherwise ignored.
 */
final class ImageBuildProgress {
    private static final Logger LOG = LoggerFactory.getLogger(ImageBuildProgress.class);
    private static final Duration HEARTBEAT_AFTER = Duration.ofSeconds(15);

    private final Consumer<String> listener;
    private final Object lock = new Object();
    private volatile long lastProgressNanos = System.nanoTime();

    ImageBuildProgress(Consumer<String> listener) {
        this.listener = listener;
    }

    /** Hands one line to the listener. */
    void emit(String line) {
        synchronized (lock) {
            lastProgressNanos = System.nanoTime();
            try {
                listener.accept(line);
            } catch (RuntimeException e) {
                LOG.warn("Progress listener failed on line '{}'", line, e);
            }
        }
    }

    /** Starts printing "NAME: still PHASE (N s)" whenever nothing was printed for 15 s, until closed. */
    Heartbeat heartbeat(String name, String phase) {
        return new Heartbeat(name, phase);
    }

    /** Prints "NAME: still PHASE (N s)" whenever nothing was printed for {@link #HEARTBEAT_AFTER}. */
    final class Heartbeat implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sandbox4j-image-heartbeat").factory());

        private Heartbeat(String name, String phase) {
            long start = System.nanoTime();
            timer.scheduleWithFixedDelay(() -> {
                long now = System.nanoTime();
                if (now - lastProgressNanos >= HEARTBEAT_AFTER.toNanos()) {
                    emit(name + ": still " + phase + " (" + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s)");
                }
            }, 1, 1, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
