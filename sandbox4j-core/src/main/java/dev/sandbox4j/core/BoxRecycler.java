package dev.sandbox4j.core;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.core.support.BoundedBuffer;
import dev.sandbox4j.spi.Box;
import dev.sandbox4j.spi.ExecHandle;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.OutputSink;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The recycling side of a warm pool ({@code maxUses} > 1), apart from {@link BoxPool}'s counting: the lease of each
 * box (when it was created, how many sessions had it), the decision whether a box given back may serve another
 * session ({@link #decide}), and the scrub that must prove it clean ({@code box/scrub.pl}) before it is renewed with a
 * new runner. Thread-safe; its scrub runs on the pool's scrub thread, outside the pool's lock.
 */
final class BoxRecycler {
    /** A box of a recycling pool: when it was created and how many sessions it was handed to. */
    record Lease(long createdNanos, int uses) {}

    /** How a box's session ended, for {@link #decide}. */
    enum Verdict {
        /** The box is scrubbed and, if the scrub is proven, made ready again. */
        RECYCLE,
        /** Not a box of this pool (anymore), or the pool is closed. */
        UNKNOWN,
        /** The session says the box is not fit (stateful, libraries installed, replaced, OOM kill, ...). */
        TAINTED,
        /** It served {@code maxUses} sessions. */
        USED_UP,
        /** It is older than {@code maxAge}. */
        TOO_OLD
    }

    private final SandboxBackend backend;
    private final PoolConfig config;
    private final RuntimeConfig runtime;
    private final PoolBoxes boxes;
    /** The boxes of a recycling pool that exist, by box id; empty otherwise. */
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    BoxRecycler(SandboxBackend backend, PoolConfig config, RuntimeConfig runtime, PoolBoxes boxes) {
        this.backend = backend;
        this.config = config;
        this.runtime = runtime;
        this.boxes = boxes;
    }

    /** Whether boxes go back to the pool after a session ({@code maxUses} > 1). */
    boolean recycles() {
        return config.maxUses() > 1;
    }

    /** A new box became ready at {@code nowNanos}: a recycling pool starts its lease. */
    void created(Box box, long nowNanos) {
        if (recycles()) {
            leases.put(box.id(), new Lease(nowNanos, 0));
        }
    }

    /** A box was handed to a session: one more use of its lease. */
    void handedOut(Box box) {
        if (recycles()) {
            leases.computeIfPresent(box.id(), (id, l) -> new Lease(l.createdNanos(), l.uses() + 1));
        }
    }

    /** The box's lease, or null if the pool does not know it (anymore). */
    @Nullable Lease lease(Box box) {
        return leases.get(box.id());
    }

    /** Forgets a box's lease: it is not reused, or it is removed. */
    void forget(Box box) {
        leases.remove(box.id());
    }

    /**
     * Whether a box given back goes to the next session (after its scrub): only a box of this pool, whose session says
     * it is fit, with uses left and younger than {@code maxAge}.
     *
     * @param lease the box's lease, or null if the pool does not know it
     * @param notReusable why the session says the box is not fit, or null
     */
    static Verdict decide(@Nullable Lease lease, @Nullable String notReusable, int maxUses, Duration maxAge,
            long nowNanos, boolean closed) {
        if (lease == null || closed) {
            return Verdict.UNKNOWN;
        }
        if (notReusable != null) {
            return Verdict.TAINTED;
        }
        if (lease.uses() >= maxUses) {
            return Verdict.USED_UP;
        }
        if (nowNanos - lease.createdNanos() > maxAge.toNanos()) {
            return Verdict.TOO_OLD;
        }
        return Verdict.RECYCLE;
    }

    /**
     * Scrubs a box given back and, if the scrub proved it clean, renews its extras (a new runner, which kills anything
     * of the sandbox user as it starts, and the image's labels) for the next session.
     *
     * @return null if the box is clean and renewed, else what the scrub found or why it failed
     */
    @Nullable String scrubAndRenew(Box box) {
        String dirty;
        try {
            dirty = scrub(box);
        } catch (RuntimeException e) {
            dirty = "the scrub failed: " + e.getMessage();
        }
        if (dirty == null) {
            boxes.startRunner(box, true);
            boxes.readImageLabels(box);
        }
        return dirty;
    }

    /**
     * Scrubs a box in one exec of {@code box/scrub.pl} as its sandbox user, and returns null if the script proved it
     * clean, or what it found left.
     */
    private @Nullable String scrub(Box box) {
        List<String> argv = scrubCommand(runtime.workdir());
        BoundedBuffer out = new BoundedBuffer(16 * 1024);
        BoundedBuffer err = new BoundedBuffer(4 * 1024);
        ExecRequest req = new ExecRequest(argv, Map.of(), runtime.user(), "/", new byte[0]);
        try (ExecHandle h = backend.exec(box, req, new OutputSink() {
            @Override
            public void stdout(byte[] chunk) {
                out.append(chunk);
            }

            @Override
            public void stderr(byte[] chunk) {
                err.append(chunk);
            }
        })) {
            int code = h.exitCode().get(EngineLimits.SCRUB.toMillis(), TimeUnit.MILLISECONDS);
            return scrubVerdict(code, out.text(), err.text());
        } catch (TimeoutException e) {
            return "the scrub did not finish within " + Texts.human(EngineLimits.SCRUB);
        } catch (ExecutionException e) {
            return "the scrub failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The scrub of a box whose sandbox user's home is {@code workdir}: every step, and the three writable places. */
    static List<String> scrubCommand(String workdir) {
        return List.of("perl", "-e", BoxScripts.SCRUB, "procs,ipc,mqueue,oom,mounts", workdir, "/tmp", "/dev/shm");
    }

    /** Null if the scrub's output proves the box clean (exit 0 and its last line {@code scrub clean}), else why not. */
    static @Nullable String scrubVerdict(int exitCode, String stdout, String stderr) {
        String out = stdout.strip();
        if (exitCode == 0 && (out.equals("scrub clean") || out.endsWith("\nscrub clean"))) {
            return null;
        }
        String what = out.isEmpty() ? stderr.strip() : out.replace('\n', ';');
        return "the scrub exited with " + exitCode + (what.isEmpty() ? "" : ": " + what);
    }
}
