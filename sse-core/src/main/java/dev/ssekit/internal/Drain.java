package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state machine that drains a connection's {@link FrameQueue} into its {@link SseTransport},
 * and closes the transport once, after the last write.
 *
 * <p>Thread-safe, with one entry, {@link #kick()}, that any thread may call at any time: one thread
 * drains at a time, and a kick while it drains means "look again before you stop" (the pattern of
 * Jetty's {@code IteratingCallback}). The drainer writes while the transport is ready, flushes once,
 * and either goes idle or waits for the transport's writable signal ({@link #writable()}), the only
 * thing that resumes a waiting drain. A connection to be closed is condemned first, which any thread
 * may do under any lock ({@link #condemn}): its queue takes nothing more at once, so nothing that
 * follows a refused frame is ever written, and the transport is closed and the close callbacks run
 * by whichever thread takes the state to {@link State#CLOSED}, never under the condemner's locks. So the transport sees one call
 * at a time, and nothing after its close.
 *
 * <p>A superclass of {@link DefaultSseConnection} rather than an object of its own, for the same
 * reason as {@link CloseOnce}.
 */
abstract class Drain extends CloseOnce {

    private static final System.Logger LOG = System.getLogger(Drain.class.getName());

    /**
     * What {@link #waitingSinceMillis()} returns while the transport is not waiting. Not 0: that is
     * a real time to an injected clock, and a stall that began then must still meet its deadline.
     */
    static final long NOT_WAITING = Long.MIN_VALUE;

    /** Where the drain is. Every transition is a compare-and-set on {@link #state}. */
    enum State {
        /** Nobody drains; a kick that finds work starts a drain. */
        IDLE,
        /** One thread drains. */
        DRAINING,
        /** One thread drains and was kicked meanwhile: it looks again before it stops. */
        DRAINING_AGAIN,
        /** The transport said not ready; only its writable signal resumes the drain. */
        WAITING,
        /** Condemned while nobody drained: the next kick drains what is left and closes. */
        CONDEMNED,
        /**
         * Condemned: one thread writes what the queue still holds while the transport is ready
         * (frames queued before a refused one, after a slow-consumer overflow; nothing otherwise),
         * then closes the transport.
         */
        CLOSING,
        /** The transport is closed, or being closed by the one thread that took the state here. */
        CLOSED
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Drain.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SseTransport transport;
    final FrameQueue queue = new FrameQueue();
    final ConnectionContext context;
    private volatile State state = State.IDLE; // through STATE
    private volatile long waitingSinceMillis = NOT_WAITING;
    private volatile boolean finishWhenDrained;
    // Written by the drainer; read by a kick, which may have to flush what the drainer left. Plain:
    // only the thread that holds DRAINING writes it, and it leaves that state by a CAS or a volatile
    // write of the state, which a kick reads before it reads this.
    private boolean unflushed;

    Drain(SseTransport transport, ConnectionContext context) {
        this.transport = transport;
        this.context = context;
    }

    /** Returns where the drain is now; a snapshot. */
    final State state() {
        return state;
    }

    /** Time the transport last said not ready, or {@link #NOT_WAITING} if it is not waiting now. */
    final long waitingSinceMillis() {
        return waitingSinceMillis;
    }

    /**
     * The one entry: drains what is queued if nobody does, asks the drainer to look again if one
     * does, closes a condemned connection, and does nothing while the transport is not ready.
     */
    final void kick() {
        count(kick(false));
    }

    /**
     * {@link #kick()}, leaving the count of frames written to the caller, who counts the kicks of a
     * whole fan-out at once: the counter is then bumped once per fan-out, not once per recipient.
     *
     * @return the frames this call wrote
     */
    final int kickUncounted() {
        return kick(false);
    }

    /** The transport can take writes again: a waiting drain resumes. */
    final void writable() {
        waitingSinceMillis = NOT_WAITING;
        count(kick(true));
    }

    private void count(int written) {
        if (written > 0) {
            context.counters().framesWritten.add(written);
        }
    }

    /**
     * {@link #kick()}, and with {@code writable} the transport's signal that it can take writes,
     * which alone moves a waiting drain. One method, so that the signal is never lost between a look
     * at the state and the drainer's move to {@link State#WAITING}.
     *
     * @return the frames this call wrote
     */
    private int kick(boolean writable) {
        for (; ; ) {
            State s = state;
            switch (s) {
                case IDLE -> {
                    if (queue.isEmpty() && !unflushed && !finishWhenDrained) {
                        return 0;
                    }
                    if (STATE.compareAndSet(this, State.IDLE, State.DRAINING)) {
                        return drainLoop();
                    }
                }
                case DRAINING -> {
                    if (STATE.compareAndSet(this, State.DRAINING, State.DRAINING_AGAIN)) {
                        return 0;
                    }
                }
                case CONDEMNED -> {
                    if (STATE.compareAndSet(this, State.CONDEMNED, State.CLOSING)) {
                        return drainLoop(); // writes what is left while ready, then closes
                    }
                }
                case WAITING -> {
                    if (!writable) {
                        return 0;
                    }
                    // Straight to DRAINING, not through IDLE: a publisher that saw IDLE would take a
                    // full queue for a drain executor behind, and queue past the limit.
                    if (STATE.compareAndSet(this, State.WAITING, State.DRAINING)) {
                        waitingSinceMillis = NOT_WAITING; // the drainer may have set it after our first reset
                        return drainLoop();
                    }
                }
                default -> {
                    return 0; // DRAINING_AGAIN, CLOSING, CLOSED
                }
            }
        }
    }

    /** Asks the drain to close with {@link CloseReason#SHUTDOWN} once everything queued is written. */
    final void finishWhenDrained() {
        finishWhenDrained = true;
        kick();
    }

    /**
     * Condemns the connection for {@code reason}, if it is still open: its queue takes nothing
     * more. After a slow-consumer overflow, what was queued before the refused frame may still be
     * written while the transport is ready (it precedes the refused event, so the client resumes
     * before it); for any other reason the queue is dropped. Safe under any lock: no I/O and no
     * callback runs here; the next {@link #kick()} (or the running drainer) closes the transport.
     *
     * @return whether this call claimed the close
     */
    final boolean condemn(CloseReason reason) {
        boolean claimed = claim(reason);
        if (claimed && reason == CloseReason.SLOW_CONSUMER) {
            context.counters().slowConsumers.increment(); // before the close callbacks, which may read stats
        }
        if (reason != CloseReason.SLOW_CONSUMER) {
            queue.close(); // a slow consumer's queue already refuses, and keeps what came first
        }
        for (; ; ) {
            State s = state;
            State next = switch (s) {
                case IDLE, WAITING -> State.CONDEMNED;
                case DRAINING, DRAINING_AGAIN -> State.CLOSING;
                default -> null; // CONDEMNED, CLOSING, CLOSED: on its way already
            };
            if (next == null || STATE.compareAndSet(this, s, next)) {
                return claimed;
            }
        }
    }

    /**
     * Condemns the connection and, unless a drainer is about to, closes it on this thread.
     *
     * @return whether this call claimed the close
     */
    final boolean close(CloseReason reason) {
        boolean claimed = condemn(reason);
        kick();
        return claimed;
    }

    /** Runs while this thread owns the drain; leaves the state anything but DRAINING(_AGAIN). */
    private int drainLoop() {
        int total = 0; // frames written, over every pass
        try {
            for (; ; ) {
                boolean ready = transport.isReady();
                int written = 0;
                try {
                    // Condemned meanwhile: the queue takes nothing more, so what is polled here came
                    // before whatever was refused.
                    while (ready) {
                        // The volatile size first: the common last look at an empty queue takes no lock.
                        SseFrame frame = queue.isEmpty() ? null : queue.poll();
                        if (frame == null) {
                            break;
                        }
                        transport.write(frame);
                        written++;
                        total++;
                        ready = transport.isReady();
                    }
                } finally {
                    if (written > 0) {
                        unflushed = true; // once per pass
                    }
                }
                if (ready && unflushed) {
                    transport.flush();
                    unflushed = false;
                    ready = transport.isReady();
                }
                if (state == State.CLOSING) {
                    closeFromDrainer(); // written what was left while ready; no waiting for more
                    return total;
                }
                if (!ready) {
                    waitingSinceMillis = context.nowMillis();
                    if (STATE.compareAndSet(this, State.DRAINING, State.WAITING)) {
                        return total;
                    }
                    waitingSinceMillis = NOT_WAITING;
                    if (!STATE.compareAndSet(this, State.DRAINING_AGAIN, State.DRAINING)) {
                        closeFromDrainer(); // CLOSING
                        return total;
                    }
                    continue; // kicked meanwhile, perhaps writable: isReady() again, which re-arms the signal
                }
                // Ready, flushed, and the queue was empty when we looked.
                if (finishWhenDrained && queue.isEmpty()) {
                    claim(CloseReason.SHUTDOWN);
                    queue.close();
                    closeFromDrainer();
                    return total;
                }
                if (STATE.compareAndSet(this, State.DRAINING, State.IDLE)) {
                    // A producer may have queued after our last poll but before we went idle; it saw
                    // DRAINING and left the frame to us, so look once more.
                    if (queue.isEmpty() || !STATE.compareAndSet(this, State.IDLE, State.DRAINING)) {
                        return total; // nothing to do, or another thread took over, or condemned meanwhile
                    }
                } else if (!STATE.compareAndSet(this, State.DRAINING_AGAIN, State.DRAINING)) {
                    closeFromDrainer(); // CLOSING
                    return total;
                }
            }
        } catch (IOException | RuntimeException e) {
            // IOException from the transport, or a runtime failure inside the container's stream.
            LOG.log(System.Logger.Level.DEBUG, () -> "write failed on " + id(), e);
            claim(CloseReason.WRITE_FAILED); // if another thread closed first, its reason stands
            queue.close();
            closeFromDrainer();
            return total;
        }
    }

    /** The drainer gives up the drain for good and closes. */
    private void closeFromDrainer() {
        state = State.CLOSED;
        finish();
    }

    /** Closes the transport, then tells the subclass; run once, by the thread that took CLOSED. */
    private void finish() {
        waitingSinceMillis = NOT_WAITING;
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transport close failed on " + id(), e);
        }
        closed();
    }

    /** The transport is closed and the queue empty for good: leave the registry, run the callbacks. */
    abstract void closed();
}
