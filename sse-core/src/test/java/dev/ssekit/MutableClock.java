package dev.ssekit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test moves it. Thread-safe. */
final class MutableClock implements InstantSource {

    private final AtomicLong millis = new AtomicLong(Instant.parse("2025-03-01T12:00:00Z").toEpochMilli());

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
