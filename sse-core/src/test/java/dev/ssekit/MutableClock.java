package dev.ssekit;

import dev.ssekit.spi.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A machine's two clocks, moved only when a test moves them: the wall clock ({@link InstantSource})
 * and the monotonic one ({@link Ticker}, in nanoseconds). {@link #advance} moves both, as time
 * passing does; {@link #stepWallClock} moves only the wall clock, as an NTP correction or an
 * operator does. Thread-safe.
 */
final class MutableClock implements InstantSource, Ticker {

    private final AtomicLong wallMillis;
    private final AtomicLong nanos;

    /** Returns clocks at an ordinary moment in 2025. */
    MutableClock() {
        this(Instant.parse("2025-03-01T12:00:00Z"));
    }

    /** Returns a wall clock at {@code start}, and a monotonic one reading as many milliseconds. */
    MutableClock(Instant start) {
        this.wallMillis = new AtomicLong(start.toEpochMilli());
        this.nanos = new AtomicLong(Math.multiplyExact(start.toEpochMilli(), 1_000_000L));
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(wallMillis.get());
    }

    @Override
    public long millis() {
        return wallMillis.get();
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /** Lets {@code d} pass: both clocks move forward by it. */
    void advance(Duration d) {
        wallMillis.addAndGet(d.toMillis());
        nanos.addAndGet(d.toNanos());
    }

    /** Steps the wall clock alone by {@code d}, which may be negative; the monotonic clock does not move. */
    void stepWallClock(Duration d) {
        wallMillis.addAndGet(d.toMillis());
    }
}
