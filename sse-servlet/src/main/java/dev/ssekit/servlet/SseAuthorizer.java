package dev.ssekit.servlet;

import dev.ssekit.SseConnection;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/**
 * Decides what a client may do through {@link SseServlet}: connect, join rooms, change a
 * connection's subscriptions, and publish.
 *
 * <p><b>Rooms are the boundary.</b> What a connection may receive is decided by the rooms it may
 * join, and nothing else: it receives the events published to everyone, the events of its rooms and the direct messages
 * sent to its id, live and replayed after a reconnect. An event that some users must not see goes
 * to a room they may not join; {@link #join} is asked for every room, at connect time and on every
 * change. Event types ({@code events=}) are a filter the client chooses for its own convenience,
 * not a permission, so no method here decides them: a type filter that were a security boundary
 * would have to be enforced on every delivery and replay, which puts the decision on the publish
 * path, and a filter the client may clear is easy to get wrong.
 *
 * <p>Every method has a default, so an application overrides only what it restricts: connecting
 * and joining any room are allowed; managing a connection is allowed to its owner only;
 * publishing is denied. Names given to these methods have already passed the registry's rules
 * (not empty, at most 128 characters, no control characters) and its limits (rooms per
 * connection), so one request asks {@link #join} at most that many times, once per distinct room.
 *
 * <p>The {@code owner} passed in is the {@link OwnerResolver}'s key for the client, or {@code null}
 * when the client has none yet: with the default resolver, an anonymous client without an HTTP
 * session. Its session is created only once its connection is allowed, so a refused client leaves
 * nothing behind.
 *
 * <p>Implementations must be thread-safe and quick: they run on container threads for every
 * request, before anything is written, and never on a publisher's thread.
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
     * What to answer a client that asks to open a connection.
     *
     * @since 1.0
     */
    enum ConnectDecision {
        /** Open the connection. */
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
     * Decides whether the client of {@code request} may open a connection. Called after the
     * request's rooms and event types have passed the registry's rules and limits, before
     * {@link #join}; {@code null} counts as {@link ConnectDecision#DENY}.
     *
     * @param owner the client's owner key, or {@code null} if it has none yet
     */
    default ConnectDecision connect(HttpServletRequest request, String owner) {
        return ConnectDecision.ALLOW;
    }

    /**
     * Returns whether the client of {@code request} may join {@code room}, and so receive its
     * events, live and replayed: at connect time ({@code rooms=} query parameter) or through the
     * subscriptions endpoint. Refused with 403.
     *
     * @param owner the client's owner key, or {@code null} if it has none yet
     */
    default boolean join(HttpServletRequest request, String owner, String room) {
        return true;
    }

    /**
     * Returns whether the client of {@code request} may change the subscriptions of {@code
     * connection}; by default only the connection's own owner may. Refused with 403.
     *
     * @param owner the client's owner key, or {@code null} if it has none (then it owns nothing)
     */
    default boolean manage(HttpServletRequest request, String owner, SseConnection connection) {
        return owner != null && owner.equals(connection.owner());
    }

    /**
     * Returns whether {@code request} may publish an event; denied by default. Refused with 403.
     *
     * @param room the room to publish to, or {@code null} for everyone or a direct message
     * @param eventType the event's type, or {@code null} for the default {@code message}
     * @param connectionId the connection a direct message goes to, or {@code null}
     */
    default boolean publish(HttpServletRequest request, String room, String eventType, UUID connectionId) {
        return false;
    }

    /** Returns the defaults: everything allowed but publishing and managing others' connections. */
    static SseAuthorizer defaults() {
        return AuthorizerDefaults.DEFAULTS;
    }

    /**
     * Returns an authorizer that allows anyone to connect, join any room and publish: for demos and
     * tests. Managing a connection still needs its owner, since the owner is who it is for.
     */
    static SseAuthorizer allowAll() {
        return AuthorizerDefaults.ALLOW_ALL;
    }
}
