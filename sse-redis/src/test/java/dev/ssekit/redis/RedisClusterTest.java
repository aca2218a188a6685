package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.testing.EventStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three servers, each its own Jetty and registry, sharing one real Redis. */
class RedisClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<Node> nodes = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @BeforeEach
    void startNodes(TestInfo test) throws Exception {
        String prefix = "test:" + test.getTestMethod().orElseThrow().getName() + ":";
        for (int i = 0; i < 3; i++) {
            nodes.add(Node.start(redis.uri(), prefix, 1_000));
        }
    }

    @AfterEach
    void stopNodes() throws Exception {
        streams.forEach(EventStream::close);
        for (Node n : nodes) {
            n.close();
        }
    }

    @Test
    void broadcastOnOneServerReachesEveryServerOnceWithTheSameId() throws Exception {
        List<EventStream> all = List.of(open(0, ""), open(1, ""), open(2, ""));

        JsonNode first = publish(0, "?event=note", "{\"n\":1}");
        JsonNode second = publish(2, "?event=note", "{\"n\":2}");

        assertThat(first.get("queued").asInt())
                .as("queued on the publishing server")
                .isEqualTo(1);
        for (EventStream s : all) {
            assertThat(s.next()).isEqualTo(new EventStream.Event(first.get("id").asText(), "note", "{\"n\":1}"));
            // The very next event is the second one: the first came once, not twice.
            assertThat(s.next())
                    .isEqualTo(new EventStream.Event(second.get("id").asText(), "note", "{\"n\":2}"));
        }
    }

    @Test
    void roomEventReachesItsMembersOnEveryServerAndNobodyElse() throws Exception {
        EventStream memberOn1 = open(1, "?rooms=chat");
        EventStream memberOn2 = open(2, "?rooms=chat");
        EventStream outsiderOn0 = open(0, "");
        EventStream outsiderOn1 = open(1, "?rooms=other");

        publish(0, "?room=chat&event=line", "\"hello\"");
        publish(1, "?event=marker", "0");

        for (EventStream s : List.of(memberOn1, memberOn2)) {
            assertThat(s.next())
                    .extracting(EventStream.Event::type, EventStream.Event::data)
                    .containsExactly("line", "\"hello\"");
            assertThat(s.next().type()).isEqualTo("marker");
        }
        for (EventStream s : List.of(outsiderOn0, outsiderOn1)) {
            assertThat(s.next().type())
                    .as("the room's event skipped the outsider")
                    .isEqualTo("marker");
        }
    }

    @Test
    void directMessageReachesAConnectionOnAnotherServerOnly() throws Exception {
        EventStream target = open(2, "");
        EventStream bystander = open(1, "");

        JsonNode answer = publish(0, "?event=dm&connectionId=" + target.connectionId(), "{\"text\":\"psst\"}");
        publish(0, "?event=marker", "0");

        assertThat(answer.get("queued").asInt())
                .as("nothing queued on the publishing server")
                .isZero();
        assertThat(answer.get("relayed").asBoolean()).isTrue();
        assertThat(target.next())
                .extracting(EventStream.Event::type, EventStream.Event::data)
                .containsExactly("dm", "{\"text\":\"psst\"}");
        assertThat(target.next().type()).isEqualTo("marker");
        assertThat(bystander.next().type()).isEqualTo("marker");
    }

    @Test
    void clientHoppingBetweenServersWhilePublishingMissesNothingAndRepeatsNothing() throws Exception {
        int total = 400;
        AtomicReference<Throwable> publisherFailure = new AtomicReference<>();
        SseRegistry publisher = nodes.get(0).registry;
        Thread publishing = new Thread(
                () -> {
                    try {
                        for (int i = 0; i < total; i++) {
                            publisher.publish("feed", SseEvent.of("n", Integer.toString(i)));
                        }
                    } catch (Throwable t) {
                        publisherFailure.set(t);
                    }
                },
                "publisher");
        publishing.start();

        List<Integer> received = new ArrayList<>();
        String lastId = "0"; // everything retained, from the start
        int hop = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received.size() < total) {
            assertThat(System.nanoTime() - deadline)
                    .as("time left for the hops")
                    .isNegative();
            int node = 1 + hop % 3 == 3 ? 0 : 1 + hop % 3; // 1, 2, 0, 1, 2, 0, ...
            EventStream s = open(node, "?rooms=feed", Map.of("Last-Event-ID", lastId));
            assertThat(s.next().type()).isEqualTo("connected");
            for (int i = 0; i < 37 && received.size() < total; i++) {
                EventStream.Event e = s.next();
                assertThat(e.type())
                        .as("event after id " + lastId + " on server " + node)
                        .isEqualTo("n");
                received.add(Integer.valueOf(e.data()));
                lastId = e.id();
            }
            s.close();
            hop++;
        }
        publishing.join(10_000);

        assertThat(publisherFailure.get()).isNull();
        assertThat(hop).isGreaterThan(6);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add(i);
        }
        assertThat(received).isEqualTo(expected);
    }

    @Test
    void serverThatStopsLosesOnlyItsOwnStreamsWhichResumeElsewhere() throws Exception {
        EventStream onDying = open(1, "");
        EventStream onSurvivor = open(2, "");
        JsonNode before = publish(0, "?event=n", "1");
        assertThat(onDying.next().id()).isEqualTo(before.get("id").asText());
        assertThat(onSurvivor.next().id()).isEqualTo(before.get("id").asText());

        nodes.get(1).close();
        JsonNode during = publish(0, "?event=n", "2");
        JsonNode after = publish(2, "?event=n", "3");

        assertThat(onSurvivor.next().data()).isEqualTo("2");
        assertThat(onSurvivor.next().data()).isEqualTo("3");
        // The dying server's client comes back on another server and gets exactly what it missed.
        EventStream resumed =
                open(0, "", Map.of("Last-Event-ID", before.get("id").asText()));
        assertThat(resumed.next().type()).isEqualTo("connected");
        assertThat(resumed.next())
                .isEqualTo(new EventStream.Event(during.get("id").asText(), "n", "2"));
        assertThat(resumed.next())
                .isEqualTo(new EventStream.Event(after.get("id").asText(), "n", "3"));
        nodes.remove(1);
    }

    @Test
    void serverStartedLaterFillsItsHistoryFromRedis() throws Exception {
        JsonNode first = publish(0, "?room=chat&event=line", "\"one\"");
        publish(1, "?room=chat&event=line", "\"two\"");
        String prefix = "test:serverStartedLaterFillsItsHistoryFromRedis:";
        nodes.add(Node.start(redis.uri(), prefix, 1_000));

        EventStream s =
                open(3, "?rooms=chat", Map.of("Last-Event-ID", first.get("id").asText()));

        assertThat(s.next().type()).isEqualTo("connected");
        assertThat(s.next().data()).isEqualTo("\"two\"");
    }

    @Test
    void unknownLastEventIdIsToldWithAResetOnAnyServer() throws Exception {
        publish(0, "?event=note", "1");

        EventStream s = open(2, "", Map.of("Last-Event-ID", "not-an-id"));

        assertThat(s.next().type()).isEqualTo("connected");
        EventStream.Event reset = s.next();
        assertThat(reset.type()).isEqualTo(SseRegistry.RESET_EVENT);
        assertThat(reset.data()).isEqualTo("{\"reason\":\"unknown\"}");
        assertThat(s.next().data()).isEqualTo("1");
    }

    // ---- streams and requests -------------------------------------------------------------------

    private EventStream open(int node, String query) throws Exception {
        EventStream s = open(node, query, Map.of());
        assertThat(s.next().type()).isEqualTo("connected");
        return s;
    }

    private EventStream open(int node, String query, Map<String, String> headers) throws Exception {
        EventStream s = EventStream.open(HTTP, URI.create(nodes.get(node).uri + query), headers);
        streams.add(s);
        return s;
    }

    private JsonNode publish(int node, String query, String json) throws Exception {
        HttpResponse<String> r = post(nodes.get(node).uri, query, json);
        assertThat(r.statusCode())
                .as("POST %s%s: %s", nodes.get(node).uri, query, r.body())
                .isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> post(URI sse, String query, String json) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(sse + query))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
