package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.PublishResult;
import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.RelayHealth;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay's reader thread against a real Redis: idle reads, and failures that are not Redis's. */
class RedisReaderTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static RedisClient admin;
    private static StatefulRedisConnection<String, String> adminConnection;

    @BeforeAll
    static void connectAdmin() {
        admin = RedisClient.create(redis.uri());
        adminConnection = admin.connect();
    }

    @AfterAll
    static void closeAdmin() {
        if (adminConnection != null) {
            adminConnection.close();
            admin.shutdown();
        }
    }

    @Test
    void aReadBlockLongerThanTheTimeoutDoesNotExpireIdleReads() {
        RedisRelay relay = RedisRelay.builder()
                .uri(redis.uri())
                .keyPrefix("idle:")
                .timeout(Duration.ofMillis(300))
                .readBlock(Duration.ofMillis(1_000))
                .build();
        try {
            relay.start(new CountingSink());
            long xreads = stat("commandstats", "cmdstat_xread:calls=(\\d+)");
            long connections = stat("stats", "total_connections_received:(\\d+)");
            // Three idle reads end as Redis ends them, after the block time, on the same connection:
            // none expires on the client, which would make the reader reconnect and resync.
            Await.await(
                    "three idle reads to end",
                    Duration.ofSeconds(15),
                    () -> stat("commandstats", "cmdstat_xread:calls=(\\d+)") >= xreads + 3);
            assertThat(stat("stats", "total_connections_received:(\\d+)"))
                    .as("connections Redis received while the reader was idle")
                    .isEqualTo(connections);
        } finally {
            relay.close();
        }
    }

    /**
     * The reader waits in a read far longer than a publisher waits for its own event (2 s), so
     * {@code queued} can be 1 only if the event itself ended the read: a reader that saw new
     * entries only when its read timed out would make every publish here answer 0 queued.
     */
    @Test
    void aPublishWakesTheWaitingReaderAndReturnsOnceItsOwnEventCameBack() throws Exception {
        Node node = Node.serve(SseRegistry.builder()
                .history(100)
                .relay(Node.relay(redis.uri(), "wake:", 100)
                        .readBlock(Duration.ofMinutes(5))
                        .build())
                .build());
        try (EventStream stream = EventStream.open(HTTP, node.uri)) {
            assertThat(stream.next().type()).isEqualTo("connected");
            for (int i = 0; i < 3; i++) {
                Await.await(
                        "the reader to wait in a read of the stream",
                        Duration.ofSeconds(10),
                        () -> stat("clients", "blocked_clients:(\\d+)") == 1);
                PublishResult published = node.registry.publish(SseEvent.of("n", Integer.toString(i)));
                assertThat(published.queued())
                        .as("connections the publish %d was queued to here", i)
                        .isEqualTo(1);
                assertThat(stream.next()).isEqualTo(new EventStream.Event(published.id(), "n", Integer.toString(i)));
            }
        } finally {
            node.close();
        }
    }

    @Test
    void aSinkThatKeepsFailingIsRetriedWithBackoffAndTheReaderRecovers() {
        List<Long> attempts = new CopyOnWriteArrayList<>();
        AtomicBoolean failing = new AtomicBoolean(true);
        CountingSink sink = new CountingSink() {
            @Override
            public void deliver(String id, RelayMessage message) {
                attempts.add(System.nanoTime());
                if (failing.get()) {
                    throw new IllegalStateException("the sink is broken");
                }
                super.deliver(id, message);
            }
        };
        RedisRelay relay = RedisRelay.builder()
                .uri(redis.uri())
                .keyPrefix("failing:")
                .timeout(Duration.ofSeconds(1))
                .readBlock(Duration.ofMillis(200))
                .build();
        try {
            relay.start(sink);
            assertThat(relay.health()).isEqualTo(RelayHealth.UP);
            for (int i = 0; i < 5; i++) {
                appendEntry(relay.streamKey(), "e" + i);
            }
            Await.await("five delivery attempts", Duration.ofSeconds(15), () -> attempts.size() >= 5);
            assertThat(relay.health().state()).isEqualTo(RelayHealth.State.DOWN);
            assertThat(relay.health().reason()).contains("IllegalStateException", "the sink is broken");
            // Between attempts the reader waits 50, 100, 200 and 400 ms at least: it does not spin.
            long spread = TimeUnit.NANOSECONDS.toMillis(attempts.get(4) - attempts.get(0));
            assertThat(spread).as("ms from the first to the fifth attempt").isGreaterThanOrEqualTo(750);

            failing.set(false);
            Await.await("the reader to be up again", () -> relay.health().isUp());
            int before = sink.deliveries.get();
            relay.publish(broadcast("after"));
            Await.await("the event published after recovery to come back", () -> sink.deliveries.get() > before);
        } finally {
            relay.close();
        }
    }

    @Test
    void anErrorInTheReaderLeavesTheRelayVisiblyDownAndPublishingFailsFastUntilItRecovers() {
        AtomicBoolean failing = new AtomicBoolean(true);
        CountingSink sink = new CountingSink() {
            @Override
            public void deliver(String id, RelayMessage message) {
                if (failing.get()) {
                    throw new SinkBroke();
                }
                super.deliver(id, message);
            }
        };
        RedisRelay relay = RedisRelay.builder()
                .uri(redis.uri())
                .keyPrefix("error:")
                .timeout(Duration.ofSeconds(2))
                .readBlock(Duration.ofMillis(200))
                .build();
        try {
            relay.start(sink);
            relay.publish(broadcast("breaks the reader"));
            // A publish now would never come back: it is refused at once, saying why.
            Await.await("a publish to be refused", Duration.ofSeconds(10), () -> {
                try {
                    relay.publish(broadcast("while down"));
                    return false;
                } catch (RelayUnavailableException e) {
                    assertThat(e).hasMessageContaining("SinkBroke").hasMessageContaining("Redis at 127.0.0.1");
                    return true;
                }
            });
            assertThat(relay.health().state()).isEqualTo(RelayHealth.State.DOWN);

            // The reader did not die: once the fault is gone it follows the stream again.
            failing.set(false);
            Await.await("the reader to be up again", () -> relay.health().isUp());
            int before = sink.deliveries.get();
            relay.publish(broadcast("after"));
            Await.await("the event published after recovery to come back", () -> sink.deliveries.get() > before);
        } finally {
            relay.close();
        }
        assertThat(relay.health()).isEqualTo(RelayHealth.down("the relay is closed"));
    }

    /** An Error that is not Redis's doing, as a defect or an exhausted JVM would throw. */
    private static final class SinkBroke extends Error {
        private static final long serialVersionUID = 1L;
    }

    private static void appendEntry(String streamKey, String data) {
        adminConnection.sync().xadd(streamKey, Map.of("s", "a", "r", "1", "d", data));
    }

    static long stat(String section, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(adminConnection.sync().info(section));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static RelayMessage broadcast(String data) {
        return new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of(data), null);
    }

    /** Counts deliveries; throws what it is told to on each. */
    static class CountingSink implements RelaySink {
        final AtomicInteger deliveries = new AtomicInteger();

        @Override
        public void deliver(String id, RelayMessage message) {
            deliveries.incrementAndGet();
        }

        @Override
        public void resync(List<Delivery> retained, boolean gap) {}
    }
}
