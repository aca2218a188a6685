package dev.ssekit.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once, after a delay: how a registry runs its heartbeat and write-deadline sweep
 * (which schedules itself again after each run) and the close callbacks that must not run where
 * the close was found.
 *
 * <p>Implementations are thread-safe: the registry schedules from any thread. A task must run on
 * another thread than the one that scheduled it, never before its delay, and one at a time or
 * concurrently as the implementation likes. A scheduler that can no longer run tasks throws
 * {@link java.util.concurrent.RejectedExecutionException}. Tests pass one that runs what is due
 * when they say so:
 *
 * <pre>{@code
 * record Due(long atNanos, Runnable task) {}
 * List<Due> due = new ArrayList<>();
 * Scheduler scheduler = (delay, task) -> due.add(new Due(ticker.read() + delay.toNanos(), task));
 * }</pre>
 *
 * @since 1.0
 */
@FunctionalInterface
public interface Scheduler {

    /**
     * Runs {@code task} once, on a thread of the scheduler's, after {@code delay} (zero: as soon as
     * it can).
     *
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler has stopped
     */
    void schedule(Duration delay, Runnable task);

    /**
     * Returns a scheduler that schedules on {@code executor}; shutting the executor down is its
     * owner's business.
     */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (delay, task) -> executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
