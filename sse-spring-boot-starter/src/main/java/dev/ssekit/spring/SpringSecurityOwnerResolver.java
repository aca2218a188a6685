package dev.ssekit.spring;

import dev.ssekit.servlet.OwnerResolver;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** The default owner when Spring Security is present: the authenticated user's name, else the servlet's default. */
final class SpringSecurityOwnerResolver implements OwnerResolver {

    private static final OwnerResolver FALLBACK = OwnerResolver.principalSessionOrCookie();

    private SpringSecurityOwnerResolver() {}

    static OwnerResolver create() {
        return new SpringSecurityOwnerResolver();
    }

    @Override
    public String owner(HttpServletRequest request) {
        String user = user();
        return user != null ? user : FALLBACK.owner(request);
    }

    @Override
    public String createOwner(HttpServletRequest request) {
        String user = user();
        return user != null ? user : FALLBACK.createOwner(request);
    }

    private static String user() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.isAuthenticated() && !(auth instanceof AnonymousAuthenticationToken)) {
            return auth.getName();
        }
        return null;
    }
}
