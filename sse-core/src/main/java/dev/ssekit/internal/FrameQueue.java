package dev.ssekit.internal;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.spi.SseFrame;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One connection's frames waiting to be written, in the order they were offered: live frames,
 * bounded by the live limits, and replay and control frames, which are not (see {@link FrameKind}).
 *
 * <p>Thread-safe: producers offer and the one draining thread polls under this object's monitor,
 * held for O(1) work and never for I/O. The two kinds sit in rings of their own, so that
 * {@link OverflowPolicy#DROP_OLDEST} drops the oldest live frame in O(1) even behind a long replay;
 * a short list of runs (so many live frames, then so many others, ...) keeps the order between
 * them. Each ring doubles when full and halves once it is a quarter full (so its length is always a
 * power of two, and an index wraps with a mask), so a long replay does not
 * leave its array behind; the replay ring is let go once empty.
 *
 * <p>Once a frame is refused for overflow, a queue takes nothing more, so nothing that follows the
 * refused frame is ever written; once {@linkplain #close closed}, it holds nothing either.
 */
final class FrameQueue {

    /** What {@link #offer} did with a frame. */
    enum Offer {
        /** Queued. */
        QUEUED,
        /** Queued past the live limit because nobody drains: the caller must drain now. */
        DRAIN_NOW,
        /** Not queued: the queue is closed, or sealed and the frame is not a control frame. */
        REFUSED,
        /**
         * Not queued: a live frame found the queue full under {@link OverflowPolicy#DISCONNECT}, or
         * a replay passed {@link QueueLimits#replayBytes()}. The queue now refuses every offer, so
         * that nothing offered later is queued, but keeps what came before, which a last drain may
         * still write; the caller condemns the connection.
         */
        OVERFLOWED;

        /** Whether the frame was queued. */
        boolean queued() {
            return this == QUEUED || this == DRAIN_NOW;
        }
    }

    private enum Status {
        /** Takes every kind of frame. */
        OPEN,
        /** Takes control frames only: a shutdown's final event is queued, and nothing may follow. */
        SEALED,
        /** Takes nothing: a frame was refused, and nothing may follow it; keeps what came before. */
        REFUSING,
        /** Holds nothing and takes nothing. */
        CLOSED
    }

    static final int INITIAL_CAPACITY = 4;
    private static final SseFrame[] NONE = new SseFrame[0];

    // Guarded by this.
    private SseFrame[] live = NONE;
    private int liveHead;
    private int liveSize;
    private long liveBytes;
    private SseFrame[] other = NONE; // replay and control frames
    private int otherHead;
    private int otherSize;
    private long otherBytes;
    // runs[0 .. runCount): the queue's order, oldest first: n > 0 is n live frames, n < 0 is -n others.
    private int[] runs;
    private int runCount;
    private Status status = Status.OPEN;

    // Written under the monitor with release semantics and read anywhere with acquire, so that a
    // drain's look at an empty queue and queuedFrames() take no lock, and an offer or poll costs no
    // store fence. A reader that sees a stale size loses nothing: every offer is followed by a kick,
    // ordered after it, which sees its own frame and drains it or hands it to the draining thread
    // (see Drain#kick).
    private int size; // through SIZE
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(FrameQueue.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Queues {@code frame}, as its {@code kind} allows.
     *
     * <p>A live frame that finds the live limits reached while nobody drains ({@code drainerIdle})
     * is queued anyway and answered {@link Offer#DRAIN_NOW}: the queue is full because the drain
     * executor has not come to it yet, not because the client is slow (a slow client leaves its
     * drain waiting on the transport). Otherwise the overflow policy applies: {@code DROP_OLDEST}
     * drops the oldest live frames, never a replay, counting each in {@code counters}.
     */
    synchronized Offer offer(
            SseFrame frame, FrameKind kind, boolean drainerIdle, QueueLimits limits, Counters counters) {
        if (status != Status.OPEN && !(status == Status.SEALED && kind == FrameKind.CONTROL)) {
            return Offer.REFUSED;
        }
        switch (kind) {
            case LIVE -> {
                if (!isFull(frame, limits)) {
                    pushLive(frame);
                    return Offer.QUEUED;
                }
                if (drainerIdle) {
                    pushLive(frame);
                    return Offer.DRAIN_NOW;
                }
                if (limits.overflow() == OverflowPolicy.DISCONNECT) {
                    status = Status.REFUSING;
                    return Offer.OVERFLOWED;
                }
                while (liveSize > 0 && isFull(frame, limits)) {
                    dropOldestLive();
                    counters.framesDropped.increment();
                }
                pushLive(frame);
                return Offer.QUEUED;
            }
            case REPLAY -> {
                if (otherSize > 0 && otherBytes + frame.size() > limits.replayBytes()) {
                    status = Status.REFUSING;
                    return Offer.OVERFLOWED;
                }
                pushOther(frame);
                return Offer.QUEUED;
            }
            default -> {
                pushOther(frame);
                return Offer.QUEUED;
            }
        }
    }

    private boolean isFull(SseFrame frame, QueueLimits limits) {
        return liveSize >= limits.frames() || (liveSize > 0 && liveBytes + frame.size() > limits.bytes());
    }

    /** Returns the oldest frame, or {@code null} if there is none. */
    synchronized SseFrame poll() {
        if (runCount == 0) {
            return null;
        }
        SseFrame frame;
        if (runs[0] > 0) {
            frame = live[liveHead];
            live[liveHead] = null;
            liveHead = (liveHead + 1) & (live.length - 1);
            liveSize--;
            liveBytes -= frame.size();
            runs[0]--;
            SseFrame[] kept = shrunk(live, liveHead, liveSize, false);
            if (kept != live) {
                live = kept;
                liveHead = 0;
            }
        } else {
            frame = other[otherHead];
            other[otherHead] = null;
            otherHead = (otherHead + 1) & (other.length - 1);
            otherSize--;
            otherBytes -= frame.size();
            runs[0]++;
            SseFrame[] kept = shrunk(other, otherHead, otherSize, true);
            if (kept != other) {
                other = kept;
                otherHead = 0;
            }
        }
        if (runs[0] == 0) {
            removeRun(0);
        }
        SIZE.setRelease(this, size - 1);
        return frame;
    }

    /** Returns how many frames are queued; no lock. */
    int size() {
        return (int) SIZE.getAcquire(this);
    }

    /** Whether nothing is queued; no lock. */
    boolean isEmpty() {
        return (int) SIZE.getAcquire(this) == 0;
    }

    /** Refuses every further offer but a control frame: after a shutdown's final event nothing may follow. */
    synchronized void seal() {
        if (status == Status.OPEN) {
            status = Status.SEALED;
        }
    }

    /** Drops everything queued and refuses every further offer. */
    synchronized void close() {
        status = Status.CLOSED;
        live = NONE;
        other = NONE;
        runs = null;
        liveHead = liveSize = otherHead = otherSize = runCount = 0;
        liveBytes = otherBytes = 0;
        SIZE.setRelease(this, 0);
    }

    /** The length of the live ring and of the other ring, for tests of how a queue shrinks. */
    synchronized int[] capacities() {
        return new int[] {live.length, other.length};
    }

    // ---- the rings -------------------------------------------------------------------------------

    private void pushLive(SseFrame frame) {
        if (liveSize == live.length) {
            live = resized(live, liveHead, liveSize, Math.max(INITIAL_CAPACITY, live.length * 2));
            liveHead = 0;
        }
        live[(liveHead + liveSize) & (live.length - 1)] = frame;
        liveSize++;
        liveBytes += frame.size();
        appendToRun(1);
        SIZE.setRelease(this, size + 1);
    }

    private void pushOther(SseFrame frame) {
        if (otherSize == other.length) {
            other = resized(other, otherHead, otherSize, Math.max(INITIAL_CAPACITY, other.length * 2));
            otherHead = 0;
        }
        other[(otherHead + otherSize) & (other.length - 1)] = frame;
        otherSize++;
        otherBytes += frame.size();
        appendToRun(-1);
        SIZE.setRelease(this, size + 1);
    }

    /** Drops the oldest live frame, wherever it stands among the others. */
    private void dropOldestLive() {
        SseFrame frame = live[liveHead];
        live[liveHead] = null;
        liveHead = (liveHead + 1) & (live.length - 1);
        liveSize--;
        liveBytes -= frame.size();
        SIZE.setRelease(this, size - 1);
        int i = 0;
        while (runs[i] <= 0) {
            i++;
        }
        if (--runs[i] == 0) {
            removeRun(i);
        }
        // No shrinking here: the frame that made room is pushed right after.
    }

    /**
     * Returns {@code ring} halved while it is at most a quarter full, and back to its first few
     * slots once empty (which every burst would otherwise allocate anew), or let go once empty.
     */
    private static SseFrame[] shrunk(SseFrame[] ring, int head, int size, boolean releaseWhenEmpty) {
        if (size == 0) {
            return releaseWhenEmpty ? NONE : ring.length > INITIAL_CAPACITY ? new SseFrame[INITIAL_CAPACITY] : ring;
        }
        if (ring.length <= INITIAL_CAPACITY || size > ring.length / 4) {
            return ring;
        }
        return resized(ring, head, size, Math.max(INITIAL_CAPACITY, ring.length / 2));
    }

    private static SseFrame[] resized(SseFrame[] ring, int head, int size, int length) {
        SseFrame[] next = new SseFrame[length];
        for (int i = 0; i < size; i++) {
            next[i] = ring[(head + i) & (ring.length - 1)];
        }
        return next;
    }

    // ---- the runs --------------------------------------------------------------------------------

    /** Adds one frame of the kind {@code sign} (1 live, -1 other) at the tail. */
    private void appendToRun(int sign) {
        if (runCount > 0 && Integer.signum(runs[runCount - 1]) == sign) {
            runs[runCount - 1] += sign;
            return;
        }
        if (runs == null) {
            runs = new int[INITIAL_CAPACITY];
        } else if (runCount == runs.length) {
            runs = Arrays.copyOf(runs, runs.length * 2);
        }
        runs[runCount++] = sign;
    }

    /** Removes the emptied run {@code i}, joining its neighbours, which are then of one kind. */
    private void removeRun(int i) {
        System.arraycopy(runs, i + 1, runs, i, runCount - i - 1);
        runCount--;
        if (i > 0 && i < runCount) {
            runs[i - 1] += runs[i];
            System.arraycopy(runs, i + 1, runs, i, runCount - i - 1);
            runCount--;
        }
        if (runCount == 0 && runs.length > INITIAL_CAPACITY) {
            runs = null;
        }
    }
}
