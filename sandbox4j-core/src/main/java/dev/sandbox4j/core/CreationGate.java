package dev.sandbox4j.core;

import dev.sandbox4j.BackendException;
import dev.sandbox4j.SandboxBusyException;
import dev.sandbox4j.SessionClosedException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission to the engine's costly part, creating and starting a box (container create + start, runner start): at
 * most {@code permits} at once, the rest wait in one FIFO queue of {@code queueCapacity} places, and one more is refused
 * at once with {@link SandboxBusyException}. A freed slot goes straight to the longest waiter, so a newcomer cannot
 * overtake the queue. Background work (warm-pool refills) may wait without taking a place
 * ({@link #enter(boolean) enter(false)}): it is bounded by the pools' sizes. Thread-safe.
 */
final class CreationGate {
    private final int permits;
    private final int queueCapacity;
    private final String backend;
    private final ReentrantLock lock = new ReentrantLock();
    /** Waiters in arrival order; guarded by {@link #lock}. */
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /** Slots held (a slot handed to a waiter stays counted); guarded by {@link #lock}. */
    private int inUse;
    /** Waiters that count against the queue's capacity; guarded by {@link #lock}. */
    private int bounded;
    private boolean closed;

    private static final class Waiter {
        final Condition turn;
        final boolean countsAgainstQueue;
        boolean granted;

        Waiter(Condition turn, boolean countsAgainstQueue) {
            this.turn = turn;
            this.countsAgainstQueue = countsAgainstQueue;
        }
    }

    /** A slot; closing it (once) frees it for the next waiter. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    CreationGate(int permits, int queueCapacity, String backend) {
        if (permits < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException("permits (" + permits + ") must be at least 1 and queueCapacity ("
                    + queueCapacity + ") not negative");
        }
        this.permits = permits;
        this.queueCapacity = queueCapacity;
        this.backend = backend;
    }

    /**
     * Takes a slot, waiting in line for it if none is free.
     *
     * @param bounded whether waiting takes one of the queue's places (a caller's session) or not (a pool refill)
     * @throws SandboxBusyException if {@code bounded}, no slot is free and the queue is full
     * @throws SessionClosedException if the gate is closed (its client closed), before or while waiting
     * @throws BackendException if interrupted while waiting (the interrupt flag is set again)
     */
    Permit enter(boolean bounded) {
        lock.lock();
        try {
            if (closed) {
                throw new SessionClosedException("SandboxClient is closed");
            }
            if (inUse < permits && queue.isEmpty()) {
                inUse++;
                return permit();
            }
            if (bounded && this.bounded >= queueCapacity) {
                throw new SandboxBusyException(permits, queueCapacity, "the sandbox is busy: " + permits
                        + " box(es) are being created and " + this.bounded + " more are waiting (maxConcurrentCreations "
                        + permits + ", creationQueue " + queueCapacity + "); retry later");
            }
            Waiter w = new Waiter(lock.newCondition(), bounded);
            queue.addLast(w);
            if (bounded) {
                this.bounded++;
            }
            try {
                while (!w.granted && !closed) {
                    w.turn.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (w.granted) {
                    handOn(); // the slot came with the interrupt: pass it on
                } else {
                    leave(w);
                }
                throw new BackendException(backend, "interrupted while waiting to create a box", e);
            }
            if (!w.granted) {
                leave(w);
                throw new SessionClosedException("SandboxClient is closed");
            }
            return permit();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter (they fail with {@link SessionClosedException}); slots held stay held until closed. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queue.forEach(w -> w.turn.signal());
        } finally {
            lock.unlock();
        }
    }

    /** Slots held now. */
    int inFlight() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /** Callers waiting now (refills included). */
    int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    int permits() {
        return permits;
    }

    int queueCapacity() {
        return queueCapacity;
    }

    private Permit permit() {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                lock.lock();
                try {
                    handOn();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    /** A held slot is given up: to the longest waiter if there is one, else it becomes free. Under {@link #lock}. */
    private void handOn() {
        Waiter next = queue.pollFirst();
        if (next == null || closed) {
            if (next != null) {
                queue.addFirst(next);
            }
            inUse--;
            return;
        }
        if (next.countsAgainstQueue) {
            bounded--;
        }
        next.granted = true;
        next.turn.signal();
    }

    private void leave(Waiter w) {
        if (queue.remove(w) && w.countsAgainstQueue) {
            bounded--;
        }
    }
}
