package dev.ssekit;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One open event stream to one client.
 *
 * <p>Thread-safe: any thread may join, leave, send or close at any time. A connection closes once,
 * for one {@link CloseReason}; after that it is in no room, {@link #send} queues nothing,
 * and every {@link #onClose} callback has run exactly once.
 *
 * <p>Each connection has a bounded queue of frames that its transport drains without blocking;
 * frames reach the client in the order they were queued and are never interleaved.
 *
 * @since 1.0
 */
public interface SseConnection {

    /** Returns this connection's random, unguessable id. */
    UUID id();

    /** Returns the key of whoever opened this connection, as the adapter set it. */
    String owner();

    /** Returns a snapshot of the rooms this connection is in. */
    Set<String> rooms();

    /** Returns a snapshot of the event types this connection receives; empty means all. */
    Set<String> eventTypes();

    /**
     * Joins {@code room}, creating it if this is its first member.
     *
     * @return {@code true} if the connection was not already in the room and is open
     * @throws IllegalArgumentException if the room name is invalid or the connection is in as many
     *     rooms as the registry allows
     */
    boolean join(String room);

    /**
     * Leaves {@code room}; the last member to leave removes the room.
     *
     * @return {@code true} if the connection was in the room
     */
    boolean leave(String room);

    /**
     * Replaces the event types this connection receives; an empty collection means all types.
     * Connection-level events ({@code connected}, {@code reset}, heartbeats) always pass.
     *
     * @throws IllegalArgumentException if a type is invalid or there are more than the registry allows
     */
    void setEventTypes(Collection<String> types);

    /**
     * Queues {@code event} for this connection only, as {@link SseRegistry#send} does for a
     * connection open here: never recorded, never blocks.
     *
     * @return the event's own id, and 1 if it was queued, 0 if the connection is closed, filters out
     *     the event's type, or dropped the event under its overflow policy
     * @throws IllegalArgumentException if the event's type is reserved ({@code connected},
     *     {@code reset}, {@code presence}), or the registry keeps history and the event has an id
     */
    PublishResult send(SseEvent event);

    /** Returns whether the connection is open. */
    boolean isOpen();

    /** Returns why the connection closed, or {@code null} while it is open. */
    CloseReason closeReason();

    /** Returns the number of frames waiting to be written. */
    int queuedFrames();

    /**
     * Registers a callback that runs once when the connection closes, with the reason; at once, on
     * the calling thread, if it is already closed. Callbacks run outside any lock; one that throws
     * is logged and the others still run.
     *
     * <p>They run on the thread that closed the connection (the application's, the container's,
     * the registry's scheduler or drain executor), unless that thread was publishing, or delivering
     * what a relay shared: a write that fails while a publish drains, or a slow consumer found
     * then. Those callbacks run on the registry's scheduler, so that a callback that publishes
     * never holds up a publisher or the relay's reader, which delivers every server's events.
     */
    void onClose(Consumer<CloseReason> callback);

    /** Closes the connection with {@link CloseReason#CLOSED_BY_APP}; harmless if already closed. */
    void close();
}
