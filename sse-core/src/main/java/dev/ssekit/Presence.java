package dev.ssekit;

import java.util.List;
import java.util.Objects;

/**
 * Who is in a room: how many distinct owners, and the application's description of each owner it
 * describes. Immutable.
 *
 * <p>An owner with several connections in the room (a user with three tabs) counts once. The owner
 * key itself (which may be a session id) never appears here: {@code members} holds only what the
 * registry's {@linkplain SseRegistry.Builder#describeOwners owner describer} returned, and is empty
 * when the registry has none, so that by default members are only counted. An owner the describer
 * returns {@code null} for is counted but not listed.
 *
 * @param room the room
 * @param count the distinct owners in the room; with a shared presence, on every live server
 * @param members the descriptions of the described owners, at most {@code count}; unmodifiable
 * <p>{@link Listener} hears each change as it happens, on this server.
 *
 * @since 1.0
 */
public record Presence(String room, int count, List<Object> members) {

    /**
     * Checks and copies the fields.
     *
     * @throws IllegalArgumentException if {@code count} is negative or smaller than the members
     */
    public Presence {
        Objects.requireNonNull(room, "room");
        members = List.copyOf(Objects.requireNonNull(members, "members"));
        if (count < members.size()) {
            throw new IllegalArgumentException(
                    "count must be at least the number of members (" + members.size() + "), was " + count);
        }
    }

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
     */
    public interface Listener {

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
}
