package dev.ssekit.servlet;

import dev.ssekit.SseConnection;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/**
 * Decides what a client may do through {@link SseServlet}: connect, join rooms, choose event
 * types, change a connection's subscriptions, and publish.
 *
 * <p>Every method has a default, so an application overrides only what it restricts: connecting,
 * joining any room and receiving any event type are allowed; managing a connection is allowed to
 * its owner only; publishing is denied. Names given to these methods have already passed the
 * registry's rules (not empty, at most 128 characters, no control characters).
 *
 * <p>Implementations must be thread-safe and quick: they run on container threads for every
 * request, before anything is written.
 *
 * <pre>{@code
 * SseAuthorizer authorizer = new SseAuthorizer() {
 *     public ConnectDecision connect(HttpServletRequest request, String owner) {
 *         return request.getUserPrincipal() == null ? ConnectDecision.DENY : ConnectDecision.ALLOW;
 *     }
 *     public boolean join(HttpServletRequest request, String owner, String room) {
 *         return room.startsWith("public.") || request.isUserInRole("staff");
 *     }
 * };
 * }</pre>
 *
 * @since 1.0
 */
public interface SseAuthorizer {

    /**
     * What to answer a client that asks to open a stream.
     *
     * @since 1.0
     */
    enum ConnectDecision {
        /** Open the stream. */
        ALLOW,
        /** Answer {@code 403 Forbidden}. Browsers do not reconnect after it. */
        DENY,
        /**
         * Answer {@code 204 No Content}: the way, defined by the HTML standard, to tell an
         * {@code EventSource} to stop reconnecting for good, for example once a job it followed has
         * finished.
         */
        STOP
    }

    /**
     * Decides whether {@code owner} may open a stream with {@code request}. Called before the
     * rooms and event types of the request are checked; {@code null} counts as {@link
     * ConnectDecision#DENY}.
     */
    default ConnectDecision connect(HttpServletRequest request, String owner) {
        return ConnectDecision.ALLOW;
    }

    /**
     * Returns whether {@code owner} may join {@code room}, at connect time ({@code rooms=} query
     * parameter) or through the subscriptions endpoint. Refused with 403.
     */
    default boolean join(HttpServletRequest request, String owner, String room) {
        return true;
    }

    /**
     * Returns whether {@code owner} may choose to receive {@code eventType}, at connect time
     * ({@code events=} query parameter) or through the subscriptions endpoint. Refused with 403.
     */
    default boolean receive(HttpServletRequest request, String owner, String eventType) {
        return true;
    }

    /**
     * Returns whether {@code owner} may change the subscriptions of {@code connection}; by default
     * only the connection's own owner may. Refused with 403.
     */
    default boolean manage(HttpServletRequest request, String owner, SseConnection connection) {
        return owner.equals(connection.owner());
    }

    /**
     * Returns whether {@code request} may publish an event; denied by default. Refused with 403.
     *
     * @param room the room to publish to, or {@code null} for a broadcast or a direct message
     * @param eventType the event's type, or {@code null} for the default {@code message}
     * @param to the connection a direct message goes to, or {@code null}
     */
    default boolean publish(HttpServletRequest request, String room, String eventType, UUID to) {
        return false;
    }

    /** Returns the defaults: everything allowed but publishing and managing others' connections. */
    static SseAuthorizer defaults() {
        return AuthorizerDefaults.DEFAULTS;
    }

    /**
     * Returns an authorizer that allows anyone to connect, join, receive and publish: for demos and
     * tests. Managing a connection still needs its owner, since the owner is who the stream is for.
     */
    static SseAuthorizer allowAll() {
        return AuthorizerDefaults.ALLOW_ALL;
    }
}
