package dev.ssekit.testing;

/**
 * One event as a browser's {@code EventSource} dispatches it. Immutable.
 *
 * @param type the event type, {@code "message"} when the stream named none
 * @param data the data lines joined with {@code \n}
 * @param id this event's own {@code id} field, or {@code null} if it had none
 * @param lastEventId the last event id a browser would hold after this event: the most recent
 *     {@code id} field on this connection or an earlier one of the same client, {@code ""} if none
 * @since 1.0
 */
public record SseTestEvent(String type, String data, String id, String lastEventId) {}
