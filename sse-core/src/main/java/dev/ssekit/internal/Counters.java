package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.SseStats.ResetReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The registry's counters; thread-safe, and cheap to bump from many threads at once. */
final class Counters {
    final LongAdder eventsPublished = new LongAdder();
    final LongAdder framesQueued = new LongAdder();
    final LongAdder framesWritten = new LongAdder();
    final LongAdder framesDropped = new LongAdder();
    final LongAdder slowConsumers = new LongAdder();
    final LongAdder heartbeats = new LongAdder();
    // Bumped once per connection opened or closed and once per reset: never per frame.
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder[] connectionsClosed = adders(CloseReason.values().length);
    final LongAdder[] replayResets = adders(ResetReason.values().length);

    static <E extends Enum<E>> Map<E, Long> sums(Class<E> type, LongAdder[] adders) {
        Map<E, Long> sums = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            sums.put(e, adders[e.ordinal()].sum());
        }
        return sums;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }
}
