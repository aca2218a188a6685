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
            throw new IllegalArgumentException("count must be at least the number of members ("
                    + members.size() + "), was " + count);
        }
    }
}
