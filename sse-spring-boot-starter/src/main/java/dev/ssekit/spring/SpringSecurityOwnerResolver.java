package dev.ssekit.spring;

import dev.ssekit.servlet.OwnerResolver;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** The default owner when Spring Security is present: the authenticated user's name, else the servlet's default. */
final class SpringSecurityOwnerResolver {

    private SpringSecurityOwnerResolver() {}

    static OwnerResolver create() {
        OwnerResolver fallback = OwnerResolver.principalOrSession();
        return request -> {
            Authentication auth = SecurityContextHolder.getContext().getAuthentication();
            if (auth != null && auth.isAuthenticated() && !(auth instanceof AnonymousAuthenticationToken)
                    && auth.getName() != null) {
                return auth.getName();
            }
            return fallback.owner(request);
        };
    }
}
