package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A publish retried with the same Idempotency-Key is delivered once and answers the same id: across
 * servers sharing Redis, and on one server without a relay.
 */
class IdempotencyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private final List<Node> nodes = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void stopNodes() throws Exception {
        streams.forEach(EventStream::close);
        for (Node n : nodes) {
            n.close();
        }
    }

    @Test
    void aRetryOnAnotherServerIsDeliveredOnceWithTheSameId() throws Exception {
        for (int i = 0; i < 3; i++) {
            nodes.add(Node.start(redis.uri(), "idem-retry:", 1_000));
        }
        List<EventStream> all = List.of(open(0), open(1), open(2));

        JsonNode first = publish(0, "order-17", "{\"n\":1}");
        JsonNode retry = publish(1, "order-17", "{\"n\":1}");
        JsonNode other = publish(2, "order-18", "{\"n\":2}");

        assertThat(retry.get("id").asText()).isEqualTo(first.get("id").asText());
        assertThat(other.get("id").asText()).isNotEqualTo(first.get("id").asText());
        for (EventStream s : all) {
            assertThat(s.next()).isEqualTo(new EventStream.Event(first.get("id").asText(), "message", "{\"n\":1}"));
            // The very next event is the other key's: the retry delivered nothing.
            assertThat(s.next()).isEqualTo(new EventStream.Event(other.get("id").asText(), "message", "{\"n\":2}"));
        }
    }

    @Test
    void serversPublishingOneKeyAtOnceAppendItOnce() throws Exception {
        for (int i = 0; i < 3; i++) {
            nodes.add(Node.start(redis.uri(), "idem-race:", 1_000));
        }
        EventStream s = open(0);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int node = i % 3;
                calls.add(() ->
                        publish(node, "same-key", "{\"once\":true}").get("id").asText());
            }
            Set<String> ids = new HashSet<>();
            for (Future<String> f : pool.invokeAll(calls)) {
                ids.add(f.get());
            }
            assertThat(ids).hasSize(1);
            JsonNode marker = publish(1, null, "{\"marker\":true}");
            assertThat(s.next().data()).isEqualTo("{\"once\":true}");
            assertThat(s.next().id()).isEqualTo(marker.get("id").asText());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theKeyIsForgottenAfterTheWindow() throws Exception {
        SseRegistry registry = SseRegistry.builder()
                .history(100)
                .relay(RedisRelay.builder()
                        .uri(redis.uri())
                        .keyPrefix("idem-window:")
                        .idempotencyWindow(Duration.ofMillis(300))
                        .build())
                .build();
        nodes.add(Node.serve(registry));
        String first = registry.publish(
                        SseEvent.builder().data("a").idempotencyKey("k").build())
                .id();
        assertThat(registry.publish(
                                SseEvent.builder().data("a").idempotencyKey("k").build())
                        .id())
                .isEqualTo(first);
        Await.await("the key to expire in Redis", () -> {
            String again = registry.publish(
                            SseEvent.builder().data("a").idempotencyKey("k").build())
                    .id();
            return !again.equals(first);
        });
    }

    @Test
    void withoutARelayTheRegistryKeepsTheSameContractInMemory() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        SseRegistry registry = SseRegistry.builder()
                .history(100)
                .ticker(() -> now.get() * 1_000_000)
                .idempotencyWindow(Duration.ofMinutes(1))
                .build();
        nodes.add(Node.serve(registry));
        EventStream s = open(0);

        JsonNode first = publish(0, "order-17", "{\"n\":1}");
        JsonNode retry = publish(0, "order-17", "{\"n\":1}");
        assertThat(retry).isEqualTo(first);
        // The Java API shares the keys with HTTP.
        assertThat(registry.publish(SseEvent.builder()
                                .data("{\"n\":1}")
                                .idempotencyKey("order-17")
                                .build())
                        .id())
                .isEqualTo(first.get("id").asText());
        JsonNode marker = publish(0, null, "{\"marker\":1}");
        assertThat(s.next().id()).isEqualTo(first.get("id").asText());
        assertThat(s.next().id()).isEqualTo(marker.get("id").asText());

        now.addAndGet(Duration.ofMinutes(1).toMillis() + 1); // past the window: a new publish
        JsonNode later = publish(0, "order-17", "{\"n\":1}");
        assertThat(later.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(s.next().id()).isEqualTo(later.get("id").asText());
    }

    @Test
    void aKeyTooLongOrWithControlCharactersIsRefused() throws Exception {
        nodes.add(Node.start(redis.uri(), "idem-bad:", 1_000));
        HttpResponse<String> tooLong = post(0, "k".repeat(257), "{}");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tooLong.body()).get("error").asText())
                .contains("Idempotency-Key header", "at most 256 characters");
        HttpResponse<String> control = post(0, "a\tb", "{}");
        assertThat(control.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(control.body()).get("error").asText())
                .contains("Idempotency-Key header", "control characters");
        assertThat(post(0, "k".repeat(256), "{}").statusCode()).isEqualTo(200);

        assertThatThrownBy(() -> SseEvent.builder()
                        .data("x")
                        .idempotencyKey("k".repeat(257))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idempotencyKey");
        assertThatThrownBy(() ->
                        SseEvent.builder().data("x").idempotencyKey("a\u0001b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idempotencyKey");
    }

    private EventStream open(int node) throws Exception {
        EventStream s = EventStream.open(HTTP, nodes.get(node).uri);
        assertThat(s.next().type()).isEqualTo("connected");
        streams.add(s);
        return s;
    }

    private JsonNode publish(int node, String key, String json) throws Exception {
        HttpResponse<String> r = post(node, key, json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> post(int node, String key, String json) throws Exception {
        URI uri = nodes.get(node).uri;
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
