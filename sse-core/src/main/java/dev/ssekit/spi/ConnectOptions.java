package dev.ssekit.spi;

import dev.ssekit.SseRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a new connection starts: who owns it, which rooms and event types it begins with, where it
 * resumes, and what it is told first. Immutable and thread-safe.
 *
 * <p>Adapters build these from the request and pass them to
 * {@link Connections#open(SseRegistry, SseTransport, ConnectOptions)}, which checks the rooms and
 * event types (by the registry's rules and limits) before a connection exists, so untrusted names
 * fail there with an {@link IllegalArgumentException} naming the field;
 * {@link Connections#checkSubscriptions} checks them earlier, without opening anything.
 *
 * @param owner who opened the connection (a principal name, a session id, or any key the
 *     application chooses); only the owner may change the connection's subscriptions
 * @param rooms rooms to join before any event is delivered
 * @param eventTypes event types to receive; empty means all
 * @param lastEventId the id of the last event the client received, or {@code null}; untrusted
 * @param announce whether the first event is a {@code connected} event whose data is
 *     {@code {"connectionId":"..."}}; with history on, its id is the client's position, so that a
 *     client that drops before any other event can resume
 * @param retry the reconnection delay to send before anything else, or {@code null}
 * @since 1.0
 */
public record ConnectOptions(
        String owner, Set<String> rooms, Set<String> eventTypes, String lastEventId, boolean announce, Duration retry) {

    /**
     * Copies the fields; the names themselves are checked when the connection opens.
     *
     * @throws IllegalArgumentException if {@code retry} is negative
     */
    public ConnectOptions {
        Objects.requireNonNull(owner, "owner");
        rooms = copy(rooms);
        eventTypes = copy(eventTypes);
        if (retry != null && retry.isNegative()) {
            throw new IllegalArgumentException("retry must not be negative: " + retry);
        }
    }

    /** An unmodifiable copy in the given order; {@code null} is the empty set. */
    private static Set<String> copy(Set<String> names) {
        return names == null || names.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }

    /** Returns options for a connection owned by {@code owner}, in no room, receiving everything. */
    public static ConnectOptions of(String owner) {
        return builder(owner).build();
    }

    /** Returns a builder for a connection owned by {@code owner}. */
    public static Builder builder(String owner) {
        return new Builder(owner);
    }

    /**
     * Builds {@link ConnectOptions}. Not thread-safe: use one builder from one thread.
     */
    public static final class Builder {
        private final String owner;
        private final Set<String> rooms = new LinkedHashSet<>();
        private final Set<String> eventTypes = new LinkedHashSet<>();
        private String lastEventId;
        private boolean announce;
        private Duration retry;

        private Builder(String owner) {
            this.owner = Objects.requireNonNull(owner, "owner");
        }

        /** Adds rooms to join at once. */
        public Builder rooms(String... rooms) {
            return rooms(Arrays.asList(rooms));
        }

        /** Adds rooms to join at once. */
        public Builder rooms(Collection<String> rooms) {
            this.rooms.addAll(rooms);
            return this;
        }

        /** Adds event types to receive; without any, the connection receives every type. */
        public Builder eventTypes(String... types) {
            return eventTypes(Arrays.asList(types));
        }

        /** Adds event types to receive; without any, the connection receives every type. */
        public Builder eventTypes(Collection<String> types) {
            this.eventTypes.addAll(types);
            return this;
        }

        /** Sets the client's last event id, from its {@code Last-Event-ID} header; untrusted. */
        public Builder lastEventId(String lastEventId) {
            this.lastEventId = lastEventId;
            return this;
        }

        /** Sends a {@code connected} event with the connection's id before anything else. */
        public Builder announce(boolean announce) {
            this.announce = announce;
            return this;
        }

        /** Sends a {@code retry:} field with this delay before anything else. */
        public Builder retry(Duration retry) {
            this.retry = retry;
            return this;
        }

        /**
         * Returns the options.
         *
         * @throws IllegalArgumentException if {@code retry} is negative
         */
        public ConnectOptions build() {
            return new ConnectOptions(owner, rooms, eventTypes, lastEventId, announce, retry);
        }
    }
}
