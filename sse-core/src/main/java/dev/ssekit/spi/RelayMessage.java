package dev.ssekit.spi;

import dev.ssekit.SseEvent;
import java.util.Objects;

/**
 * One event on its way through an {@link EventRelay}: who it is for and the event, which says whether
 * it is recorded for replay. Immutable.
 *
 * @param scope whom the event is for
 * @param target the room for {@link Scope#ROOM}, the connection id (a UUID's text) for
 *     {@link Scope#CONNECTION}, {@code null} for {@link Scope#ALL}
 * @param event the event as published; a recorded event gets the relay's id as its id
 * @param tag an opaque value the relay carries unchanged, by which the publishing server recognizes
 *     its own event when it comes back; may be {@code null}
 * @since 1.0
 */
public record RelayMessage(Scope scope, String target, SseEvent event, String tag) {

    /** Whom a relayed event is for. */
    public enum Scope {
        /** Every connection whose event types accept it. */
        ALL,
        /** The members of one room. */
        ROOM,
        /** One connection, on whichever server it is open. */
        CONNECTION
    }

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if the target does not fit the scope
     */
    public RelayMessage {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(event, "event");
        if ((scope == Scope.ALL) != (target == null)) {
            throw new IllegalArgumentException("target must be null exactly when scope is ALL, was "
                    + (target == null ? "null" : "\"" + target + "\"") + " for " + scope);
        }
    }

    /**
     * Returns whether servers record the event in their history for replay: an event
     * {@linkplain SseEvent#recorded() marked recorded}, to everyone or to a room; a message to one
     * connection never is.
     */
    public boolean recorded() {
        return scope != Scope.CONNECTION && event.recorded();
    }
}
