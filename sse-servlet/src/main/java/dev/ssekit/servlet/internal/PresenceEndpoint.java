package dev.ssekit.servlet.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssekit.Presence;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.spi.Connections;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * {@code GET <path>/presence?room=R}: who is in a room, as
 * {@code {"room":"R","count":n,"members":[...]}}, {@code members} only when the registry describes
 * some of them. Whoever may join the room may look; nobody else learns even its count. Creates
 * nothing for the client: its owner is looked up, never made.
 *
 * <p>Thread-safe and stateless beyond its registry and settings.
 */
public final class PresenceEndpoint {

    private final SseRegistry registry;
    private final ServletSettings settings;

    /** Creates the endpoint for {@code registry} with {@code settings}. */
    public PresenceEndpoint(SseRegistry registry, ServletSettings settings) {
        this.registry = registry;
        this.settings = settings;
    }

    /**
     * Answers the request, authorized like joining the room.
     *
     * @throws HttpError 400 for a missing, repeated or invalid room, 403 if the client may not join it
     */
    public void answer(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        String room = room(request);
        String owner = settings.ownerResolver().owner(request); // never creates a session
        SseAuthorizer authorizer = settings.authorizer();
        if (!authorizer.join(request, owner, room)) {
            throw new HttpError(403, "not allowed to join room \"" + room + "\"");
        }
        Presence presence;
        try {
            presence = registry.presence(room);
        } catch (IllegalStateException e) {
            throw HttpError.shuttingDown();
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
    private String room(HttpServletRequest request) throws HttpError {
        String room = RequestParameters.single(request, "room");
        if (room == null) {
            throw new HttpError(400, "room is required");
        }
        try {
            Connections.checkSubscriptions(registry, List.of(room), null);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        return room;
    }
}
