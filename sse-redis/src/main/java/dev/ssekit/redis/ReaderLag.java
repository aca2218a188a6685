package dev.ssekit.redis;

import java.time.Duration;

/**
 * How far a relay's reader is behind the stream: the time since the oldest entry it has read but
 * not yet delivered was appended, read from the entry's id (the milliseconds of Redis's clock at
 * the append). Measured against this server's clock, so a difference between the two clocks adds
 * to it, or is cut at zero. Thread-safe: the reader thread updates it, any thread reads it.
 */
final class ReaderLag {

    private static final long NONE = -1;

    private volatile long oldestUndelivered = NONE; // Redis's milliseconds, from an entry id

    /** Nothing is waiting: the reader has delivered everything it read, and read to the end. */
    void caughtUp() {
        oldestUndelivered = NONE;
    }

    /** The entry with id {@code entryId} is the oldest one waiting to be delivered. */
    void waitingFrom(String entryId) {
        long millis = millisOf(entryId);
        if (millis >= 0) {
            oldestUndelivered = millis;
        }
    }

    /** The lag at {@code nowMillis}, this server's wall clock. */
    Duration at(long nowMillis) {
        long since = oldestUndelivered;
        return since == NONE ? Duration.ZERO : Duration.ofMillis(Math.max(0, nowMillis - since));
    }

    private static long millisOf(String entryId) {
        int dash = entryId.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
        } catch (NumberFormatException e) {
            return NONE;
        }
    }
}
