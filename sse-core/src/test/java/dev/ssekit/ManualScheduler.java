package dev.ssekit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler whose periodic tasks run only when a test says so, on the test's thread: with a
 * {@link MutableClock}, heartbeats and write deadlines become deterministic.
 *
 * <p>Thread-safe. Shut it down after the test; the futures it hands out are real, so that
 * cancelling one (as a closing registry does) stops its task from running again.
 */
final class ManualScheduler extends ScheduledThreadPoolExecutor {

    private record Periodic(Runnable task, long periodMillis, ScheduledFuture<?> future) {}

    private final List<Periodic> periodic = new CopyOnWriteArrayList<>();

    ManualScheduler() {
        super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        // A real future that never fires on its own, so that cancel() and isCancelled() behave.
        ScheduledFuture<?> future = super.schedule(() -> {}, 365, TimeUnit.DAYS);
        periodic.add(new Periodic(command, unit.toMillis(period), future));
        return future;
    }

    /** Runs every periodic task that has not been cancelled, once, on the calling thread. */
    void runPeriodicTasks() {
        for (Periodic p : periodic) {
            if (!p.future().isCancelled()) {
                p.task().run();
            }
        }
    }

    /** Returns how many periodic tasks were scheduled and are not cancelled. */
    long activePeriodicTasks() {
        return periodic.stream().filter(p -> !p.future().isCancelled()).count();
    }

    /** Returns the period of the only periodic task, in milliseconds. */
    long periodMillis() {
        return periodic.stream().filter(p -> !p.future().isCancelled())
                .reduce((a, b) -> {
                    throw new IllegalStateException("more than one periodic task");
                })
                .orElseThrow().periodMillis();
    }
}
