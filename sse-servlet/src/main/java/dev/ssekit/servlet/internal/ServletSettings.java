package dev.ssekit.servlet.internal;

import dev.ssekit.SseEvent;
import dev.ssekit.servlet.OwnerResolver;
import dev.ssekit.servlet.SseAuthorizer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * An {@code SseServlet}'s settings, fixed when it is built, validated by its builder.
 *
 * <p>Immutable. {@code streamStarting} adds to the response of a stream about to start what the
 * owner resolver left for it: the default resolver's new owner cookie.
 */
public record ServletSettings(
        SseAuthorizer authorizer,
        OwnerResolver ownerResolver,
        int maxConnections,
        int maxConnectionsPerOwner,
        int maxBodyBytes,
        Duration retry,
        Duration maxConnectionAge,
        Duration shutdownGrace,
        SseEvent finalEvent,
        boolean shutdownRegistryOnDestroy,
        BiConsumer<HttpServletRequest, HttpServletResponse> streamStarting) {

    /** The body limit before a servlet has settings, for discarding a refused request's body. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
}
