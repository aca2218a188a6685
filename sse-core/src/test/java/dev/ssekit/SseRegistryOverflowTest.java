package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.testing.Await;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bounded queues: both overflow policies, by frames and by bytes, and drains that stall and resume. */
class SseRegistryOverflowTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry;

    private SseRegistry.Builder builder() {
        return fixture.builder().drainExecutor(Runnable::run);
    }

    private SseConnection open(RecordingTransport transport, String... rooms) {
        return fixture.open(
                registry,
                transport,
                ConnectOptions.builder("client").rooms(rooms).build());
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(Integer::toString).toList();
    }

    private void publishNumbers(String room, int from, int to) {
        for (int i = from; i <= to; i++) {
            registry.publish(room, SseEvent.of(Integer.toString(i)));
        }
    }

    // ---- DROP_OLDEST -----------------------------------------------------------------------------

    @Test
    void dropOldestKeepsTheNewestFramesAndCountsDrops() {
        registry = fixture.build(builder().queueCapacity(3).overflow(OverflowPolicy.DROP_OLDEST));
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c = open(slow, "r");

        publishNumbers("r", 1, 5);

        assertThat(c.queuedFrames()).isEqualTo(3);
        assertThat(registry.stats().framesDropped()).isEqualTo(2);
        slow.setReady(true);
        assertThat(slow.data()).containsExactly("3", "4", "5");
        assertThat(c.isOpen()).isTrue();
        assertThat(registry.stats().slowConsumersDisconnected()).isZero();
    }

    @Test
    void dropOldestAppliesToTheByteLimitToo() {
        int frameSize = SseFrame.encode(SseEvent.of("1")).size();
        registry = fixture.build(
                builder().queueCapacity(100).queueBytes(2L * frameSize).overflow(OverflowPolicy.DROP_OLDEST));
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c = open(slow, "r");

        publishNumbers("r", 1, 5);

        assertThat(c.queuedFrames()).isEqualTo(2);
        assertThat(registry.stats().framesDropped()).isEqualTo(3);
        slow.setReady(true);
        assertThat(slow.data()).containsExactly("4", "5");
    }

    @Test
    void oneFrameAlwaysFitsAnEmptyQueue() {
        registry = fixture.build(builder().queueBytes(1).overflow(OverflowPolicy.DROP_OLDEST));
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c = open(slow, "r");

        registry.publish("r", SseEvent.of("big".repeat(100)));
        registry.publish("r", SseEvent.of("bigger".repeat(100)));

        assertThat(c.queuedFrames()).isEqualTo(1);
        slow.setReady(true);
        assertThat(slow.data()).containsExactly("bigger".repeat(100));
    }

    // ---- DISCONNECT ------------------------------------------------------------------------------

    @Test
    void disconnectClosesTheSlowConsumerAndCountsIt() {
        registry = fixture.build(builder().queueCapacity(2).overflow(OverflowPolicy.DISCONNECT));
        RecordingTransport slowTransport = RecordingTransport.notReady();
        SseConnection slow = open(slowTransport, "r");
        RecordingTransport fastTransport = new RecordingTransport();
        SseConnection fast = open(fastTransport, "r");
        List<CloseReason> heard = new CopyOnWriteArrayList<>();
        slow.onClose(heard::add);

        publishNumbers("r", 1, 2);
        PublishResult third = registry.publish("r", SseEvent.of("3"));

        assertThat(third.queued()).as("queued to the fast one only").isEqualTo(1);
        assertThat(slow.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        // Found by the publisher, which drains here: the callback runs on the scheduler.
        Await.await("the close callback", () -> !heard.isEmpty());
        assertThat(heard).containsExactly(CloseReason.SLOW_CONSUMER);
        assertThat(slowTransport.isClosed()).isTrue();
        assertThat(registry.members("r")).containsExactly(fast);
        assertThat(registry.connections()).containsExactly(fast);
        assertThat(registry.stats().slowConsumersDisconnected()).isEqualTo(1);
        assertThat(registry.stats().framesDropped()).isZero();
        assertThat(fastTransport.data()).containsExactly("1", "2", "3");

        registry.publish("r", SseEvent.of("4"));
        assertThat(registry.stats().slowConsumersDisconnected())
                .as("counted once")
                .isEqualTo(1);
    }

    @Test
    void disconnectAppliesToDirectSendsAndTheByteLimit() {
        registry = fixture.build(builder().queueBytes(10).overflow(OverflowPolicy.DISCONNECT));
        RecordingTransport slowTransport = RecordingTransport.notReady();
        SseConnection slow = open(slowTransport);

        assertThat(slow.send(SseEvent.of("first frame is more than ten bytes")).queued())
                .isEqualTo(1);
        assertThat(slow.send(SseEvent.of("second")).queued()).isZero();

        assertThat(slow.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(registry.stats().slowConsumersDisconnected()).isEqualTo(1);
        assertThat(slowTransport.text()).as("nothing was ever writable").isEmpty();
    }

    // ---- draining --------------------------------------------------------------------------------

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // a publisher blocked by a stalled client would hang here
    void stalledConnectionNeverBlocksThePublisherNorDelaysOthers() {
        registry = fixture.build(builder().queueCapacity(10).overflow(OverflowPolicy.DROP_OLDEST));
        RecordingTransport stalled = RecordingTransport.notReady();
        open(stalled, "r");
        RecordingTransport healthy = new RecordingTransport();
        open(healthy, "r");

        publishNumbers("r", 1, 1_000);

        assertThat(healthy.data()).containsExactlyElementsOf(numbers(1, 1_000));
        assertThat(stalled.text()).isEmpty();
        assertThat(registry.stats().framesDropped()).isEqualTo(990);
    }

    @Test
    void drainStopsWhenNotReadyAndResumesOnWritable() {
        registry = fixture.build(builder());
        RecordingTransport transport = RecordingTransport.notReady();
        SseConnection c = open(transport, "r");
        publishNumbers("r", 1, 6);

        transport.readyFor(2);
        assertThat(transport.data()).containsExactly("1", "2");
        assertThat(c.queuedFrames()).isEqualTo(4);

        transport.setReady(true);
        assertThat(transport.data()).containsExactlyElementsOf(numbers(1, 6));
        assertThat(c.queuedFrames()).isZero();
        assertThat(registry.stats().framesWritten()).isEqualTo(6);
    }

    @Test
    void drainFlushesOncePerBurstNotOncePerFrame() {
        registry = fixture.build(builder());
        RecordingTransport transport = RecordingTransport.notReady();
        open(transport, "r");
        publishNumbers("r", 1, 50);

        transport.setReady(true);

        assertThat(transport.data()).hasSize(50);
        assertThat(transport.flushes()).isEqualTo(1);
    }

    @Test
    void publishFromInsideAWriteIsWrittenAfterIt() {
        registry = fixture.build(builder());
        RecordingTransport transport = new RecordingTransport();
        open(transport, "r");
        transport.onWrite(frame -> {
            if (frame.toString().contains("data: 1\n")) {
                registry.publish("r", SseEvent.of("2"));
            }
        });

        registry.publish("r", SseEvent.of("1"));

        assertThat(transport.data()).containsExactly("1", "2");
    }
}
