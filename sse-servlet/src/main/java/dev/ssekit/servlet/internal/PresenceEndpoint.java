package dev.ssekit.servlet.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssekit.ConnectOptions;
import dev.ssekit.Presence;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET <path>/presence?room=R}: who is in a room, as
 * {@code {"room":"R","count":n,"members":[...]}}, {@code members} only when the registry describes
 * some of them. Whoever may join the room may look; nobody else learns even its count.
 *
 * <p>Stateless; any thread.
 */
public final class PresenceEndpoint {

    private PresenceEndpoint() {}

    /**
     * Answers the request of {@code owner}, authorized like joining the room.
     *
     * @throws HttpError 400 for a missing, repeated or invalid room, 403 if the owner may not join it
     */
    public static void answer(HttpServletRequest request, HttpServletResponse response, SseRegistry registry,
            SseAuthorizer authorizer, String owner) throws IOException, HttpError {
        String room = room(request);
        if (!authorizer.join(request, owner, room)) {
            throw new HttpError(403, "not allowed to join room \"" + room + "\"");
        }
        Presence presence;
        try {
            presence = registry.presence(room);
        } catch (IllegalStateException e) {
            throw new HttpError(503, "the server is shutting down", "5");
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        answer.put("room", presence.room());
        answer.put("count", presence.count());
        if (!presence.members().isEmpty()) {
            ArrayNode members = answer.putArray("members");
            for (Object member : presence.members()) {
                try {
                    members.add(Json.mapper().valueToTree(member));
                } catch (IllegalArgumentException e) {
                    throw new HttpError(500, "a member's description cannot be written as JSON");
                }
            }
        }
        Json.write(response, HttpServletResponse.SC_OK, answer);
    }

    /** The one {@code room} parameter, checked by the registry's rules before any authorizer sees it. */
    private static String room(HttpServletRequest request) throws HttpError {
        String[] values;
        try {
            values = request.getParameterValues("room");
        } catch (RuntimeException e) {
            throw new HttpError(400, "the query string is malformed"); // Jetty throws on "?%"
        }
        if (values == null || values.length == 0) {
            throw new HttpError(400, "room is required");
        }
        if (values.length > 1) {
            throw new HttpError(400, "room must be given once");
        }
        try {
            ConnectOptions.builder("-").rooms(values[0]).build();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        return values[0];
    }
}
