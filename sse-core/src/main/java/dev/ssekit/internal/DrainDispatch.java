package dev.ssekit.internal;

import dev.ssekit.spi.Scheduler;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands connections that have frames queued to the threads that write them: the drain executor, a
 * few tasks per fan-out, or the publishing thread itself when an offer found the executor behind.
 * It also decides where a closed connection's callbacks run, since a drain run here may close one.
 *
 * <p>Thread-safe and lock-free: it holds only its executors and a thread-local mark, and is called
 * after the hub's lock is released (a kick may write, which is never done under that lock).
 */
final class DrainDispatch {

    /**
     * Recipients one drain task covers: a publish to many connections becomes a few tasks, which
     * an executor of several threads runs side by side, and never one task per recipient.
     */
    static final int DRAIN_SLICE = 1_024;

    /**
     * Set while this thread hands what a publish or a relayed delivery queued to the drain. The drain
     * may run right here (a publisher helping a lagging executor, an executor that runs tasks on the
     * calling thread) and close a connection; its close callbacks then run on the scheduler instead,
     * because they are the application's code and may publish, which on the relay's reader would wait
     * for a delivery only that thread can make, and a publisher must not run other people's code.
     */
    private static final ThreadLocal<Boolean> DISPATCHING = new ThreadLocal<>();

    private final Executor drainExecutor;
    private final boolean ownDrainExecutor;
    private final Scheduler scheduler; // null: callbacks always run where the close was found
    private final Counters counters;

    DrainDispatch(Executor drainExecutor, boolean ownDrainExecutor, Scheduler scheduler, Counters counters) {
        this.drainExecutor = drainExecutor;
        this.ownDrainExecutor = ownDrainExecutor;
        this.scheduler = scheduler;
        this.counters = counters;
    }

    /**
     * After a fan-out, outside the lock: has {@code targets} written by the drain executor, or right
     * here when an offer found the executor behind ({@code drainNow}: this thread helps, and a
     * publisher faster than the drain thread is held back).
     */
    void drain(DefaultSseConnection[] targets, boolean drainNow) {
        dispatching(drainNow ? () -> drainHere(targets) : () -> drainLater(targets));
    }

    /** As {@link #drain(DefaultSseConnection[], boolean)}, for one connection. */
    void drain(DefaultSseConnection c, boolean drainNow) {
        dispatching(drainNow ? c::kick : () -> drainLater(c));
    }

    /**
     * Has the drain executor write what a publish queued for {@code targets}: a few tasks, each
     * kicking a slice of them. The publisher returns without waiting for any client, and frames
     * queued while a drain task waits or runs are written together and flushed once. A kick is cheap
     * for a connection whose queue was emptied meanwhile or that another thread drains, and the
     * connection's state machine lets only one thread drain it at a time.
     */
    void drainLater(DefaultSseConnection[] targets) {
        for (int from = 0; from < targets.length; from += DRAIN_SLICE) {
            execute(new DrainSlice(targets, from, Math.min(targets.length, from + DRAIN_SLICE), counters));
        }
    }

    private void drainHere(DefaultSseConnection[] targets) {
        new DrainSlice(targets, 0, targets.length, counters).run();
    }

    private void drainLater(DefaultSseConnection c) {
        execute(c::kick);
    }

    private void execute(Runnable drain) {
        try {
            drainExecutor.execute(drain);
        } catch (RejectedExecutionException e) {
            drain.run(); // the executor is shutting down: drain here, so that nothing queued is stranded
        }
    }

    /**
     * One drain task: kicks {@code targets[from, to)}, and counts the frames written once for the
     * slice, so that counting costs nothing per recipient.
     */
    private record DrainSlice(DefaultSseConnection[] targets, int from, int to, Counters counters) implements Runnable {
        @Override
        public void run() {
            long written = 0;
            try {
                for (int i = from; i < to; i++) {
                    written += targets[i].kickUncounted();
                }
            } finally {
                counters.framesWritten.add(written);
            }
        }
    }

    /** Runs {@code drains} marked as dispatching, so that closes they cause defer their callbacks. */
    void dispatching(Runnable drains) {
        if (DISPATCHING.get() != null) {
            drains.run();
            return;
        }
        DISPATCHING.set(Boolean.TRUE);
        try {
            drains.run();
        } finally {
            DISPATCHING.remove();
        }
    }

    /**
     * Runs a closed connection's callbacks: here, on the thread that closed it (the application's,
     * the container's, the scheduler's, the drain executor's), unless this thread is publishing or
     * delivering relayed events; then on the scheduler. They run outside every lock either way.
     */
    void runCallbacks(Runnable callbacks) {
        if (DISPATCHING.get() == null || scheduler == null) {
            callbacks.run();
            return;
        }
        try {
            scheduler.schedule(Duration.ZERO, callbacks);
        } catch (RejectedExecutionException e) {
            callbacks.run(); // the registry is shutting down and its scheduler has stopped
        }
    }

    /** Stops the drain executor if the registry made it: what is still queued runs, and finds connections closed. */
    void shutdown() {
        if (ownDrainExecutor) {
            ((ExecutorService) drainExecutor).shutdown();
        }
    }
}
