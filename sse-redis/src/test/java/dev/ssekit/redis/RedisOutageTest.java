package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis stops and starts again (empty, as without persistence) while three servers publish. */
class RedisOutageTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RedisProcess redis;
    private final List<Node> nodes = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisProcess.start();
        for (int i = 0; i < 3; i++) {
            nodes.add(Node.start(redis.uri(), "outage:", 1_000));
        }
    }

    @AfterEach
    void stop() throws Exception {
        streams.forEach(EventStream::close);
        for (Node n : nodes) {
            n.close();
        }
        redis.close();
    }

    @Test
    void publishingFailsFastWhileRedisIsDownAndEveryServerRecoversWithAReset() throws Exception {
        for (int i = 0; i < 3; i++) {
            EventStream s = EventStream.open(HTTP, nodes.get(i).uri);
            assertThat(s.next().type()).isEqualTo("connected");
            streams.add(s);
        }
        // A publisher keeps publishing through the outage, a little at a time, within bounds.
        SseRegistry publisher = nodes.get(1).registry;
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        Thread loop = new Thread(
                () -> {
                    long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                    for (int n = 0; n < 5_000 && publishing.get() && System.nanoTime() < end; n++) {
                        try {
                            publisher.publish(SseEvent.of("n", Integer.toString(n)));
                            published.incrementAndGet();
                        } catch (RelayUnavailableException e) {
                            refused.incrementAndGet();
                        } catch (Throwable t) {
                            unexpected.add(t);
                        }
                        LockSupport.parkNanos(5_000_000L); // pacing, not synchronization
                    }
                },
                "publisher");
        loop.start();
        try {
            Await.await("some events published", () -> published.get() >= 20);

            assertThat(nodes.get(0).registry.stats().relay().up()).isTrue();
            redis.stop();

            // Every server says its relay is down, and why; publishing fails at once, with the documented exception and
            // a 503 over HTTP.
            Await.await("a publish refused", () -> refused.get() > 0);
            for (Node n : nodes) {
                Await.await(
                        "the relay to report the outage",
                        () -> !n.registry.stats().relay().up());
                assertThat(n.registry.stats().relay().reason()).contains("Redis at 127.0.0.1");
            }
            assertThatThrownBy(() -> nodes.get(2).registry.publish("room", SseEvent.of("x")))
                    .isInstanceOf(RelayUnavailableException.class)
                    .hasMessageContaining("Redis at 127.0.0.1");
            HttpResponse<String> refusal = post(nodes.get(0).uri, "{\"during\":\"outage\"}");
            assertThat(refusal.statusCode()).isEqualTo(503);
            assertThat(refusal.body()).contains("\"error\"");
            assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
            // Streams stay open on every server meanwhile.
            for (Node n : nodes) {
                assertThat(n.registry.stats().connections()).isEqualTo(1);
            }

            redis.startAgain();

            // Every server reconnects by itself: publishing works again from each of them.
            int before = published.get();
            Await.await("publishing to succeed again", () -> published.get() > before + 20);
            for (Node n : nodes) {
                Await.await(
                        "the relay to report it is up",
                        () -> n.registry.stats().relay().up());
            }
        } finally {
            publishing.set(false);
            loop.join(10_000);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(post(nodes.get(i).uri, "{\"marker\":" + i + "}").statusCode())
                    .isEqualTo(200);
        }

        assertThat(unexpected).isEmpty();
        for (EventStream s : streams) {
            List<Integer> numbers = new ArrayList<>();
            boolean reset = false;
            int markers = 0;
            while (markers < 3) {
                EventStream.Event e = s.next();
                switch (e.type()) {
                    case "n" -> numbers.add(Integer.valueOf(e.data()));
                    case "reset" -> {
                        reset = true;
                        assertThat(e.data()).isEqualTo("{\"reason\":\"expired\"}");
                    }
                    case "message" -> markers++;
                    default -> throw new AssertionError("unexpected event " + e);
                }
            }
            assertThat(reset).as("the lost events are signalled with a reset").isTrue();
            assertThat(numbers).as("in order, none twice").isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void serverStartedWhileRedisIsDownJoinsOnceItIsBack() throws Exception {
        redis.stop();
        Node late = Node.start(redis.uri(), "outage:", 1_000); // starts anyway, and keeps trying
        nodes.add(late);
        EventStream s = EventStream.open(HTTP, late.uri);
        streams.add(s);
        assertThat(s.next().type()).isEqualTo("connected");
        assertThat(post(late.uri, "{}").statusCode()).isEqualTo(503);

        redis.startAgain();
        Await.await("publishing through the late server", () -> {
            try {
                return post(late.uri, "{\"after\":true}").statusCode() == 200;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        // Its stream was open while it could not read: it is told, then gets what follows.
        EventStream.Event first = s.next();
        assertThat(first.type()).isEqualTo("reset");
        assertThat(s.next().data()).isEqualTo("{\"after\":true}");
    }

    private static HttpResponse<String> post(URI sse, String json) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(sse)
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
