package dev.ssekit.spi;

/**
 * A monotonic source of nanoseconds, by which a registry measures intervals: heartbeats, write
 * deadlines and the age of recorded events. Only the difference between two readings means
 * anything; readings never go backwards and do not follow the wall clock, so that stepping the
 * machine's date neither stops heartbeats nor closes waiting connections as stalled.
 *
 * <p>Implementations are thread-safe: the registry reads them from any thread. Tests pass one they
 * move by hand.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface Ticker {

    /** Returns the current reading, in nanoseconds since an arbitrary origin; may be negative. */
    long read();

    /** Returns the ticker of {@link System#nanoTime()}, the registry's default. */
    static Ticker system() {
        return System::nanoTime;
    }
}
