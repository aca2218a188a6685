package dev.ssekit.servlet.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssekit.PublishResult;
import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.Connections;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST}: publishes the JSON body as one event to everyone, a room, or one connection, if the
 * application's authorizer allows it. The query, the names and the body are checked before the
 * authorizer is asked.
 *
 * <p>Thread-safe and stateless beyond its registry and settings.
 */
public final class PublishEndpoint {

    private static final System.Logger LOG = System.getLogger(PublishEndpoint.class.getName());

    private final SseRegistry registry;
    private final ServletSettings settings;
    private final boolean relayed; // a registry is built with its relay or without one, for good

    /** Creates the endpoint for {@code registry} with {@code settings}. */
    public PublishEndpoint(SseRegistry registry, ServletSettings settings) {
        this.registry = registry;
        this.settings = settings;
        this.relayed = registry.stats().relay() != null;
    }

    /** Publishes the request's body, or throws the refusal to answer. */
    public void publish(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        Json.requireJsonContentType(request);
        String room = RequestParameters.single(request, "room");
        String type = RequestParameters.single(request, "event");
        String connectionText = RequestParameters.single(request, "connectionId");
        UUID to = connectionText == null ? null : RequestParameters.connectionId("connectionId", connectionText);
        if (room != null && to != null) {
            throw new HttpError(
                    400, "room and connectionId cannot be combined: an event goes to a room or to one connection");
        }
        try {
            // The subscription rules: a published type is one a client can choose.
            Connections.checkSubscriptions(
                    registry, room == null ? List.of() : List.of(room), type == null ? List.of() : List.of(type));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        String data = Json.compact(Json.readBody(request, settings.maxBodyBytes()));
        if (!settings.authorizer().publish(request, room, type, to)) {
            throw new HttpError(403, "not allowed to publish");
        }
        PublishResult result;
        try {
            SseEvent event = SseEvent.builder()
                    .type(type)
                    .data(data)
                    .idempotencyKey(idempotencyKey(request))
                    .build();
            if (to != null) {
                // With a relay the connection may be open on another server; only it can tell.
                if (!relayed && registry.connection(to).isEmpty()) {
                    throw new HttpError(404, "no open connection " + to);
                }
                result = registry.send(to, event);
            } else if (room != null) {
                result = registry.publish(room, event);
            } else {
                result = registry.publish(event);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RelayUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "publishing failed: {0}", e.getMessage());
            throw new HttpError(503, "events cannot be published now; try again later", HttpError.jitteredRetryAfter());
        } catch (IllegalStateException e) {
            throw HttpError.shuttingDown();
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        answer.put("id", result.id());
        answer.put("queued", result.queued());
        if (relayed) {
            answer.put("relayed", true); // handed to every server; queued counts this one's connections
        }
        Json.write(response, HttpServletResponse.SC_OK, answer);
    }

    /**
     * The {@code Idempotency-Key} header, checked as {@link SseEvent#idempotencyKey()} is: a publish
     * repeated with it within the window is delivered once and answers the same id.
     */
    private static String idempotencyKey(HttpServletRequest request) throws HttpError {
        Enumeration<String> values = request.getHeaders("Idempotency-Key");
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String key = values.nextElement();
        if (values.hasMoreElements()) {
            throw new HttpError(400, "the Idempotency-Key header must be given once");
        }
        try {
            return SseEvent.builder().comment("").idempotencyKey(key).build().idempotencyKey();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage().replace("idempotencyKey", "the Idempotency-Key header"));
        }
    }
}
