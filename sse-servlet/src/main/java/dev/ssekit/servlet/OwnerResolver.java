package dev.ssekit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;

/**
 * Decides who owns the streams a request opens, and so who may later change their subscriptions.
 *
 * <p>Implementations must be thread-safe: {@link SseServlet} calls them on container threads, for
 * every stream request and every subscription change, so they should also be quick.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface OwnerResolver {

    /**
     * Returns the owner key of the client making {@code request}: for example a user name or a
     * session id. Two requests with the same key are the same owner.
     *
     * @return the owner key, or {@code null} if the client has none, which refuses it with 403
     */
    String owner(HttpServletRequest request);

    /**
     * Returns the default resolver: the authenticated principal's name if there is one, else the
     * HTTP session id, creating the session (and so its cookie) if needed.
     *
     * <p>A session id changes when the application rotates it (for example at login); streams
     * opened before keep the old owner key.
     */
    static OwnerResolver principalOrSession() {
        return request -> {
            Principal principal = request.getUserPrincipal();
            if (principal != null && principal.getName() != null) {
                return principal.getName();
            }
            return request.getSession(true).getId();
        };
    }
}
