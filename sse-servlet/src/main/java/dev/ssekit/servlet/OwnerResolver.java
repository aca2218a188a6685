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
     * what the key needs, such as a cookie or an HTTP session. Called only when {@link #owner} returned
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
     * Returns the default resolver: the authenticated principal's name if there is one; else, if
     * the client already has an HTTP session, a key derived from it, {@code "session:"} followed by
     * 22 characters (the first 128 bits of the SHA-256 of the session id, base64url); else a key
     * derived the same way from the client's {@code ssekit-owner} cookie, {@code "client:"} and 22
     * characters. Neither the session id nor the cookie, both credentials, reaches application
     * code, and neither key can be turned back into them.
     *
     * <p>{@link #owner} creates nothing. {@link #createOwner}, for a client with none of the three,
     * makes a new cookie (128 random bits; a session cookie, {@code HttpOnly}, {@code Secure} on a
     * secure request, {@code SameSite=Lax}, for the context path), which the servlet sends with
     * the stream's response. It creates no HTTP session and keeps nothing on the server: an owner
     * costs the server no memory, and the tabs of one browser share it. A request that is refused
     * receives no cookie.
     *
     * <p>An owner key changes when the client's identity does (it logs in, or the application
     * creates or rotates its session); connections opened before keep the old key. A principal
     * whose name has the form of one of these keys would share that owner; user names of that form
     * should not be allowed.
     */
    static OwnerResolver principalSessionOrCookie() {
        return DefaultOwners.PRINCIPAL_SESSION_OR_COOKIE;
    }

    /**
     * Returns the resolver that identifies anonymous clients by HTTP session only, as
     * {@link #principalSessionOrCookie()} does a client that has a session: {@link #createOwner}
     * creates a session (and its cookie) for a client that has none, for applications that keep
     * per-client state in the session anyway. Each session costs the server its memory for the
     * session's life.
     */
    static OwnerResolver principalOrSession() {
        return DefaultOwners.PRINCIPAL_OR_SESSION;
    }
}
