package dev.ssekit.internal;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is in which room: each room's members, and everyone, as arrays a fan-out reads as they are.
 * It also keeps each connection's own set of rooms ({@code DefaultSseConnection.rooms}) in step.
 *
 * <p>Guarded by the hub's lock: every change is made under it. The arrays are never changed in
 * place but replaced, and published through a concurrent map and a volatile field, so a reader
 * without the lock (the sweep, {@code rooms()}, {@code members()}, the drains after a fan-out) sees
 * a whole snapshot. A join or a leave copies one array; a fan-out copies nothing.
 */
final class Rooms {

    static final DefaultSseConnection[] NONE = new DefaultSseConnection[0];

    private final ConcurrentHashMap<String, DefaultSseConnection[]> members = new ConcurrentHashMap<>();
    private volatile DefaultSseConnection[] everyone = NONE;

    /** Every open connection, as a snapshot. */
    DefaultSseConnection[] everyone() {
        return everyone;
    }

    /** The members of {@code room}, as a snapshot; empty for a room nobody is in. */
    DefaultSseConnection[] members(String room) {
        return members.getOrDefault(room, NONE);
    }

    /** The rooms somebody is in, as a copy. */
    Set<String> names() {
        return Set.copyOf(members.keySet());
    }

    /** How many rooms somebody is in. */
    int count() {
        return members.size();
    }

    /** Counts {@code c} among everyone. Under the hub's lock. */
    void add(DefaultSseConnection c) {
        everyone = append(everyone, c);
    }

    /** No longer counts {@code c} among everyone. Under the hub's lock. */
    void remove(DefaultSseConnection c) {
        everyone = remove(everyone, c);
    }

    /**
     * Adds {@code c} to the members of {@code room}, without touching its own set of rooms (for a
     * caller that sets that once, for several rooms). Under the hub's lock.
     */
    void addMember(String room, DefaultSseConnection c) {
        members.put(room, append(members(room), c));
    }

    /** Removes {@code c} from the members of {@code room}; a room left empty is forgotten. Under the hub's lock. */
    void removeMember(String room, DefaultSseConnection c) {
        DefaultSseConnection[] in = members.get(room);
        if (in == null) {
            return;
        }
        DefaultSseConnection[] rest = remove(in, c);
        if (rest.length == 0) {
            members.remove(room);
        } else {
            members.put(room, rest);
        }
    }

    /**
     * Adds an open {@code c} to {@code room}, if it is not there yet. Under the hub's lock.
     *
     * @return whether it joined
     * @throws IllegalArgumentException if {@code c} is in {@code maxRooms} rooms already
     */
    boolean join(DefaultSseConnection c, String room, int maxRooms) {
        if (!c.isOpen() || c.rooms.contains(room)) {
            return false;
        }
        if (c.rooms.size() >= maxRooms) {
            throw new IllegalArgumentException("rooms: a connection may join at most " + maxRooms);
        }
        Set<String> next = new LinkedHashSet<>(c.rooms);
        next.add(room);
        c.rooms = Names.frozen(next);
        addMember(room, c);
        return true;
    }

    /**
     * Removes {@code c} from {@code room}, if it is there. Under the hub's lock.
     *
     * @return whether it left
     */
    boolean leave(DefaultSseConnection c, String room) {
        if (!c.rooms.contains(room)) {
            return false;
        }
        Set<String> next = new LinkedHashSet<>(c.rooms);
        next.remove(room);
        c.rooms = Names.frozen(next);
        removeMember(room, c);
        return true;
    }

    /** Forgets every room and everyone at once (the last connection of a shutdown has left). Under the hub's lock. */
    void clear() {
        everyone = NONE;
        members.clear();
    }

    private static DefaultSseConnection[] append(DefaultSseConnection[] array, DefaultSseConnection c) {
        DefaultSseConnection[] bigger = Arrays.copyOf(array, array.length + 1);
        bigger[array.length] = c;
        return bigger;
    }

    private static DefaultSseConnection[] remove(DefaultSseConnection[] array, DefaultSseConnection c) {
        for (int i = 0; i < array.length; i++) {
            if (array[i] == c) {
                DefaultSseConnection[] smaller = new DefaultSseConnection[array.length - 1];
                System.arraycopy(array, 0, smaller, 0, i);
                System.arraycopy(array, i + 1, smaller, i, array.length - i - 1);
                return smaller;
            }
        }
        return array;
    }
}
