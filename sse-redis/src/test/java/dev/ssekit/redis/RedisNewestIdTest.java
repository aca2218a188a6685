package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The relay answers the stream's newest id to a registry opening a connection, so that a server
 * whose reader is behind gives the connection no live event published before it opened: against a
 * real Redis, stopped in one test.
 */
class RedisNewestIdTest extends FreshRedisTest {

    private static final RelaySink IGNORING = new RelaySink() {
        @Override
        public void deliver(String id, RelayMessage message) {}

        @Override
        public void resync(List<Delivery> retained, boolean gap) {}
    };

    @Test
    void aServerBehindTheStreamGivesANewConnectionNoLiveEventPublishedBeforeItOpened() throws Exception {
        Node a = closeLater(Node.start(redis.uri(), "behind:", 100));
        HeldRelay relayOfB =
                new HeldRelay(Node.relay(redis.uri(), "behind:", 100).build());
        Node b = closeLater(Node.serve(SseRegistry.builder()
                .history(100)
                .heartbeat(Duration.ofSeconds(15))
                .relay(relayOfB)
                .build()));
        Await.await("b's relay to be up", () -> b.registry.stats().relay().up());

        relayOfB.hold();
        a.registry.publish(SseEvent.of("before").withRecorded(false)); // a client on a may see it, then come to b
        Await.await("b's reader to be held behind \"before\"", () -> !relayOfB.held.isEmpty());
        EventStream opened = closeLater(EventStream.open(HTTP, b.uri));
        assertThat(opened.next().type()).isEqualTo("connected");
        a.registry.publish(SseEvent.of("after").withRecorded(false)); // published once the connection was open
        relayOfB.release();
        a.registry.publish(SseEvent.of("marker"));

        assertThat(List.of(opened.next().data(), opened.next().data()))
                .as("live events published after the connection opened, and only those")
                .containsExactly("after", "marker");
    }

    @Test
    void newestIdIsTheStreamsNewestEntryAlsoWhereTheReaderIsBehind() {
        RedisRelay writer = closeLater(Node.relay(redis.uri(), "newest:", 100).build());
        HeldRelay slow =
                closeLater(new HeldRelay(Node.relay(redis.uri(), "newest:", 100).build()));
        assertThat(slow.newestId()).as("before it is started").isNull();
        writer.start(IGNORING);
        slow.start(IGNORING);
        assertThat(slow.newestId()).as("an empty stream").isNull();

        slow.hold();
        writer.publish(broadcast("1"));
        Await.await("the reader to be held on the first entry", () -> !slow.held.isEmpty());
        writer.publish(broadcast("2"));
        String third = writer.publish(broadcast("3"));

        assertThat(slow.newestId())
                .as("the stream's newest, which this reader has not read")
                .isEqualTo(third);
        slow.release();
        slow.close();
        assertThat(slow.newestId()).as("once closed").isNull();
    }

    @Test
    void newestIdIsNullWhileRedisIsDown() throws Exception {
        RedisRelay relay = closeLater(Node.relay(redis.uri(), "down:", 100).build());
        relay.start(IGNORING);
        String id = relay.publish(broadcast("1"));
        assertThat(relay.newestId()).isEqualTo(id);

        redis.stop();
        Await.await("the relay to report the outage", () -> relay.health().state() == RelayHealth.State.DOWN);
        assertThat(relay.newestId()).isNull();

        redis.startAgain();
        AtomicReference<String> again = new AtomicReference<>();
        Await.await("publishing to work again", Duration.ofSeconds(15), () -> {
            try {
                again.set(relay.publish(broadcast("2")));
                return true;
            } catch (RelayUnavailableException e) {
                return false; // the reader or the publisher is still reconnecting
            }
        });
        assertThat(relay.newestId()).isEqualTo(again.get());
    }

    @Test
    void callersAtOnceShareRoundTripsToRedis() throws Exception {
        // A long timeout, so that callers outwait the pause below.
        RedisRelay relay = closeLater(Node.relay(redis.uri(), "storm:", 100)
                .timeout(Duration.ofSeconds(5))
                .build());
        relay.start(IGNORING);
        String newest = relay.publish(broadcast("1"));
        assertThat(relay.newestId()).isEqualTo(newest); // the connection is open, the first question asked

        RedisClient admin = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            long before = xrevrangeCalls(c);
            int callers = 100;
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(callers);
            List<String> answers = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Thread t = new Thread(
                        () -> {
                            try {
                                if (go.await(10, TimeUnit.SECONDS)) {
                                    answers.add(String.valueOf(relay.newestId()));
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                done.countDown();
                            }
                        },
                        "opening-" + i);
                t.start();
                threads.add(t);
            }
            // Redis answers no client for a second: every caller comes while the first question is
            // still unanswered, as in a storm of reconnections.
            c.sync().clientPause(1_000);
            go.countDown();
            assertThat(done.await(20, TimeUnit.SECONDS))
                    .as("every caller answered within 20 s")
                    .isTrue();
            for (Thread t : threads) {
                t.join(1_000);
            }

            assertThat(answers).hasSize(callers).containsOnly(newest);
            // The first question, then one asked after it for everyone who came meanwhile; a caller
            // that came later still (on a slow machine) may cause one more.
            assertThat(xrevrangeCalls(c) - before)
                    .as("XREVRANGE calls for %d callers", callers)
                    .isBetween(1L, 3L);
        } finally {
            admin.shutdown();
        }
    }

    private static long xrevrangeCalls(StatefulRedisConnection<String, String> c) {
        Matcher m = Pattern.compile("cmdstat_xrevrange:calls=(\\d+)")
                .matcher(c.sync().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static RelayMessage broadcast(String data) {
        return new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of(data), null);
    }
}
