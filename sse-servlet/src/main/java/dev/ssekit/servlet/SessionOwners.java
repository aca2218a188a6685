package dev.ssekit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.util.Arrays;
import java.util.Base64;

/** The resolver behind {@link OwnerResolver#principalOrSession()}. Stateless and thread-safe. */
final class SessionOwners implements OwnerResolver {

    static final SessionOwners PRINCIPAL_OR_SESSION = new SessionOwners();

    private static final String PREFIX = "session:";
    private static final int KEY_BYTES = 16;

    private SessionOwners() {}

    @Override
    public String owner(HttpServletRequest request) {
        String principal = principal(request);
        if (principal != null) {
            return principal;
        }
        HttpSession session = request.getSession(false);
        return session == null ? null : key(session.getId());
    }

    @Override
    public String createOwner(HttpServletRequest request) {
        String principal = principal(request);
        return principal != null ? principal : key(request.getSession(true).getId());
    }

    private static String principal(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : principal.getName();
    }

    /** A one-way, stable key for a session id: the id is a credential and must not be shown. */
    static String key(String sessionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, KEY_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "OwnerResolver.principalOrSession()";
    }
}
