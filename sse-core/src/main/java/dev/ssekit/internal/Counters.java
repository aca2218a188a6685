package dev.ssekit.internal;

import java.util.concurrent.atomic.LongAdder;

/** The registry's counters; thread-safe, and cheap to bump from many threads at once. */
final class Counters {
    final LongAdder eventsPublished = new LongAdder();
    final LongAdder framesQueued = new LongAdder();
    final LongAdder framesWritten = new LongAdder();
    final LongAdder framesDropped = new LongAdder();
    final LongAdder slowConsumers = new LongAdder();
    final LongAdder heartbeats = new LongAdder();
}
