package dev.ssekit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;

/** The shared instances behind {@link SseAuthorizer#defaults()} and {@link SseAuthorizer#allowAll()}. */
final class AuthorizerDefaults {
    static final SseAuthorizer DEFAULTS = new SseAuthorizer() {
        @Override
        public String toString() {
            return "SseAuthorizer.defaults()";
        }
    };

    static final SseAuthorizer ALLOW_ALL = new SseAuthorizer() {
        @Override
        public boolean publish(HttpServletRequest request, String room, String eventType, UUID connectionId) {
            return true;
        }

        @Override
        public String toString() {
            return "SseAuthorizer.allowAll()";
        }
    };

    private AuthorizerDefaults() {}
}
