package dev.ssekit.servlet;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Decides who owns the connections a request opens, and so who may later change their
 * subscriptions and whose connections count together against
 * {@link SseServlet.Builder#maxConnectionsPerOwner}.
 *
 * <p>The owner key becomes {@link dev.ssekit.SseConnection#owner()}, which application code may
 * log or show: it must not be a credential. Resolving an owner for a request that is then refused
 * must create nothing, which is why there are two methods: {@link #owner} only looks, and
 * {@link #createOwner} may create state (a session), and is called only for a connection that is
 * allowed to open.
 *
 * <p>Implementations must be thread-safe: {@link SseServlet} calls them on container threads, for
 * every connection request and every subscription change, so they should also be quick.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface OwnerResolver {

    /**
     * Returns the owner key of the client making {@code request}, if it has one, creating
     * nothing: for example a user name. Two requests with the same key are the same owner.
     *
     * @return the owner key, or {@code null} if the client has none (yet); then the authorizer is
     *     asked with a {@code null} owner, and a connection that is allowed gets its owner from
     *     {@link #createOwner}
     */
    String owner(HttpServletRequest request);

    /**
     * Returns the owner key for a client whose connection is allowed and about to open, creating
     * what the key needs, such as an HTTP session. Called only when {@link #owner} returned
     * {@code null}. If the connection then does not open after all (the limits filled meanwhile, or
     * the server is stopping), a session this call created is invalidated. By default, the same
     * as {@link #owner}.
     *
     * @return the owner key, or {@code null} if none can be established, which refuses with 403
     */
    default String createOwner(HttpServletRequest request) {
        return owner(request);
    }

    /**
     * Returns the default resolver: the authenticated principal's name if there is one, else a key
     * derived from the HTTP session, {@code "session:"} followed by 22 characters (the first 128
     * bits of the SHA-256 of the session id, base64url). The session id itself, a credential, never
     * reaches application code; the key is stable for the session's life and cannot be turned
     * back into the id. {@link #owner} never creates a session; {@link #createOwner} does, so a
     * session (and its cookie) exists only for a client that has opened a connection.
     *
     * <p>A session id changes when the application rotates it (for example at login); connections
     * opened before keep the old owner key. A principal whose name has the form of a session key
     * would share that session's owner; user names of that form should not be allowed.
     */
    static OwnerResolver principalOrSession() {
        return SessionOwners.PRINCIPAL_OR_SESSION;
    }
}
