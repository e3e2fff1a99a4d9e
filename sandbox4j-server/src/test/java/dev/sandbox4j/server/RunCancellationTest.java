package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunCancellationTest {
    @Test
    void cancellingInterruptsTheWorkerAndFinishClearsTheInterrupt() {
        RunCancellation c = new RunCancellation(true);
        AtomicInteger closed = new AtomicInteger();
        c.onCancel(closed::incrementAndGet);
        c.cancel();
        c.cancel();
        assertThat(c.isCancelled()).isTrue();
        assertThat(closed).hasValue(1);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        c.finish();
        assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks past the run").isFalse();
    }

    @Test
    void aCancellationAfterTheRunFinishedDoesNothing() {
        RunCancellation c = new RunCancellation(true);
        AtomicInteger closed = new AtomicInteger();
        c.onCancel(closed::incrementAndGet);
        c.finish();
        c.cancel();
        assertThat(c.isCancelled()).isFalse();
        assertThat(closed).hasValue(0);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aCloserRegisteredAfterCancellationRunsAtOnce() {
        RunCancellation c = new RunCancellation(false);
        c.cancel();
        AtomicInteger closed = new AtomicInteger();
        c.onCancel(closed::incrementAndGet);
        assertThat(closed).hasValue(1);
        c.finish();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
