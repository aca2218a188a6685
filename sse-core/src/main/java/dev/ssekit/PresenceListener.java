package dev.ssekit;

/**
 * Hears who joins and leaves the rooms of one registry: a room becoming occupied or empty on this
 * server, and each connection joining or leaving a room. Register it with
 * {@link SseRegistry#addPresenceListener}; every method does nothing by default.
 *
 * <p>Each change is reported once, after it happened, in the order the changes happened: for one
 * room, {@code occupied} comes before the first {@code joined}, and {@code emptied} after the last
 * {@code left}. The registry calls the methods from one thread of its own, one call at a time,
 * outside every lock, and never on a thread that publishes or reads a relay, so a listener may
 * publish, join or look at the registry freely. A listener that throws is logged and the other
 * listeners, and later changes, are still reported. A listener hears the changes made after it was
 * added.
 *
 * <p>These are this server's connections and rooms, also with a relay; {@link SseRegistry#presence}
 * tells who is in a room on every server.
 *
 * @since 1.0
 */
public interface PresenceListener {

    /** The room got its first member on this server. */
    default void occupied(String room) {}

    /** The room's last member on this server left it. */
    default void emptied(String room) {}

    /**
     * {@code connection} joined {@code room}, when it opened or later. Its owner is
     * {@link SseConnection#owner()}.
     */
    default void joined(SseConnection connection, String room) {}

    /**
     * {@code connection} left {@code room}.
     *
     * @param reason why the connection closed, or {@code null} if it left the room and stays open
     */
    default void left(SseConnection connection, String room, CloseReason reason) {}
}
