package dev.ssekit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test moves it. Thread-safe. */
final class MutableClock implements InstantSource {

    private final AtomicLong millis;

    /** Returns a clock at an ordinary moment in 2025. */
    MutableClock() {
        this(Instant.parse("2025-03-01T12:00:00Z"));
    }

    /** Returns a clock at {@code start}. */
    MutableClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    /** Moves the clock forward by {@code d}. */
    void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }
}
