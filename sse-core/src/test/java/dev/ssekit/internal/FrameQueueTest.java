package dev.ssekit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.spi.SseFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue on its own: the order of live and replayed frames, what DROP_OLDEST drops, how rings shrink. */
class FrameQueueTest {

    private static final QueueLimits TEN_DROPPING = QueueLimits.of(10, 1L << 20, 0, OverflowPolicy.DROP_OLDEST);

    private final FrameQueue queue = new FrameQueue();
    private final Counters counters = new Counters();

    private static SseFrame frame(String data) {
        return SseFrame.encode(SseEvent.of(data));
    }

    private FrameQueue.Offer offer(String data, FrameKind kind) {
        return queue.offer(frame(data), kind, false, TEN_DROPPING, counters);
    }

    private List<String> drain() {
        List<String> data = new ArrayList<>();
        for (SseFrame f = queue.poll(); f != null; f = queue.poll()) {
            data.add(f.toString().substring("data: ".length()).strip());
        }
        return data;
    }

    @Test
    void aLongReplayLeavesNoLargeArrayBehind() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(offer("r" + i, FrameKind.REPLAY)).isEqualTo(FrameQueue.Offer.QUEUED);
        }
        assertThat(queue.capacities()[1]).isEqualTo(16_384);

        assertThat(drain()).hasSize(10_000);

        assertThat(queue.capacities()).containsExactly(0, 0);
    }

    @Test
    void theLiveRingShrinksBackAsItDrains() {
        FrameQueue.Offer offered = null;
        for (int i = 0; i < 1_000; i++) { // past the limit: nobody drains
            offered = queue.offer(frame("l" + i), FrameKind.LIVE, true, TEN_DROPPING, counters);
        }
        assertThat(offered).isEqualTo(FrameQueue.Offer.DRAIN_NOW);
        assertThat(queue.capacities()[0]).isEqualTo(1_024);

        for (int i = 0; i < 990; i++) {
            queue.poll();
        }
        assertThat(queue.capacities()[0])
                .as("a quarter full at most, halved each time")
                .isLessThanOrEqualTo(64);
        assertThat(drain()).hasSize(10);
        assertThat(queue.capacities()[0]).isEqualTo(FrameQueue.INITIAL_CAPACITY);
    }

    @Test
    void liveAndReplayedFramesKeepTheirOrderAndDropOldestSkipsTheReplay() {
        offer("l1", FrameKind.LIVE);
        offer("r1", FrameKind.REPLAY);
        offer("r2", FrameKind.REPLAY);
        for (int i = 2; i <= 10; i++) {
            offer("l" + i, FrameKind.LIVE);
        }
        offer("l11", FrameKind.LIVE); // full at 10 live frames: drops l1, behind nothing
        offer("r3", FrameKind.REPLAY);
        offer("l12", FrameKind.LIVE); // drops l2, which stands behind r1 and r2

        assertThat(counters.framesDropped.sum()).isEqualTo(2);
        assertThat(drain())
                .containsExactly("r1", "r2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10", "l11", "r3", "l12");
    }

    @Test
    void anOverflowRefusesEveryLaterOfferAndKeepsWhatCameBefore() {
        QueueLimits two = QueueLimits.of(2, 1L << 20, 0, OverflowPolicy.DISCONNECT);
        queue.offer(frame("1"), FrameKind.LIVE, false, two, counters);
        queue.offer(frame("2"), FrameKind.LIVE, false, two, counters);

        assertThat(queue.offer(frame("3"), FrameKind.LIVE, false, two, counters))
                .isEqualTo(FrameQueue.Offer.OVERFLOWED);
        queue.poll();

        assertThat(queue.offer(frame("4"), FrameKind.LIVE, false, two, counters))
                .isEqualTo(FrameQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("h"), FrameKind.CONTROL, false, two, counters))
                .isEqualTo(FrameQueue.Offer.REFUSED);
        assertThat(drain()).containsExactly("2");
        queue.close();
        assertThat(queue.size()).isZero();
    }
}
