package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.testing.Await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence shared by three servers through one real Redis: two in this JVM, one in a JVM of its
 * own that the test kills.
 */
class RedisPresenceClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();
    private PresenceNode.Forked forked;

    @AfterEach
    void stop() throws Exception {
        streams.forEach(EventStream::close);
        if (forked != null) {
            forked.kill();
        }
        for (AutoCloseable c : closeLast) {
            c.close();
        }
    }

    private EventStream open(URI server, String room, String user) throws Exception {
        EventStream s = EventStream.open(HTTP, URI.create(server + "?rooms=" + room), Map.of("X-User", user));
        streams.add(s);
        return s;
    }

    private static JsonNode presence(URI server, String room) throws Exception {
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(server + "/presence?room=" + room))
                        .header("X-User", "observer")
                        .timeout(Await.TIMEOUT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static boolean answers(URI server) {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(URI.create(server + "/presence?room=warm-up"))
                                            .header("X-User", "observer")
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean presenceIs(URI server, String room, String expected) {
        try {
            return presence(server, room).equals(JSON.readTree(expected));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Takes presence events until one with {@code count}; fails at the stream's deadline. */
    private static JsonNode awaitPresenceEvent(EventStream s, int count) throws Exception {
        while (true) {
            JsonNode event = JSON.readTree(s.next("presence").data());
            if (event.get("count").asInt() == count) {
                return event;
            }
        }
    }

    @Test
    void threeServersCountEachOwnerOnceAndAKilledServersOwnersDropOutWithinTheBound(TestInfo test) throws Exception {
        String prefix = "test:" + test.getTestMethod().orElseThrow().getName() + ":";
        Node a = PresenceNode.start(redis.uri(), prefix);
        closeLast.add(a);
        Node b = PresenceNode.start(redis.uri(), prefix);
        closeLast.add(b);
        forked = PresenceNode.fork(redis.uri(), prefix);
        URI c = forked.uri();
        // A new JVM on a busy machine answers its first requests slowly: wait until it answers at all.
        Await.await("the forked server to answer", Duration.ofSeconds(90), () -> answers(c));

        EventStream aliceOnA = open(a.uri, "room", "alice");
        EventStream bobOnB = open(b.uri, "room", "bob");
        open(c, "room", "carol");
        open(c, "room", "alice"); // alice on two servers: still one owner

        String three = "{\"room\":\"room\",\"count\":3,\"members\":[\"alice\",\"bob\",\"carol\"]}";
        for (URI server : List.of(a.uri, b.uri, c)) {
            Await.await("presence of three on " + server, () -> presenceIs(server, "room", three));
        }
        assertThat(awaitPresenceEvent(aliceOnA, 3)).isEqualTo(JSON.readTree(three));
        assertThat(awaitPresenceEvent(bobOnB, 3)).isEqualTo(JSON.readTree(three));

        forked.kill();
        forked = null;
        long killed = System.nanoTime();

        String two = "{\"room\":\"room\",\"count\":2,\"members\":[\"alice\",\"bob\"]}";
        Duration bound = PresenceNode.TTL; // the share's bound for counts
        for (URI server : List.of(a.uri, b.uri)) {
            Await.await("carol gone from " + server, bound.plus(Await.TIMEOUT), () -> presenceIs(server, "room", two));
        }
        Duration counted = Duration.ofNanos(System.nanoTime() - killed);
        assertThat(awaitPresenceEvent(aliceOnA, 2)).isEqualTo(JSON.readTree(two));
        assertThat(awaitPresenceEvent(bobOnB, 2)).isEqualTo(JSON.readTree(two));
        Duration told = Duration.ofNanos(System.nanoTime() - killed);
        System.out.println("killed server: dropped out of counts after " + counted.toMillis()
                + " ms, of presence events after " + told.toMillis() + " ms (ttl " + bound.toMillis() + " ms)");
        // Time is measured, not asserted exactly: a loaded machine is slower, never faster, than
        // the bound, and a count that never dropped would have failed above.
        assertThat(counted).as("counts follow the ttl, not a much longer time").isLessThan(bound.multipliedBy(5));

        // A clean departure is seen everywhere at once, and the count never goes below zero.
        bobOnB.close();
        String one = "{\"room\":\"room\",\"count\":1,\"members\":[\"alice\"]}";
        assertThat(awaitPresenceEvent(aliceOnA, 1)).isEqualTo(JSON.readTree(one));
        for (URI server : List.of(a.uri, b.uri)) {
            Await.await("bob gone from " + server, () -> presenceIs(server, "room", one));
        }
        aliceOnA.close();
        for (URI server : List.of(a.uri, b.uri)) {
            Await.await(
                    "nobody left on " + server, () -> presenceIs(server, "room", "{\"room\":\"room\",\"count\":0}"));
        }
    }

    @Test
    void closedServerWithdrawsItsOwnersAtOnce(TestInfo test) throws Exception {
        String prefix = "test:" + test.getTestMethod().orElseThrow().getName() + ":";
        Node a = PresenceNode.start(redis.uri(), prefix);
        closeLast.add(a);
        Node b = PresenceNode.start(redis.uri(), prefix);
        EventStream aliceOnA = open(a.uri, "room", "alice");
        open(b.uri, "room", "bob");
        awaitPresenceEvent(aliceOnA, 2);

        b.close();

        assertThat(awaitPresenceEvent(aliceOnA, 1).get("members").toString()).isEqualTo("[\"alice\"]");
    }
}
