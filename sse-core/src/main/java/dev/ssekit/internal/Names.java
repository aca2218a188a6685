package dev.ssekit.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/** Checks room names and event-type names, which often come from untrusted clients. */
public final class Names {

    /** Longest room name or event type accepted, in characters. */
    public static final int MAX_LENGTH = 128;

    private Names() {}

    /** Returns {@code room} if it is a valid room name. */
    public static String checkRoom(String room) {
        return check("room", room);
    }

    /** Returns {@code type} if it is a valid event type to subscribe to. */
    public static String checkEventType(String type) {
        return check("event type", type);
    }

    /** Returns an unmodifiable, ordered copy of valid room names. */
    public static Set<String> checkRooms(Collection<String> rooms) {
        return checkAll("room", rooms);
    }

    /** Returns an unmodifiable, ordered copy of valid event types. */
    public static Set<String> checkEventTypes(Collection<String> types) {
        return checkAll("event type", types);
    }

    private static Set<String> checkAll(String what, Collection<String> names) {
        Objects.requireNonNull(names, what + "s");
        Set<String> copy = new LinkedHashSet<>();
        for (String name : names) {
            copy.add(check(what, name));
        }
        return frozen(copy);
    }

    /**
     * Returns an unmodifiable set with the elements of {@code set} in its order: the shared empty
     * set, a one-element set, or a view of {@code set}, which the caller then no longer changes.
     * Most connections have no rooms and no event filter, or just one, and a registry holds tens
     * of thousands of connections: an empty {@link LinkedHashSet} behind a view costs about a
     * hundred bytes each.
     */
    public static Set<String> frozen(Set<String> set) {
        return switch (set.size()) {
            case 0 -> Set.of();
            case 1 -> Set.of(set.iterator().next());
            default -> Collections.unmodifiableSet(set);
        };
    }

    private static String check(String what, String name) {
        if (name == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    what + " must be at most " + MAX_LENGTH + " characters, was " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(what + " must not contain control characters (found U+"
                        + String.format("%04X", (int) c) + " at index " + i + ")");
            }
        }
        return name;
    }
}
