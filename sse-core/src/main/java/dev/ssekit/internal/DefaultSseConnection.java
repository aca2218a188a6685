package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.OverflowPolicy;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A connection: a bounded frame queue and the state machine that drains it into a transport.
 *
 * <p>Thread-safe. Producers ({@link #offer}) take a short per-connection lock to touch the ring
 * buffer and never do I/O under it. One thread at a time drains, guarded by {@link #state}: the
 * thread that wins the transition to {@code DRAINING} writes while the transport is ready, flushes
 * once, and either goes idle, or parks in {@code WAITING} until the transport calls
 * {@link #onWritable()}. Only the draining thread, or a closer that finds no drain running, calls
 * {@link SseTransport#close()}, so nothing is ever written after the stream was closed.
 */
public final class DefaultSseConnection implements SseConnection, TransportListener {

    private static final System.Logger LOG = System.getLogger(DefaultSseConnection.class.getName());

    /** Nobody drains; the queue may hold frames only for an instant. */
    private static final int IDLE = 0;
    /** One thread drains. */
    private static final int DRAINING = 1;
    /** One thread drains and was asked to look again before going idle. */
    private static final int DRAINING_AGAIN = 2;
    /** The transport said not ready; only {@link #onWritable()} resumes. */
    private static final int WAITING = 3;
    /** Closed while a drain ran; the drainer closes the transport on its way out. */
    private static final int CLOSING = 4;
    /** The transport is closed. */
    private static final int CLOSED = 5;

    private static final int INITIAL_RING = 4;

    /** {@link #offer} did not queue the frame. */
    static final int REFUSED = 0;
    /** {@link #offer} queued the frame. */
    static final int QUEUED = 1;
    /** {@link #offer} queued the frame past a limit the drain executor's lag reached: drain now. */
    static final int QUEUED_DRAIN_NOW = 2;

    /**
     * What {@link #waitingSinceMillis()} returns while the transport is not waiting. Not 0: that is
     * a real time to an injected clock, and a stall that began then must still meet its deadline.
     */
    static final long NOT_WAITING = Long.MIN_VALUE;

    private static final Object[] NO_CALLBACKS = new Object[0];

    // Field updaters rather than one atomic object per field: a registry may hold a hundred
    // thousand idle connections, and each atomic box is another 16 bytes of heap per connection.
    private static final VarHandle STATE;
    private static final VarHandle CLOSE_REASON;
    private static final VarHandle CALLBACKS;
    private static final VarHandle DETACHED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(DefaultSseConnection.class, "state", int.class);
            CLOSE_REASON = lookup.findVarHandle(DefaultSseConnection.class, "closeReason", CloseReason.class);
            CALLBACKS = lookup.findVarHandle(DefaultSseConnection.class, "callbacks", Object[].class);
            DETACHED = lookup.findVarHandle(DefaultSseConnection.class, "detached", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UUID id;
    private final String owner;
    private final SseTransport transport;
    private final Hub hub;
    private volatile int state = IDLE; // through STATE
    private volatile CloseReason closeReason; // through CLOSE_REASON
    // The close callbacks not yet run, copied on write; an element runs exactly once, by whoever
    // removes it (the closer, or onClose when it finds the connection already closed).
    private volatile Object[] callbacks = NO_CALLBACKS; // through CALLBACKS
    private volatile boolean detached; // through DETACHED

    // Guarded by queueLock.
    private final ReentrantLock queueLock = new ReentrantLock();
    private SseFrame[] ring;
    private int head;
    private int size;
    private long queuedBytes;
    // The frames queued when the connection opened (retry, connected, reset, replay) sit at the head
    // of the queue and do not count against the live limits until they are written.
    private int preludeFrames;
    private long preludeBytes;

    // Written under the hub's publish lock; read anywhere.
    volatile Set<String> rooms = Set.of();
    private volatile Set<String> eventTypes;

    private volatile int queuedCount;
    private volatile long lastOfferMillis;
    private volatile long waitingSinceMillis = NOT_WAITING;
    private volatile CloseReason pendingClose;
    private volatile boolean finishWhenDrained;
    private boolean sealed; // guarded by queueLock

    // Confined to the draining thread.
    private boolean unflushed;

    DefaultSseConnection(UUID id, String owner, Set<String> eventTypes, SseTransport transport, Hub hub) {
        this.id = id;
        this.owner = owner;
        this.eventTypes = eventTypes;
        this.transport = transport;
        this.hub = hub;
        this.lastOfferMillis = hub.nowMillis();
    }

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public Set<String> rooms() {
        return rooms;
    }

    @Override
    public Set<String> eventTypes() {
        return eventTypes;
    }

    @Override
    public boolean join(String room) {
        return hub.join(this, Names.checkRoom(room));
    }

    @Override
    public boolean leave(String room) {
        return hub.leave(this, Objects.requireNonNull(room, "room"));
    }

    @Override
    public void eventTypes(Collection<String> types) {
        Set<String> checked = Names.checkEventTypes(types);
        if (checked.size() > hub.maxEventTypesPerConnection) {
            throw new IllegalArgumentException("event types: a connection may choose at most "
                    + hub.maxEventTypesPerConnection + ", was " + checked.size());
        }
        eventTypes = checked;
    }

    @Override
    public boolean send(SseEvent event) {
        return hub.send(this, event).queued() == 1;
    }

    @Override
    public boolean isOpen() {
        return closeReason == null;
    }

    @Override
    public CloseReason closeReason() {
        return closeReason;
    }

    @Override
    public int queuedFrames() {
        return queuedCount;
    }

    @Override
    public void onClose(Consumer<CloseReason> callback) {
        Objects.requireNonNull(callback, "callback");
        for (;;) {
            Object[] current = callbacks;
            Object[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = callback;
            if (CALLBACKS.compareAndSet(this, current, next)) {
                break;
            }
        }
        // Added before looking: a close that began meanwhile either runs it or leaves it to us.
        CloseReason reason = closeReason;
        if (reason != null && removeCallback(callback)) {
            runCallback(callback, reason);
        }
    }

    @Override
    public void close() {
        close(CloseReason.CLOSED_BY_APP);
    }

    @Override
    public String toString() {
        return "SseConnection[" + id + ", rooms=" + rooms + (isOpen() ? "" : ", closed: " + closeReason) + "]";
    }

    // ---- what the hub calls ----------------------------------------------------------------------

    /** Whether an event of this type passes the connection's filter. */
    boolean accepts(String effectiveType) {
        Set<String> types = eventTypes;
        return types.isEmpty() || types.contains(effectiveType);
    }

    /**
     * Queues a frame without doing I/O. With {@code bounded}, a full queue applies the overflow
     * policy; a {@link OverflowPolicy#DISCONNECT} is carried out by the next {@link #kick()}, so
     * that no close (and no callback) runs under the caller's locks.
     *
     * <p>The caller counts what was queued in {@code framesQueued}, once for a whole publish rather
     * than once per recipient, and passes the time it read once for all of them.
     *
     * <p>A queue found full while nobody drains it (IDLE) is full because the drain executor has
     * not come to it yet, not because the client is slow: a client that is behind leaves the
     * connection WAITING on its transport. Then the frame is queued beyond the limit and the caller
     * must drain at once, on its own thread, so that the executor's lag never passes for a slow
     * consumer, and publishers are held back as they were before there was an executor.
     *
     * @return {@link #REFUSED}, {@link #QUEUED}, or {@link #QUEUED_DRAIN_NOW}
     */
    int offer(SseFrame frame, boolean bounded, long nowMillis) {
        boolean drainNow = false;
        queueLock.lock();
        try {
            if (closeReason != null || (bounded && sealed)) {
                return REFUSED;
            }
            if (bounded && isFull(frame)) {
                if (state == IDLE) {
                    drainNow = true;
                } else if (hub.overflow == OverflowPolicy.DISCONNECT) {
                    pendingClose = CloseReason.SLOW_CONSUMER;
                    return REFUSED;
                } else {
                    while (size > 0 && isFull(frame)) {
                        pollLocked();
                        hub.counters.framesDropped.increment();
                    }
                }
            }
            if (ring == null) {
                ring = new SseFrame[INITIAL_RING];
            } else if (size == ring.length) {
                grow();
            }
            ring[(head + size) % ring.length] = frame;
            size++;
            queuedBytes += frame.size();
            queuedCount = size;
        } finally {
            queueLock.unlock();
        }
        lastOfferMillis = nowMillis;
        return drainNow ? QUEUED_DRAIN_NOW : QUEUED;
    }

    private boolean isFull(SseFrame frame) {
        int live = size - preludeFrames;
        return live >= hub.queueFrames || (live > 0 && queuedBytes - preludeBytes + frame.size() > hub.queueBytes);
    }

    /**
     * Queues a frame that precedes every live frame: the connection-level frames and the replay that
     * {@code open} queues before the connection joins anything. These are bounded by the history,
     * not by the live limits, so that a replay longer than the queue is neither cut short nor taken
     * for a slow consumer.
     */
    void offerPrelude(SseFrame frame) {
        queueLock.lock();
        try {
            if (offer(frame, false, lastOfferMillis) != REFUSED) {
                hub.counters.framesQueued.increment();
                preludeFrames++;
                preludeBytes += frame.size();
            }
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * Refuses every further bounded offer: after the final event of a shutdown nothing may follow.
     */
    void seal() {
        queueLock.lock();
        try {
            sealed = true;
        } finally {
            queueLock.unlock();
        }
    }

    private void grow() {
        // Double, but below the live limit never past it: bounded offers stop at queueFrames.
        // Unbounded offers (a replay, connection-level frames) may go beyond; there the ring keeps
        // doubling, so that queuing a long replay stays linear.
        int length = ring.length < hub.queueFrames
                ? Math.min(ring.length * 2, hub.queueFrames)
                : ring.length * 2;
        SseFrame[] bigger = new SseFrame[length];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) % ring.length];
        }
        ring = bigger;
        head = 0;
    }

    private SseFrame pollLocked() {
        if (size == 0) {
            return null;
        }
        SseFrame frame = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        size--;
        queuedBytes -= frame.size();
        if (preludeFrames > 0) {
            preludeFrames--;
            preludeBytes -= frame.size();
        }
        queuedCount = size;
        return frame;
    }

    private SseFrame poll() {
        queueLock.lock();
        try {
            return pollLocked();
        } finally {
            queueLock.unlock();
        }
    }

    private void clearQueue() {
        queueLock.lock();
        try {
            while (pollLocked() != null) {
                // drop
            }
            ring = null;
        } finally {
            queueLock.unlock();
        }
    }

    /** Carries out a pending slow-consumer close, or starts draining what was queued. */
    void kick() {
        CloseReason pending = pendingClose;
        if (pending != null) {
            close(pending);
            return;
        }
        if (queuedCount > 0 && state == IDLE) {
            drain(false);
        }
    }

    /** Time of the last frame offered, for the heartbeat sweep. */
    long lastOfferMillis() {
        return lastOfferMillis;
    }

    /** Time the transport last said not ready, or {@link #NOT_WAITING} if it is not waiting now. */
    long waitingSinceMillis() {
        return waitingSinceMillis;
    }

    /** Asks the drainer to close with {@link CloseReason#SHUTDOWN} once everything queued is written. */
    void finishWhenDrained() {
        finishWhenDrained = true;
        if (state == IDLE) {
            drain(false);
        }
    }

    // ---- TransportListener ---------------------------------------------------------------------

    @Override
    public void onWritable() {
        waitingSinceMillis = NOT_WAITING;
        drain(true);
    }

    @Override
    public void onClosed(Throwable cause) {
        close(cause == null ? CloseReason.CLIENT_GONE : CloseReason.WRITE_FAILED);
    }

    // ---- draining ------------------------------------------------------------------------------

    private void drain(boolean writable) {
        for (;;) {
            int s = state;
            if (s == IDLE || (s == WAITING && writable)) {
                if (STATE.compareAndSet(this, s, DRAINING)) {
                    break;
                }
            } else if (s == DRAINING) {
                if (STATE.compareAndSet(this, DRAINING, DRAINING_AGAIN)) {
                    return;
                }
            } else {
                return; // DRAINING_AGAIN, WAITING without a writable signal, CLOSING, CLOSED
            }
        }
        try {
            drainLoop();
        } catch (Exception e) {
            // IOException from the transport, or a runtime failure inside the container's stream.
            LOG.log(System.Logger.Level.DEBUG, () -> "write failed on " + id, e);
            CLOSE_REASON.compareAndSet(this, null, CloseReason.WRITE_FAILED);
            // If another thread closed first, its reason stands, and callbacks must hear that one.
            closeFromDrainer();
        }
    }

    /** Runs while this thread owns the drain; leaves the state anything but DRAINING(_AGAIN). */
    private void drainLoop() throws java.io.IOException {
        for (;;) {
            if (closeReason != null) {
                closeFromDrainer();
                return;
            }
            boolean ready = transport.isReady();
            int written = 0;
            try {
                while (ready) {
                    // The volatile count first: the common last look at an empty queue takes no lock.
                    SseFrame frame = queuedCount == 0 ? null : poll();
                    if (frame == null) {
                        break;
                    }
                    transport.write(frame);
                    unflushed = true;
                    written++;
                    ready = transport.isReady();
                }
            } finally {
                if (written > 0) {
                    hub.counters.framesWritten.add(written); // once per batch, not once per frame
                }
            }
            if (ready && unflushed) {
                transport.flush();
                unflushed = false;
                ready = transport.isReady();
            }
            if (!ready) {
                waitingSinceMillis = hub.nowMillis();
                if (STATE.compareAndSet(this, DRAINING, WAITING)) {
                    return;
                }
                waitingSinceMillis = NOT_WAITING;
                if (!STATE.compareAndSet(this, DRAINING_AGAIN, DRAINING)) {
                    closeFromDrainer(); // CLOSING
                    return;
                }
                continue; // someone signalled meanwhile: isReady() again, which re-arms onWritable
            }
            // Ready, flushed, and the queue was empty when we looked.
            if (finishWhenDrained && queuedCount == 0) {
                CLOSE_REASON.compareAndSet(this, null, CloseReason.SHUTDOWN);
                closeFromDrainer();
                return;
            }
            if (STATE.compareAndSet(this, DRAINING, IDLE)) {
                // A producer may have queued after our last poll but before we went idle; it saw
                // DRAINING and left the frame for us, so look once more.
                if (queuedCount == 0 && !finishWhenDrained) {
                    return;
                }
                if (!STATE.compareAndSet(this, IDLE, DRAINING)) {
                    return; // another thread took over
                }
            } else if (!STATE.compareAndSet(this, DRAINING_AGAIN, DRAINING)) {
                closeFromDrainer(); // CLOSING
                return;
            }
        }
    }

    private void closeFromDrainer() {
        finishClose(closeReason);
    }

    /**
     * Closes for {@code reason} unless already closed.
     *
     * @return whether this call closed it
     */
    boolean close(CloseReason reason) {
        if (!CLOSE_REASON.compareAndSet(this, null, reason)) {
            return false;
        }
        if (reason == CloseReason.SLOW_CONSUMER) {
            hub.counters.slowConsumers.increment(); // before the close callbacks, which may read stats
        }
        for (;;) {
            int s = state;
            if (s == IDLE || s == WAITING) {
                if (STATE.compareAndSet(this, s, CLOSED)) {
                    break;
                }
            } else if (s == DRAINING || s == DRAINING_AGAIN) {
                if (STATE.compareAndSet(this, s, CLOSING)) {
                    // The drainer sees CLOSING at its next step and closes the transport itself.
                    afterClose(reason, false);
                    return true;
                }
            } else {
                // CLOSED: a drainer that saw our reason (or failed) has closed the transport itself.
                afterClose(reason, false);
                return true;
            }
        }
        afterClose(reason, true);
        return true;
    }

    /** Called by the drainer once it has given up the drain for good. */
    private void finishClose(CloseReason reason) {
        state = CLOSED;
        afterClose(reason, true);
    }

    private void afterClose(CloseReason reason, boolean closeTransport) {
        if (closeTransport) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "transport close failed on " + id, e);
            }
        }
        if (!DETACHED.compareAndSet(this, false, true)) {
            return;
        }
        clearQueue();
        hub.detach(this);
        Object[] claimed = (Object[]) CALLBACKS.getAndSet(this, NO_CALLBACKS);
        if (claimed.length > 0) {
            hub.runCallbacks(() -> {
                for (Object callback : claimed) {
                    runCallback(callback, reason);
                }
            });
        }
    }

    /** Removes one occurrence of {@code callback}; whoever removes it runs it. */
    private boolean removeCallback(Object callback) {
        for (;;) {
            Object[] current = callbacks;
            int i = 0;
            while (i < current.length && current[i] != callback) {
                i++;
            }
            if (i == current.length) {
                return false;
            }
            Object[] next = current.length == 1 ? NO_CALLBACKS : new Object[current.length - 1];
            System.arraycopy(current, 0, next, 0, i);
            System.arraycopy(current, i + 1, next, i, current.length - i - 1);
            if (CALLBACKS.compareAndSet(this, current, next)) {
                return true;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void runCallback(Object callback, CloseReason reason) {
        try {
            ((Consumer<CloseReason>) callback).accept(reason);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "onClose callback failed for connection " + id, e);
        }
    }
}
