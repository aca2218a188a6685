package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A connection as applications and the registry see it: its id, owner, rooms and event types, and
 * the offers that fill its {@link FrameQueue}. The drain is {@link Drain}'s, the close-once
 * protocol {@link CloseOnce}'s; what it needs of the registry comes through a narrow
 * {@link ConnectionContext}.
 *
 * <p>Thread-safe. Offers do O(1) work under the queue's monitor and never I/O, so the registry
 * makes them under its publish lock; a live frame that overflows the queue under
 * {@link dev.ssekit.SseRegistry.OverflowPolicy#DISCONNECT}, or a replay past its bound, condemns the
 * connection there and then, and the registry's kick after the lock closes it.
 */
public final class DefaultSseConnection extends Drain implements SseConnection, TransportListener {

    private final UUID id;
    private final String owner;

    // Written under the hub's publish lock; read anywhere.
    volatile Set<String> rooms = Set.of();
    private volatile Set<String> eventTypes;
    // Read by the heartbeat sweep, written by every offer: opaque, because a sweep that sees an older
    // value only sends a heartbeat early, and a volatile store per delivery costs a fence.
    @SuppressWarnings("unused") // through LAST_OFFER
    private long lastOfferMillis;

    private static final VarHandle LAST_OFFER;

    static {
        try {
            LAST_OFFER =
                    MethodHandles.lookup().findVarHandle(DefaultSseConnection.class, "lastOfferMillis", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    DefaultSseConnection(
            UUID id, String owner, Set<String> eventTypes, SseTransport transport, ConnectionContext context) {
        super(transport, context);
        this.id = id;
        this.owner = owner;
        this.eventTypes = eventTypes;
        LAST_OFFER.setOpaque(this, context.nowMillis());
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
        return context.join(this, Names.checkRoom(room));
    }

    @Override
    public boolean leave(String room) {
        return context.leave(this, Objects.requireNonNull(room, "room"));
    }

    @Override
    public void setEventTypes(Collection<String> types) {
        Set<String> checked = Names.checkEventTypes(types);
        int max = context.maxEventTypesPerConnection();
        if (checked.size() > max) {
            throw new IllegalArgumentException(
                    "event types: a connection may choose at most " + max + ", was " + checked.size());
        }
        eventTypes = checked;
    }

    @Override
    public PublishResult send(SseEvent event) {
        return context.send(this, event);
    }

    @Override
    public int queuedFrames() {
        return queue.size();
    }

    @Override
    public void close() {
        close(CloseReason.CLOSED_BY_APP);
    }

    @Override
    public String toString() {
        return "SseConnection[" + id + ", rooms=" + rooms + (isOpen() ? "" : ", closed: " + closeReason()) + "]";
    }

    // ---- what the hub calls ----------------------------------------------------------------------

    /** Whether an event of this type passes the connection's filter. */
    boolean accepts(String effectiveType) {
        Set<String> types = eventTypes;
        return types.isEmpty() || types.contains(effectiveType);
    }

    /**
     * Queues a frame without doing I/O; see {@link FrameQueue#offer}. An overflow condemns the
     * connection here, and the caller's next {@link #kick()}, outside its locks, closes it.
     *
     * <p>The caller counts what was queued in {@code framesQueued}, once for a whole publish rather
     * than once per recipient, and passes the time it read once for all of them.
     */
    FrameQueue.Offer offer(SseFrame frame, FrameKind kind, long nowMillis) {
        FrameQueue.Offer offered =
                queue.offer(frame, kind, state() == State.IDLE, context.limits(), context.counters());
        if (offered == FrameQueue.Offer.OVERFLOWED) {
            condemn(CloseReason.SLOW_CONSUMER);
        } else if (offered.queued()) {
            LAST_OFFER.setOpaque(this, nowMillis);
        }
        return offered;
    }

    /**
     * Queues a frame that brings the client up to date ({@link FrameKind#REPLAY}), counting it.
     *
     * @return whether it was queued
     */
    boolean offerReplay(SseFrame frame) {
        if (offer(frame, FrameKind.REPLAY, lastOfferMillis()).queued()) {
            context.counters().framesQueued.increment();
            return true;
        }
        return false;
    }

    /** Refuses every further offer but a control frame: after a shutdown's final event nothing may follow. */
    void seal() {
        queue.seal();
    }

    /** Time of the last frame queued, for the heartbeat sweep. */
    long lastOfferMillis() {
        return (long) LAST_OFFER.getOpaque(this);
    }

    // ---- TransportListener -----------------------------------------------------------------------

    @Override
    public void onWritable() {
        writable();
    }

    @Override
    public void onClosed(Throwable cause) {
        close(cause == null ? CloseReason.CLIENT_GONE : CloseReason.WRITE_FAILED);
    }

    // ---- Drain -----------------------------------------------------------------------------------

    @Override
    void closed() {
        context.detach(this);
        context.runCallbacks(this::runCallbacks);
    }
}
