package dev.ssekit.servlet.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssekit.SseConnection;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.spi.Connections;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /subscriptions}: changes a connection's rooms and event types, all or nothing, for its
 * owner. The body, the names and their numbers are checked before the authorizer is asked, which
 * is asked once per distinct room to join; the change itself is one step of the registry.
 * Creates nothing for the client: an owner is looked up, never made.
 *
 * <p>Thread-safe and stateless beyond its registry and settings.
 */
public final class SubscriptionsEndpoint {

    private static final Set<String> FIELDS = Set.of("connectionId", "join", "leave", "events");

    private final SseRegistry registry;
    private final ServletSettings settings;

    /** Creates the endpoint for {@code registry} with {@code settings}. */
    public SubscriptionsEndpoint(SseRegistry registry, ServletSettings settings) {
        this.registry = registry;
        this.settings = settings;
    }

    /** Changes the subscriptions the request asks for, or throws the refusal to answer. */
    public void change(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        Json.requireJsonContentType(request);
        JsonNode body = Json.tree(Json.readBody(request, settings.maxBodyBytes()));
        if (!body.isObject()) {
            throw new HttpError(400, "body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new HttpError(
                        400,
                        "unknown field \"" + Json.shorten(field) + "\"; expected connectionId, join, leave, events");
            }
        }
        JsonNode idNode = body.get("connectionId");
        if (idNode == null || !idNode.isTextual()) {
            throw new HttpError(400, "connectionId must be a string");
        }
        UUID id = RequestParameters.connectionId("connectionId", idNode.textValue());
        List<String> join = stringArray(body, "join");
        List<String> leave = stringArray(body, "leave");
        List<String> events = stringArray(body, "events");
        try {
            Connections.checkSubscriptions(registry, join, events);
            for (String room : leave == null ? List.<String>of() : leave) {
                Connections.checkSubscriptions(registry, List.of(room), null); // names only: leaving asks nobody
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }

        SseConnection c = registry.connection(id).orElseThrow(() -> noConnection(id));
        String owner = settings.ownerResolver().owner(request); // never creates a session
        SseAuthorizer authorizer = settings.authorizer();
        if (!authorizer.manage(request, owner, c)) {
            throw new HttpError(403, "only the owner of a connection may change its subscriptions");
        }
        Set<String> joining = join == null ? Set.of() : new LinkedHashSet<>(join);
        for (String room : joining) {
            if (!authorizer.join(request, owner, room)) {
                throw new HttpError(403, "not allowed to join room \"" + room + "\"");
            }
        }
        try {
            if (!registry.changeSubscriptions(id, joining, leave, events)) {
                throw noConnection(id);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        answer.put("connectionId", id.toString());
        ArrayNode roomsNode = answer.putArray("rooms");
        c.rooms().forEach(roomsNode::add);
        ArrayNode eventsNode = answer.putArray("events");
        c.eventTypes().forEach(eventsNode::add);
        Json.write(response, HttpServletResponse.SC_OK, answer);
    }

    private static HttpError noConnection(UUID id) {
        return new HttpError(404, "no open connection " + id);
    }

    private static List<String> stringArray(JsonNode body, String field) throws HttpError {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new HttpError(400, field + " must be an array of strings");
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new HttpError(400, field + " must be an array of strings");
            }
            values.add(item.textValue());
        }
        return values;
    }
}
