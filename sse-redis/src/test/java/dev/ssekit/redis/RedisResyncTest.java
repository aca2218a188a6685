package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A relay that gives its registry the stream's entries again after a gap says where the stream
 * stood before them, so that the server keeps its place: against a real Redis, restarted empty in
 * one test.
 */
class RedisResyncTest extends FreshRedisTest {

    private HeldRelay held(String prefix, int history) {
        return new HeldRelay(Node.relay(redis.uri(), prefix, history).build());
    }

    private static final RelaySink IGNORING = new RelaySink() {
        @Override
        public void deliver(String id, RelayMessage message) {}

        @Override
        public void resync(List<Delivery> retained, boolean gap) {}
    };

    @Test
    void aReaderThatFellBehindATrimmedStreamNamesTheEntryBeforeTheOnesItGivesBack() {
        RedisRelay writer = closeLater(Node.relay(redis.uri(), "trimmed:", 5).build());
        HeldRelay slow = closeLater(held("trimmed:", 5));
        writer.start(IGNORING);
        slow.start(IGNORING);
        assertThat(slow.resyncs)
                .as("the first fill, from an empty stream")
                .singleElement()
                .extracting(HeldRelay.Resync::retained, HeldRelay.Resync::gap, HeldRelay.Resync::after)
                .containsExactly(List.of(), false, null);

        slow.hold();
        List<String> ids = new ArrayList<>();
        ids.add(writer.publish(broadcast("first")));
        Await.await("the reader to be held on the first entry", () -> !slow.held.isEmpty());
        // Trimming with MAXLEN ~ removes whole nodes of the stream (100 entries by default):
        // publish enough that the entry the reader holds is surely gone, and some remain before
        // the five the relay gives back.
        for (int i = 0; i < 400; i++) {
            ids.add(writer.publish(broadcast(Integer.toString(i))));
        }
        slow.release();
        Await.await("the reader to find its place gone", () -> slow.resyncs.size() == 2);

        HeldRelay.Resync resync = slow.resyncs.get(1);
        assertThat(resync.gap()).isTrue();
        assertThat(resync.retained())
                .extracting(RelaySink.Delivery::id)
                .as("the newest five entries")
                .isEqualTo(ids.subList(ids.size() - 5, ids.size()));
        assertThat(slow.holds(ids.get(ids.size() - 6)))
                .as("trimming by whole nodes left entries before the five given back")
                .isTrue();
        assertThat(resync.saidWhere())
                .as("the relay says where the stream stood")
                .isTrue();
        assertThat(resync.after())
                .as("the entry just before the ones given back, still in the stream")
                .isEqualTo(ids.get(ids.size() - 6));
    }

    @Test
    void entriesThatAreNotTheRelaysCountWhereTheStreamStood() {
        RedisRelay writer = closeLater(Node.relay(redis.uri(), "foreign:", 100).build());
        writer.start(IGNORING);
        String first = writer.publish(broadcast("first"));
        String foreign = appendForeign(writer.streamKey());
        String last = writer.publish(broadcast("last"));

        // Given back: "first" and "last" (the foreign entry between them decodes to nothing); the
        // stream held nothing before them.
        HeldRelay three = closeLater(held("foreign:", 3));
        three.start(IGNORING);
        assertThat(three.resyncs)
                .singleElement()
                .isEqualTo(new HeldRelay.Resync(
                        List.of(
                                new RelaySink.Delivery(first, broadcast("first")),
                                new RelaySink.Delivery(last, broadcast("last"))),
                        false,
                        null,
                        true));

        // Given back: "last" only; before it, the foreign entry.
        HeldRelay one = closeLater(held("foreign:", 1));
        one.start(IGNORING);
        assertThat(one.resyncs)
                .singleElement()
                .isEqualTo(new HeldRelay.Resync(
                        List.of(new RelaySink.Delivery(last, broadcast("last"))), false, foreign, true));

        // Nothing given back, now that the newest is foreign: the stream stood at it.
        String newest = appendForeign(writer.streamKey());
        HeldRelay none = closeLater(held("foreign:", 1));
        none.start(IGNORING);
        assertThat(none.resyncs).singleElement().isEqualTo(new HeldRelay.Resync(List.of(), false, newest, true));
    }

    /** Appends an entry no relay wrote, which a relay skips. */
    private String appendForeign(String streamKey) {
        RedisClient admin = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            return c.sync().xadd(streamKey, Map.of("written-by", "another application"));
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void aClientResumingFromAfterTheGapOnAServerThatFoundTheStreamEmptiedIsNotReset() throws Exception {
        Node a = closeLater(Node.start(redis.uri(), "emptied:", 100));
        HeldRelay relayOfB = held("emptied:", 100);
        Node b = closeLater(Node.serve(SseRegistry.builder()
                .history(100)
                .heartbeat(Duration.ofSeconds(15))
                .relay(relayOfB)
                .build()));
        String before = a.registry.publish(SseEvent.of("e1")).id();
        Await.await("b to deliver e1", () -> relayOfB.delivered.contains(before));

        redis.stop();
        redis.startAgain(); // empty: e1 is gone, and b cannot tell what else it missed
        Await.await("b to find the stream emptied", () -> relayOfB.resyncs.size() == 2);
        assertThat(relayOfB.resyncs.get(1))
                .as("a gap, with nothing given back")
                .extracting(HeldRelay.Resync::retained, HeldRelay.Resync::gap)
                .containsExactly(List.of(), true);

        relayOfB.hold(); // b has not read e2 when the client comes
        String seen = publishWhenBack(a.registry, "e2"); // after the gap: seen on a
        Await.await("b's relay to hold e2", () -> relayOfB.holds(seen));
        EventStream resumed = closeLater(EventStream.open(HTTP, b.uri, Map.of("Last-Event-ID", seen)));
        assertThat(resumed.next().type()).isEqualTo("connected");
        relayOfB.release();
        a.registry.publish(SseEvent.of("e3"));

        assertThat(resumed.next())
                .extracting(EventStream.Event::type, EventStream.Event::data)
                .as("resuming from %s, which came after the gap: nothing was lost, nothing is repeated", seen)
                .containsExactly("message", "e3");
        assertThat(relayOfB.resyncs.get(1))
                .as("after the gap, nothing came before what was given back")
                .isEqualTo(new HeldRelay.Resync(List.of(), true, null, true));
    }

    /** Publishes once the server's relay takes events again after Redis came back. */
    private static String publishWhenBack(SseRegistry registry, String data) {
        AtomicReference<String> id = new AtomicReference<>();
        Await.await("publishing to work again", Duration.ofSeconds(15), () -> {
            try {
                id.set(registry.publish(SseEvent.of(data)).id());
                return true;
            } catch (RelayUnavailableException e) {
                return false;
            }
        });
        return id.get();
    }

    private static RelayMessage broadcast(String data) {
        return new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of(data), null);
    }
}
