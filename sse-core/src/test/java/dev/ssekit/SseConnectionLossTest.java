package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one connection may never lose: a frame after a refused one, a replay to the live limits, a
 * prelude to DROP_OLDEST; and what a stalled reader's queue may hold.
 */
class SseConnectionLossTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry;

    private SseRegistry.Builder builder() {
        return fixture.builder();
    }

    private SseConnection open(RecordingTransport transport, ConnectOptions options) {
        return fixture.open(registry, transport, options);
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(Integer::toString).toList();
    }

    /** A drain executor whose tasks run only when the test says so, on the test's thread. */
    private static final class HeldExecutor implements Executor {
        private final List<Runnable> tasks = new ArrayList<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            for (; ; ) {
                Runnable next;
                synchronized (this) {
                    if (tasks.isEmpty()) {
                        return;
                    }
                    next = tasks.remove(0);
                }
                next.run();
            }
        }
    }

    @Test
    void disconnectWritesNothingQueuedAfterTheRefusedFrame() {
        HeldExecutor drains = new HeldExecutor();
        registry = fixture.build(builder()
                .history(100)
                .queueCapacity(2)
                .overflow(OverflowPolicy.DISCONNECT)
                .drainExecutor(drains));
        RecordingTransport t = RecordingTransport.notReady();
        SseConnection c = open(t, ConnectOptions.builder("x").rooms("r").build());
        registry.publish("r", SseEvent.of("1"));
        drains.runAll(); // the drain finds the transport not ready and waits for it
        registry.publish("r", SseEvent.of("2"));

        PublishResult third = registry.publish("r", SseEvent.of("3")); // the queue is full: refused
        // The client reads again, and while its drain runs another publisher's event arrives.
        t.onWrite(frame -> {
            if (frame.toString().contains("data: 1\n")) {
                registry.publish("r", SseEvent.of("4"));
            }
        });
        t.setReady(true);
        drains.runAll();

        assertThat(third.queued()).isZero();
        assertThat(c.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(t.isClosed()).isTrue();
        // What was queued before the refusal may still go out; nothing after it may: the client
        // resumes after the last event it got, before the refused one, and misses nothing.
        assertThat(t.data()).containsExactly("1", "2");
        assertThat(registry.stats().slowConsumersDisconnected()).isEqualTo(1);
    }

    @Test
    void resyncReplayDoesNotCountAgainstTheLiveLimits() {
        SharedLog log = new SharedLog();
        SharedLog.Relay relay = log.join();
        registry = fixture.build(builder()
                .history(100)
                .queueCapacity(10)
                .overflow(OverflowPolicy.DISCONNECT)
                .drainExecutor(Runnable::run)
                .relay(relay));
        RecordingTransport t = new RecordingTransport();
        SseConnection c = open(t, ConnectOptions.builder("x").build());
        for (int i = 1; i <= 20; i++) {
            registry.publish(SseEvent.of(Integer.toString(i)));
        }
        t.setReady(false); // the client stops reading for a moment

        relay.resyncWithGap(
                20); // a reset and a replay of 19 events (the oldest given is the boundary), more than the live limit
        // of 10
        registry.publish(SseEvent.of("21"));
        registry.publish(SseEvent.of("22"));
        t.setReady(true);

        assertThat(c.closeReason()).isNull();
        assertThat(registry.stats().slowConsumersDisconnected()).isZero();
        List<Message> messages = t.messages();
        assertThat(messages).hasSize(20 + 1 + 19 + 2);
        assertThat(messages.get(20).type()).isEqualTo("reset");
        assertThat(messages.subList(21, 42)).extracting(Message::data).containsExactlyElementsOf(numbers(2, 22));
    }

    @Test
    void dropOldestNeverDropsThePrelude() {
        registry = fixture.build(builder()
                .history(100)
                .queueCapacity(2)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .drainExecutor(Runnable::run));
        String first = registry.publish("r", SseEvent.of("1")).id();
        for (int i = 2; i <= 5; i++) {
            registry.publish("r", SseEvent.of(Integer.toString(i)));
        }
        RecordingTransport t = RecordingTransport.notReady();
        SseConnection c = open(
                t,
                ConnectOptions.builder("x")
                        .rooms("r")
                        .announce(true)
                        .retry(Duration.ofSeconds(3))
                        .lastEventId(first)
                        .build());

        for (int i = 6; i <= 8; i++) { // one more than the live limit: 6 is dropped
            registry.publish("r", SseEvent.of(Integer.toString(i)));
        }
        t.setReady(true);

        assertThat(c.isOpen()).isTrue();
        assertThat(t.messages().get(0).type()).isEqualTo(SseRegistry.CONNECTED_EVENT);
        assertThat(t.data().subList(1, t.data().size())).containsExactly("2", "3", "4", "5", "7", "8");
        assertThat(t.parsed().reconnectionTime()).isEqualTo(3_000L);
        assertThat(registry.stats().framesDropped()).isEqualTo(1);
    }

    @Test
    void replaysQueuedToAStalledReaderAreBoundedByBytes() {
        SharedLog log = new SharedLog();
        SharedLog.Relay relay = log.join();
        registry = fixture.build(builder()
                .history(100)
                .historyBytes(4_096)
                .queueBytes(1_024)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .drainExecutor(Runnable::run)
                .relay(relay));
        RecordingTransport t = new RecordingTransport();
        SseConnection c = open(t, ConnectOptions.builder("x").build());
        for (int i = 1; i <= 50; i++) {
            registry.publish(SseEvent.of("x".repeat(100)));
        }
        t.setReady(false); // and never reads again

        // Each gap queues a reset and everything retained (4 KiB) behind what the reader has not
        // taken: without a bound, every gap would pin another copy of the history.
        int resyncs = 0;
        while (c.isOpen() && resyncs < 1_000) {
            relay.resyncWithGap(50);
            resyncs++;
        }

        assertThat(c.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(resyncs)
                .as("closed once its replays passed the bound, not before")
                .isGreaterThan(1);
        assertThat(registry.stats().framesDropped())
                .as("a replay is never dropped")
                .isZero();
    }
}
