package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay on its own against a real Redis, through a sink that records what it is given. */
class RedisRelayTest {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    /** Records deliveries and resyncs; can hold the reader on its first delivery, as a slow server. */
    private static final class RecordingSink implements RelaySink {
        final BlockingQueue<Object> calls = new LinkedBlockingQueue<>();
        final CountDownLatch release;
        private boolean held;

        RecordingSink(boolean holdFirstDelivery) {
            this.release = new CountDownLatch(holdFirstDelivery ? 1 : 0);
        }

        @Override
        public void deliver(String id, RelayMessage message) {
            calls.add(new Delivery(id, message));
            if (!held) {
                held = true;
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void resync(List<Delivery> retained, boolean gap) {
            calls.add(new Resync(retained, gap));
        }

        Object next() throws InterruptedException {
            Object call = calls.poll(10, TimeUnit.SECONDS);
            assertThat(call).as("a call within 10 s").isNotNull();
            return call;
        }
    }

    private record Resync(List<RelaySink.Delivery> retained, boolean gap) {}

    private static RedisRelay relay(String prefix, long history) {
        return RedisRelay.builder()
                .uri(redis.uri())
                .keyPrefix(prefix)
                .history(history)
                .timeout(Duration.ofSeconds(1))
                .readBlock(Duration.ofMillis(200))
                .build();
    }

    private static RelayMessage broadcast(String data) {
        return new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of(data), null);
    }

    @Test
    void messagesSurviveTheStreamUnchanged() {
        RelayMessage m = new RelayMessage(
                RelayMessage.Scope.ROOM,
                "chat",
                SseEvent.builder()
                        .id("own")
                        .type("line")
                        .data("a\nb\r\n")
                        .retry(Duration.ofMillis(1500))
                        .comment("c")
                        .recorded(false)
                        .build(),
                "tag-1");

        assertThat(RedisRelay.decode(RedisRelay.encode(m))).isEqualTo(m);
        assertThatThrownBy(() -> RedisRelay.decode(Map.of("s", "a", "e", "bad\ntype", "d", "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisRelay.decode(Map.of("d", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope");
    }

    @Test
    void startFillsFromTheNewestEntriesThenDeliversInOrder() throws Exception {
        try (RedisRelay writer = relay("fill:", 1_000);
                RedisRelay reader = relay("fill:", 1_000)) {
            writer.start(new RecordingSink(false));
            String first = writer.publish(broadcast("1"));
            String second = writer.publish(broadcast("2"));
            RecordingSink sink = new RecordingSink(false);

            reader.start(sink);
            String third = writer.publish(broadcast("3"));

            assertThat(sink.next())
                    .isEqualTo(new Resync(
                            List.of(
                                    new RelaySink.Delivery(first, broadcast("1")),
                                    new RelaySink.Delivery(second, broadcast("2"))),
                            false));
            assertThat(sink.next()).isEqualTo(new RelaySink.Delivery(third, broadcast("3")));
            assertThat(reader.precedes(first, second)).isTrue();
            assertThat(reader.precedes(second, first)).isFalse();
            assertThat(reader.precedes("x", second)).isFalse();
            assertThat(reader.holds(third)).isTrue();
            assertThat(reader.holds("1-1")).isFalse();
        }
    }

    @Test
    void readerThatFellBehindATrimmedStreamResyncsWithAGap() throws Exception {
        try (RedisRelay writer = relay("behind:", 5);
                RedisRelay slow = relay("behind:", 5)) {
            writer.start(new RecordingSink(false));
            RecordingSink sink = new RecordingSink(true);
            slow.start(sink);
            assertThat(sink.next()).isEqualTo(new Resync(List.of(), false));
            writer.publish(broadcast("first"));
            assertThat(sink.next()).isInstanceOf(RelaySink.Delivery.class); // now held in the sink

            // Trimming with MAXLEN ~ removes whole nodes of the stream (100 entries by default):
            // publish enough that the entry the reader holds is surely gone.
            for (int i = 0; i < 400; i++) {
                writer.publish(broadcast(Integer.toString(i)));
            }
            sink.release.countDown();

            Object next = sink.next();
            assertThat(next).isInstanceOf(Resync.class);
            assertThat(((Resync) next).gap())
                    .as("the lost entries are signalled")
                    .isTrue();
        }
    }

    @Test
    void lagGrowsWhileTheReaderIsHeldAndIsZeroOnceItCaughtUp() throws Exception {
        try (RedisRelay writer = relay("lag:", 1_000);
                RedisRelay reader = relay("lag:", 1_000)) {
            writer.start(new RecordingSink(false));
            RecordingSink sink = new RecordingSink(true);
            reader.start(sink);
            assertThat(sink.next()).isEqualTo(new Resync(List.of(), false));
            assertThat(reader.lag()).isZero();

            writer.publish(broadcast("first"));
            writer.publish(broadcast("second"));
            assertThat(sink.next()).isInstanceOf(RelaySink.Delivery.class); // now held in the sink

            Await.await(
                    "the lag to pass 300 ms while the reader is held",
                    () -> reader.lag().compareTo(Duration.ofMillis(300)) >= 0);
            sink.release.countDown();
            assertThat(sink.next()).isInstanceOf(RelaySink.Delivery.class);
            Await.await(
                    "the lag to be zero once the reader has caught up",
                    () -> reader.lag().isZero());
        }
    }

    @Test
    void publishingWithoutRedisFailsFast() {
        try (RedisRelay relay = RedisRelay.builder()
                .uri("redis://127.0.0.1:1")
                .timeout(Duration.ofSeconds(1))
                .build()) {
            relay.start(new RecordingSink(false)); // returns although Redis is not there

            assertThatThrownBy(() -> relay.publish(broadcast("x")))
                    .isInstanceOf(RelayUnavailableException.class)
                    .hasMessageContaining("Redis at 127.0.0.1:1");
            assertThat(relay.holds("1-0")).isFalse();
        }
    }
}
