package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Changing a connection's rooms and event types ({@code POST .../subscriptions}): ownership, all or nothing. */
abstract class SseSubscriptionsSuite extends SseServletSuite {

    // ---- subscriptions and ownership ---------------------------------------------------------------

    @Test
    void ownerChangesRoomsAndEventTypes() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");
        UUID id = id(stream);

        HttpResponse<String> changed = post(
                "/sse/subscriptions",
                "application/json",
                subscription(id, "\"join\":[\"r1\",\"r2\"],\"events\":[\"x\",\"end\"]"));
        registry.publish("r1", SseEvent.of("x", "1"));
        registry.publish("r1", SseEvent.of("y", "filtered out"));
        registry.publish("r3", SseEvent.of("x", "not a member"));
        registry.publish(SseEvent.of("end", "."));

        assertThat(changed.statusCode()).isEqualTo(200);
        JsonNode answer = json(changed);
        assertThat(answer.path("connectionId").asText()).isEqualTo(id.toString());
        assertThat(answer.path("rooms")).extracting(JsonNode::asText).containsExactly("r1", "r2");
        assertThat(answer.path("events")).extracting(JsonNode::asText).containsExactlyInAnyOrder("x", "end");
        assertThat(stream.awaitEvent("x").data()).isEqualTo("1");
        stream.awaitEvent("end");

        HttpResponse<String> left =
                post("/sse/subscriptions", "application/json", subscription(id, "\"leave\":[\"r2\"],\"events\":[]"));
        assertThat(left.statusCode()).isEqualTo(200);
        assertThat(json(left).path("rooms")).extracting(JsonNode::asText).containsExactly("r1");
        assertThat(json(left).path("events")).isEmpty();
        assertThat(registry.members("r2")).isEmpty();
    }

    @Test
    void anotherSessionMayNotChangeSubscriptions() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");
        UUID id = id(stream);
        HttpClient stranger = newClient();

        HttpResponse<String> response = post(
                stranger,
                "/sse/subscriptions",
                "application/json",
                HttpRequest.BodyPublishers.ofString(subscription(id, "\"join\":[\"r1\"]")));

        assertError(response, 403, "only the owner");
        assertThat(registry.connection(id).orElseThrow().rooms()).isEmpty();
    }

    @Test
    void subscriptionChangesAreAllOrNothing() throws Exception {
        SseRegistry small = registry(SseRegistry.builder().maxRoomsPerConnection(2));
        try {
            start(new SseServlet(small));
            RecordingClient stream = connect("?rooms=a&events=x");
            UUID id = id(stream);

            HttpResponse<String> response = post(
                    "/sse/subscriptions",
                    "application/json",
                    subscription(id, "\"leave\":[\"a\"],\"join\":[\"b\",\"c\",\"d\"],\"events\":[\"y\"]"));

            assertError(response, 400, "at most 2");
            SseConnection c = small.connection(id).orElseThrow();
            assertThat(c.rooms()).containsExactly("a");
            assertThat(c.eventTypes()).containsExactly("x");
        } finally {
            small.close();
        }
    }
}
