package dev.ssekit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.util.Arrays;
import java.util.Base64;

/**
 * The resolvers behind {@link OwnerResolver#principalSessionOrCookie()} and
 * {@link OwnerResolver#principalOrSession()}. Stateless and thread-safe.
 */
final class DefaultOwners implements OwnerResolver {

    static final DefaultOwners PRINCIPAL_SESSION_OR_COOKIE = new DefaultOwners(true);
    static final DefaultOwners PRINCIPAL_OR_SESSION = new DefaultOwners(false);

    private static final String SESSION_PREFIX = "session:";
    private static final String CLIENT_PREFIX = "client:";
    private static final int KEY_BYTES = 16;

    private final boolean cookie;

    private DefaultOwners(boolean cookie) {
        this.cookie = cookie;
    }

    @Override
    public String owner(HttpServletRequest request) {
        String principal = principal(request);
        if (principal != null) {
            return principal;
        }
        HttpSession session = request.getSession(false);
        if (session != null) {
            return key(SESSION_PREFIX, session.getId());
        }
        if (cookie) {
            String token = OwnerCookie.read(request);
            return token == null ? null : key(CLIENT_PREFIX, token);
        }
        return null;
    }

    @Override
    public String createOwner(HttpServletRequest request) {
        String owner = owner(request);
        if (owner != null) {
            return owner;
        }
        if (!cookie) {
            return key(SESSION_PREFIX, request.getSession(true).getId());
        }
        // The servlet sends the cookie once the connection opens; a refused one gets none.
        return key(CLIENT_PREFIX, OwnerCookie.create(request));
    }

    private static String principal(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : principal.getName();
    }

    /** A one-way, stable key for a session id or token: both are credentials and must not be shown. */
    static String key(String prefix, String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, KEY_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return cookie ? "OwnerResolver.principalSessionOrCookie()" : "OwnerResolver.principalOrSession()";
    }
}
