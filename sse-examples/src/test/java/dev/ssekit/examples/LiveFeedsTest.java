package dev.ssekit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.ConnectOptions;
import dev.ssekit.SseConnection;
import dev.ssekit.SseFrame;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The feeds on a registry of their own, with in-memory connections instead of HTTP. */
class LiveFeedsTest {

    private final SseRegistry registry = SseRegistry.builder().history(100).build();
    private final LiveFeeds feeds = LiveFeeds.start(registry, Duration.ofMillis(10), Duration.ofMillis(10));

    @AfterEach
    void close() {
        feeds.close();
        registry.close();
    }

    /** An always-ready transport that hands each frame's text to the test. */
    static final class Frames implements SseTransport {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>(); // every frame next() took

        @Override
        public void start(TransportListener listener) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void write(SseFrame frame) {
            frames.add(frame.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        String next(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String frame = frames.poll(100, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    seen.add(frame);
                }
                if (frame != null && frame.startsWith("event: " + type + "\n")) {
                    return frame;
                }
            }
            throw new AssertionError("no \"" + type + "\" frame within 10 s");
        }
    }

    private static long count(String tickFrame) {
        return Long.parseLong(tickFrame.replaceAll("(?s).*\"count\":(\\d+),.*", "$1"));
    }

    @Test
    void tickerProducesNothingWhileNobodyIsInItsRoom() throws Exception {
        Frames watcher = new Frames();
        registry.open(watcher, ConnectOptions.builder("watcher").rooms(LiveFeeds.STATS_ROOM).build());
        // Both feeds run on one thread at the same pace: five stats mean five chances to tick.
        for (int i = 0; i < 5; i++) {
            watcher.next("stats");
        }
        assertThat(watcher.frames).noneMatch(f -> f.startsWith("event: tick"));

        Frames listener = new Frames();
        registry.open(listener, ConnectOptions.builder("listener").rooms(LiveFeeds.TICKER_ROOM).build());
        assertThat(listener.next("tick")).contains("\"count\":1,");
        assertThat(listener.next("tick")).contains("\"count\":2,");
    }

    @Test
    void feedStartsForARoomOccupiedBeforeTheFeedsAndStopsWhenItEmpties() throws Exception {
        try (SseRegistry early = SseRegistry.builder().build()) {
            Frames listener = new Frames();
            SseConnection c = early.open(listener, ConnectOptions.builder("listener").rooms(LiveFeeds.TICKER_ROOM).build());
            try (LiveFeeds later = LiveFeeds.start(early, Duration.ofMillis(10), Duration.ofMillis(10))) {
                assertThat(listener.next("tick")).contains("\"count\":1,");

                c.leave(LiveFeeds.TICKER_ROOM);
                c.join(LiveFeeds.STATS_ROOM);
                // Stats and ticks run on one thread at the same pace: six stats are six ticks' time.
                for (int i = 0; i < 6; i++) {
                    listener.next("stats");
                }
                long lastTick = listener.seen.stream().filter(f -> f.startsWith("event: tick")).mapToLong(LiveFeedsTest::count)
                        .max().orElseThrow();
                c.join(LiveFeeds.TICKER_ROOM);
                // Had the ticker gone on in the empty room, about six more ticks would have been counted;
                // one may have been under way when the room emptied.
                assertThat(count(listener.next("tick")))
                        .as("ticks produced while nobody listened, after tick %d", lastTick).isLessThanOrEqualTo(lastTick + 2);
            }
        }
    }

    @Test
    void ticksAndStatsAreNotRecordedSoTheyNeverCrowdOutTheChat() throws Exception {
        Frames listener = new Frames();
        registry.open(listener, ConnectOptions.builder("listener")
                .rooms(LiveFeeds.TICKER_ROOM, LiveFeeds.STATS_ROOM).build());
        registry.publish("chat", "chat", "{\"text\":\"kept\"}");
        for (int i = 0; i < 3; i++) {
            listener.next("tick");
            listener.next("stats");
        }

        Frames joiner = new Frames();
        registry.open(joiner, ConnectOptions.builder("joiner").rooms("chat", LiveFeeds.TICKER_ROOM)
                .lastEventId("0").build());
        // Replay holds only the chat message; the first tick after it is a live one.
        String replayed = joiner.frames.poll(10, TimeUnit.SECONDS);
        assertThat(replayed).startsWith("id: ").contains("event: chat\n").contains("kept");
        assertThat(joiner.next("tick")).doesNotStartWith("id:");
    }
}
