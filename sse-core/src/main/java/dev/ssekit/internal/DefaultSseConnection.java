package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.OverflowPolicy;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEncoder;
import dev.ssekit.SseEvent;
import dev.ssekit.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

    private final UUID id;
    private final String owner;
    private final SseTransport transport;
    private final Hub hub;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final AtomicReference<CloseReason> closeReason = new AtomicReference<>();
    private final List<Consumer<CloseReason>> closeCallbacks = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean detached = new java.util.concurrent.atomic.AtomicBoolean();

    // Guarded by queueLock.
    private final ReentrantLock queueLock = new ReentrantLock();
    private SseFrame[] ring;
    private int head;
    private int size;
    private long queuedBytes;

    // Written under the hub's publish lock; read anywhere.
    volatile Set<String> rooms = Set.of();
    private volatile Set<String> eventTypes;

    private volatile int queuedCount;
    private volatile long lastOfferMillis;
    private volatile long waitingSinceMillis;
    private volatile CloseReason pendingClose;
    private volatile boolean finishWhenDrained;

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
        return closeReason.get() == null;
    }

    @Override
    public CloseReason closeReason() {
        return closeReason.get();
    }

    @Override
    public int queuedFrames() {
        return queuedCount;
    }

    @Override
    public void onClose(Consumer<CloseReason> callback) {
        Objects.requireNonNull(callback, "callback");
        closeCallbacks.add(callback);
        CloseReason reason = closeReason.get();
        if (reason != null && closeCallbacks.remove(callback)) {
            runCallback(callback, reason);
        }
    }

    @Override
    public void close() {
        close(CloseReason.CLOSED_BY_APP);
    }

    @Override
    public String toString() {
        return "SseConnection[" + id + ", rooms=" + rooms + (isOpen() ? "" : ", closed: " + closeReason.get()) + "]";
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
     * @return whether the frame was queued
     */
    boolean offer(SseFrame frame, boolean bounded) {
        queueLock.lock();
        try {
            if (closeReason.get() != null) {
                return false;
            }
            if (bounded && isFull(frame)) {
                if (hub.overflow == OverflowPolicy.DISCONNECT) {
                    pendingClose = CloseReason.SLOW_CONSUMER;
                    return false;
                }
                while (size > 0 && isFull(frame)) {
                    pollLocked();
                    hub.counters.framesDropped.increment();
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
        lastOfferMillis = hub.nowMillis();
        hub.counters.framesQueued.increment();
        return true;
    }

    private boolean isFull(SseFrame frame) {
        return size >= hub.queueFrames || (size > 0 && queuedBytes + frame.size() > hub.queueBytes);
    }

    private void grow() {
        SseFrame[] bigger = new SseFrame[Math.min(ring.length * 2, Math.max(hub.queueFrames, ring.length + 1))];
        if (bigger.length <= ring.length) {
            bigger = new SseFrame[ring.length * 2];
        }
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
            if (close(pending) && pending == CloseReason.SLOW_CONSUMER) {
                hub.counters.slowConsumers.increment();
            }
            return;
        }
        if (queuedCount > 0 && state.get() == IDLE) {
            drain(false);
        }
    }

    /** Time of the last frame offered, for the heartbeat sweep. */
    long lastOfferMillis() {
        return lastOfferMillis;
    }

    /** Time the transport last said not ready, or 0 if it is not waiting now. */
    long waitingSinceMillis() {
        return waitingSinceMillis;
    }

    /** Asks the drainer to close with {@link CloseReason#SHUTDOWN} once everything queued is written. */
    void finishWhenDrained() {
        finishWhenDrained = true;
        if (state.get() == IDLE) {
            drain(false);
        }
    }

    // ---- TransportListener ---------------------------------------------------------------------

    @Override
    public void onWritable() {
        waitingSinceMillis = 0;
        drain(true);
    }

    @Override
    public void onClosed(Throwable cause) {
        close(cause == null ? CloseReason.CLIENT_GONE : CloseReason.WRITE_FAILED);
    }

    // ---- draining ------------------------------------------------------------------------------

    private void drain(boolean writable) {
        for (;;) {
            int s = state.get();
            if (s == IDLE || (s == WAITING && writable)) {
                if (state.compareAndSet(s, DRAINING)) {
                    break;
                }
            } else if (s == DRAINING) {
                if (state.compareAndSet(DRAINING, DRAINING_AGAIN)) {
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
            closeReason.compareAndSet(null, CloseReason.WRITE_FAILED);
            finishClose(closeReason.get()); // a concurrent close() may have set another reason first
        }
    }

    /** Runs while this thread owns the drain; leaves the state anything but DRAINING(_AGAIN). */
    private void drainLoop() throws java.io.IOException {
        for (;;) {
            if (closeReason.get() != null) {
                closeFromDrainer();
                return;
            }
            boolean ready = transport.isReady();
            while (ready) {
                SseFrame frame = poll();
                if (frame == null) {
                    break;
                }
                transport.write(frame);
                unflushed = true;
                hub.counters.framesWritten.increment();
                ready = transport.isReady();
            }
            if (ready && unflushed) {
                transport.flush();
                unflushed = false;
                ready = transport.isReady();
            }
            if (!ready) {
                waitingSinceMillis = hub.nowMillis();
                if (state.compareAndSet(DRAINING, WAITING)) {
                    return;
                }
                waitingSinceMillis = 0;
                if (!state.compareAndSet(DRAINING_AGAIN, DRAINING)) {
                    closeFromDrainer(); // CLOSING
                    return;
                }
                continue; // someone signalled meanwhile: isReady() again, which re-arms onWritable
            }
            // Ready, flushed, and the queue was empty when we looked.
            if (finishWhenDrained && queuedCount == 0) {
                closeReason.compareAndSet(null, CloseReason.SHUTDOWN);
                closeFromDrainer();
                return;
            }
            if (state.compareAndSet(DRAINING, IDLE)) {
                // A producer may have queued after our last poll but before we went idle; it saw
                // DRAINING and left the frame for us, so look once more.
                if (queuedCount == 0 && !finishWhenDrained) {
                    return;
                }
                if (!state.compareAndSet(IDLE, DRAINING)) {
                    return; // another thread took over
                }
            } else if (!state.compareAndSet(DRAINING_AGAIN, DRAINING)) {
                closeFromDrainer(); // CLOSING
                return;
            }
        }
    }

    private void closeFromDrainer() {
        finishClose(closeReason.get());
    }

    /**
     * Closes for {@code reason} unless already closed.
     *
     * @return whether this call closed it
     */
    boolean close(CloseReason reason) {
        if (!closeReason.compareAndSet(null, reason)) {
            return false;
        }
        for (;;) {
            int s = state.get();
            if (s == IDLE || s == WAITING) {
                if (state.compareAndSet(s, CLOSED)) {
                    break;
                }
            } else if (s == DRAINING || s == DRAINING_AGAIN) {
                if (state.compareAndSet(s, CLOSING)) {
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
        state.set(CLOSED);
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
        if (!detached.compareAndSet(false, true)) {
            return;
        }
        clearQueue();
        hub.detach(this);
        for (Consumer<CloseReason> callback : closeCallbacks) {
            if (closeCallbacks.remove(callback)) {
                runCallback(callback, reason);
            }
        }
    }

    private void runCallback(Consumer<CloseReason> callback, CloseReason reason) {
        try {
            callback.accept(reason);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "onClose callback failed for connection " + id, e);
        }
    }

    /** Encodes the connection-level {@code connected} event. */
    SseFrame connectedFrame() {
        return SseEncoder.encode(SseEvent.of(Hub.CONNECTED_EVENT, "{\"connectionId\":\"" + id + "\"}"));
    }
}
