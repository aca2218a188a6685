package dev.ssekit.servlet;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The cookie that identifies a client that has neither a principal nor an HTTP session, for the
 * default owner resolver: 128 random bits, held by the browser only, so that an owner costs the
 * server no state. The token is a credential, like a session id: owner keys are derived from it
 * one way and it is never shown.
 *
 * <p>Not instantiable; its methods are thread-safe. {@link SseServlet} hands {@link #addTo} to its
 * connection endpoint, which calls it for a stream about to start.
 */
final class OwnerCookie {

    /** The cookie's name. */
    static final String NAME = "ssekit-owner";

    private static final String ATTRIBUTE = OwnerCookie.class.getName();
    private static final int TOKEN_BYTES = 16;
    /** A token as {@link #create} makes them: 128 bits, base64url without padding. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22}");

    private static final SecureRandom RANDOM = new SecureRandom();

    private OwnerCookie() {}

    /**
     * Returns the token the request's cookie carries, or {@code null}. Only a token of the form
     * {@link #create} makes counts: anything else is ignored, and the client gets a new one when it
     * opens a connection.
     */
    static String read(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie c : cookies) {
            if (NAME.equals(c.getName())
                    && c.getValue() != null
                    && TOKEN.matcher(c.getValue()).matches()) {
                return c.getValue();
            }
        }
        return null;
    }

    /**
     * Makes a new token for {@code request} and remembers it there, for {@link #addTo} to send once
     * the connection is known to open: a refused request sends no cookie.
     */
    static String create(HttpServletRequest request) {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        request.setAttribute(ATTRIBUTE, token);
        return token;
    }

    /**
     * Adds to {@code response} the cookie whose token {@link #create} made for {@code request}, if
     * it made one: a session cookie (gone when the browser closes), {@code HttpOnly}, {@code Secure}
     * on a secure request, {@code SameSite=Lax}, for the application's context path.
     */
    static void addTo(HttpServletRequest request, HttpServletResponse response) {
        if (!(request.getAttribute(ATTRIBUTE) instanceof String token)) {
            return;
        }
        // One header string rather than a Cookie object: the response keeps its headers for the
        // stream's whole life, and a Cookie with its attribute map costs several times as much.
        String path = request.getContextPath();
        response.addHeader(
                "Set-Cookie",
                NAME + "=" + token + "; Path=" + (path == null || path.isEmpty() ? "/" : path)
                        + "; HttpOnly; SameSite=Lax" + (request.isSecure() ? "; Secure" : ""));
    }
}
