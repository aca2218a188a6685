package dev.ssekit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.testing.EventStream;
import dev.ssekit.testing.EventStream.Event;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example's HTTP contract, which the page, the browser test and benchmarks rely on, checked
 * with plain HTTP requests against {@link ExampleApp} on a free port.
 */
class ExampleHttpContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ExampleApp app;
    private static URI base;

    // Each client has its own cookie jar, so each is its own session: its own owner.
    private final HttpClient client = newClient();

    @BeforeAll
    static void start() throws Exception {
        app = ExampleApp.start("127.0.0.1", 0);
        base = URI.create("http://127.0.0.1:" + app.port() + "/");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    private EventStream stream(String query) throws IOException, InterruptedException {
        return EventStream.open(client, base.resolve("sse" + query));
    }

    private HttpResponse<String> post(HttpClient with, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(EventStream.TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return with.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    private static String connectionId(Event connected) throws IOException {
        assertThat(connected.type()).isEqualTo("connected");
        return JSON.readTree(connected.data()).get("connectionId").asText();
    }

    @Test
    void aNameIsRefusedBeforeTheVisitorHasAnOwnerAndListedInTheRoomAfter() throws Exception {
        HttpResponse<String> early = postName(client, "ann");
        assertThat(early.statusCode()).isEqualTo(400);
        assertThat(json(early).get("error").asText()).startsWith("owner:");

        try (EventStream s = stream("?rooms=contract-names")) { // its response sets the owner cookie
            connectionId(s.next());
            assertThat(postName(client, "ann").statusCode()).isEqualTo(204);
            HttpResponse<String> who = client.send(
                    HttpRequest.newBuilder(base.resolve("sse/presence?room=contract-names"))
                            .timeout(EventStream.TIMEOUT)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(who.statusCode()).isEqualTo(200);
            assertThat(json(who).get("members").toString()).contains("\"ann\"");
        }
    }

    private HttpResponse<String> postName(HttpClient with, String name) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("name"))
                .timeout(EventStream.TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=" + name))
                .build();
        return with.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void streamStartsWithConnectedEventCarryingTheConnectionId() throws Exception {
        try (EventStream s = stream("")) {
            assertThat(s.response().headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            String id = connectionId(s.next());
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(s.response().headers().firstValue("X-SSE-Connection-Id")).hasValue(id);
        }
    }

    @Test
    void postPublishesItsJsonBodyToTheRoomAndAnswersIdAndQueued() throws Exception {
        try (EventStream s = stream("?rooms=contract-post")) {
            connectionId(s.next());
            HttpResponse<String> r =
                    post(client, "sse?room=contract-post&event=chat", "{\"name\":\"ann\", \"text\":\"hi\"}");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode answer = json(r);
            assertThat(answer.get("queued").asInt()).isEqualTo(1);
            assertThat(answer.get("id").isTextual()).isTrue();

            Event chat = s.next();
            assertThat(chat.type()).isEqualTo("chat");
            assertThat(chat.id()).isEqualTo(answer.get("id").asText());
            assertThat(JSON.readTree(chat.data())).isEqualTo(JSON.readTree("{\"name\":\"ann\",\"text\":\"hi\"}"));
        }
    }

    @Test
    void eventsQueryLetsOnlyTheChosenTypesThrough() throws Exception {
        try (EventStream s = stream("?rooms=contract-types&events=wanted")) {
            connectionId(s.next());
            assertThat(json(post(client, "sse?room=contract-types&event=unwanted", "{\"n\":1}"))
                            .get("queued")
                            .asInt())
                    .isZero();
            assertThat(json(post(client, "sse?room=contract-types&event=wanted", "{\"n\":2}"))
                            .get("queued")
                            .asInt())
                    .isEqualTo(1);
            Event next = s.next();
            assertThat(next.type()).isEqualTo("wanted");
            assertThat(next.data()).isEqualTo("{\"n\":2}");
        }
    }

    @Test
    void joiningWithLastEventIdZeroReplaysTheRoomsRecentMessagesInOrder() throws Exception {
        post(client, "sse?room=contract-history&event=chat", "{\"text\":\"first\"}");
        post(client, "sse?room=contract-history&event=chat", "{\"text\":\"second\"}");
        post(client, "sse?room=contract-elsewhere&event=chat", "{\"text\":\"not for this room\"}");
        try (EventStream s = stream("?rooms=contract-history&lastEventId=0")) {
            connectionId(s.next());
            assertThat(s.next("chat").data()).isEqualTo("{\"text\":\"first\"}");
            assertThat(s.next("chat").data()).isEqualTo("{\"text\":\"second\"}");
        }
    }

    @Test
    void lastEventIdHeaderWinsOverTheQuerySoAReconnectingPageGetsNoDuplicate() throws Exception {
        // The page opens sse?rooms=..&lastEventId=0; when the browser reconnects it keeps that URL
        // and adds the Last-Event-ID header, which must decide where the replay starts.
        String first = json(post(client, "sse?room=contract-resume&event=chat", "{\"text\":\"seen\"}"))
                .get("id")
                .asText();
        post(client, "sse?room=contract-resume&event=chat", "{\"text\":\"missed\"}");
        try (EventStream s = EventStream.open(
                client, base.resolve("sse?rooms=contract-resume&lastEventId=0"), Map.of("Last-Event-ID", first))) {
            connectionId(s.next());
            Event next = s.next();
            assertThat(next.type()).isEqualTo("chat");
            assertThat(next.data()).isEqualTo("{\"text\":\"missed\"}");
        }
    }

    @Test
    void directMessageReachesOnlyItsTargetAndIsNotRecorded() throws Exception {
        try (EventStream target = stream("?rooms=contract-direct");
                EventStream other = stream("?rooms=contract-direct")) {
            String to = connectionId(target.next());
            connectionId(other.next());

            JsonNode answer = json(post(client, "sse?connectionId=" + to + "&event=direct", "{\"text\":\"psst\"}"));
            assertThat(answer.get("queued").asInt()).isEqualTo(1);
            assertThat(answer.get("id").isNull()).isTrue();
            Event direct = target.next();
            assertThat(direct.type()).isEqualTo("direct");
            assertThat(direct.data()).isEqualTo("{\"text\":\"psst\"}");

            // The other member's next event is the room message sent after the direct one.
            post(client, "sse?room=contract-direct&event=chat", "{\"text\":\"to all\"}");
            assertThat(other.next().data()).isEqualTo("{\"text\":\"to all\"}");
        }
    }

    @Test
    void subscriptionsEndpointJoinsAndLeavesRoomsOnTheOpenConnection() throws Exception {
        try (EventStream s = stream("")) {
            String id = connectionId(s.next());
            HttpResponse<String> joined =
                    post(client, "sse/subscriptions", "{\"connectionId\":\"" + id + "\",\"join\":[\"contract-sub\"]}");
            assertThat(joined.statusCode()).isEqualTo(200);
            assertThat(json(joined).toString()).contains("contract-sub");

            post(client, "sse?room=contract-sub&event=chat", "{\"text\":\"in\"}");
            assertThat(s.next("chat").data()).isEqualTo("{\"text\":\"in\"}");

            HttpResponse<String> left =
                    post(client, "sse/subscriptions", "{\"connectionId\":\"" + id + "\",\"leave\":[\"contract-sub\"]}");
            assertThat(left.statusCode()).isEqualTo(200);
            assertThat(json(post(client, "sse?room=contract-sub&event=chat", "{\"text\":\"out\"}"))
                            .get("queued")
                            .asInt())
                    .isZero();
        }
    }

    @Test
    void anotherSessionMayNotChangeTheConnectionsSubscriptions() throws Exception {
        try (EventStream s = stream("")) {
            String id = connectionId(s.next());
            HttpResponse<String> r = post(
                    newClient(),
                    "sse/subscriptions",
                    "{\"connectionId\":\"" + id + "\",\"join\":[\"contract-stolen\"]}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(json(r).get("error").asText()).isNotBlank();
        }
    }

    @Test
    void bodyOverOneMebibyteIsRejectedWith413() throws Exception {
        String big = "{\"text\":\"" + "x".repeat(1 << 20) + "\"}";
        HttpResponse<String> r = post(client, "sse?room=contract-big", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("error").asText()).isNotBlank();

        String fits = "{\"text\":\"" + "x".repeat((1 << 20) - 20) + "\"}";
        assertThat(post(client, "sse?room=contract-big", fits).statusCode()).isEqualTo(200);
    }

    @Test
    void tickerRoomMembersReceiveTicksThatCountUp() throws Exception {
        try (EventStream s = stream("?rooms=ticker&events=tick")) {
            connectionId(s.next());
            JsonNode first = JSON.readTree(s.next("tick").data());
            JsonNode second = JSON.readTree(s.next("tick").data());
            assertThat(second.get("count").asLong())
                    .isGreaterThan(first.get("count").asLong());
            Instant.parse(second.get("time").asText()); // ISO-8601, or this throws
        }
    }

    @Test
    void statsRoomMembersReceiveTheRegistrysCounters() throws Exception {
        try (EventStream s = stream("?rooms=stats")) {
            connectionId(s.next());
            JsonNode stats = JSON.readTree(s.next("stats").data());
            assertThat(stats.get("connections").asInt()).isPositive();
            assertThat(stats.get("rooms").asInt()).isPositive();
            assertThat(stats.has("eventsPublished")).isTrue();
            assertThat(stats.has("framesDropped")).isTrue();
        }
    }

    @Test
    void pageIsServedAtTheRoot() throws Exception {
        HttpResponse<String> page =
                client.send(HttpRequest.newBuilder(base).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>SSEKit example</title>");
        for (String file : new String[] {"app.js", "style.css"}) {
            assertThat(client.send(
                                    HttpRequest.newBuilder(base.resolve(file)).build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .as(file)
                    .isEqualTo(200);
        }
    }
}
