package dev.ssekit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import java.time.Duration;
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
                if (frame != null && frame.startsWith("event: " + type + "\n")) {
                    return frame;
                }
            }
            throw new AssertionError("no \"" + type + "\" frame within 10 s");
        }
    }

    @Test
    void tickerProducesNothingWhileNobodyIsInItsRoom() throws Exception {
        Frames watcher = new Frames();
        Connections.open(
                registry,
                watcher,
                ConnectOptions.builder("watcher").rooms(LiveFeeds.STATS_ROOM).build());
        // Both feeds run on one thread at the same pace: five stats mean five chances to tick.
        for (int i = 0; i < 5; i++) {
            watcher.next("stats");
        }
        assertThat(watcher.frames).noneMatch(f -> f.startsWith("event: tick"));

        Frames listener = new Frames();
        Connections.open(
                registry,
                listener,
                ConnectOptions.builder("listener").rooms(LiveFeeds.TICKER_ROOM).build());
        assertThat(listener.next("tick")).contains("\"count\":1,");
        assertThat(listener.next("tick")).contains("\"count\":2,");
    }

    @Test
    void feedStartsForARoomOccupiedBeforeTheFeedsStarted() throws Exception {
        try (SseRegistry early = SseRegistry.builder().build()) {
            Frames listener = new Frames();
            Connections.open(
                    early,
                    listener,
                    ConnectOptions.builder("listener")
                            .rooms(LiveFeeds.TICKER_ROOM)
                            .build());
            try (LiveFeeds later = LiveFeeds.start(early, Duration.ofMillis(10), Duration.ofMillis(10))) {
                assertThat(listener.next("tick")).contains("\"count\":1,");
                assertThat(listener.next("tick")).contains("\"count\":2,");
            }
        }
    }

    @Test
    void ticksAndStatsAreNotRecordedSoTheyNeverCrowdOutTheChat() throws Exception {
        Frames listener = new Frames();
        Connections.open(
                registry,
                listener,
                ConnectOptions.builder("listener")
                        .rooms(LiveFeeds.TICKER_ROOM, LiveFeeds.STATS_ROOM)
                        .build());
        registry.publish("chat", registry.event("chat", "{\"text\":\"kept\"}"));
        for (int i = 0; i < 3; i++) {
            listener.next("tick");
            listener.next("stats");
        }

        Frames joiner = new Frames();
        Connections.open(
                registry,
                joiner,
                ConnectOptions.builder("joiner")
                        .rooms("chat", LiveFeeds.TICKER_ROOM)
                        .lastEventId("0")
                        .build());
        // Replay holds only the chat message; the first tick after it is a live one.
        String replayed = joiner.frames.poll(10, TimeUnit.SECONDS);
        assertThat(replayed).startsWith("id: ").contains("event: chat\n").contains("kept");
        assertThat(joiner.next("tick")).doesNotStartWith("id:");
    }
}
