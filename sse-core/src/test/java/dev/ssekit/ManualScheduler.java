package dev.ssekit;

import dev.ssekit.spi.Scheduler;
import dev.ssekit.spi.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduler whose tasks run only when a test says so, on the test's thread; each keeps the time it
 * was due on the test's {@link Ticker}, for the test to check. With a {@link MutableClock},
 * heartbeats and write deadlines become deterministic. Thread-safe.
 */
final class ManualScheduler implements Scheduler {

    record Due(long atNanos, Runnable task) {}

    private final Ticker ticker;
    final List<Due> pending = new ArrayList<>();

    ManualScheduler(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public synchronized void schedule(Duration delay, Runnable task) {
        pending.add(new Due(ticker.read() + delay.toNanos(), task));
    }

    /**
     * Runs, once, every task scheduled so far, on the calling thread, as if its time had come: the
     * test says when. Those they schedule wait for the next call.
     */
    void runPending() {
        List<Due> due;
        synchronized (this) {
            due = List.copyOf(pending);
            pending.clear();
        }
        due.forEach(d -> d.task().run());
    }
}
