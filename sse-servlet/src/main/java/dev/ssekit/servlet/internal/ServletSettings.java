package dev.ssekit.servlet.internal;

import dev.ssekit.SseEvent;
import dev.ssekit.servlet.OwnerResolver;
import dev.ssekit.servlet.SseAuthorizer;
import java.time.Duration;

/**
 * An {@code SseServlet}'s settings, fixed when it is built, validated by its builder.
 *
 * <p>Immutable.
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
        boolean shutdownRegistryOnDestroy) {

    /** The body limit before a servlet has settings, for discarding a refused request's body. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
}
