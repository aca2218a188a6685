package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.SseFrame;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The heartbeat and write-deadline sweep: each run queues a heartbeat to every idle connection and
 * closes those whose writes have stalled past the deadline. One task on the registry's scheduler
 * covers every connection; no task or timer is held per connection.
 *
 * <p>Runs on the scheduler without the hub's lock, over a snapshot of everyone ({@link
 * Rooms#everyone()}): an offer, a kick and a close are each safe from any thread, and a connection
 * that opens or closes meanwhile is seen at the next run, or finds the offer refused.
 */
final class Sweep implements Runnable {

    private final Duration heartbeat; // null: none
    private final Duration writeTimeout; // null: none
    private final Rooms rooms;
    private final Counters counters;
    private final LongSupplier nowMillis;
    private final SseFrame heartbeatFrame = SseFrame.encode(SseEvent.ofComment("ping"));

    Sweep(Duration heartbeat, Duration writeTimeout, Rooms rooms, Counters counters, LongSupplier nowMillis) {
        this.heartbeat = heartbeat;
        this.writeTimeout = writeTimeout;
        this.rooms = rooms;
        this.counters = counters;
        this.nowMillis = nowMillis;
    }

    /**
     * How often to sweep, in milliseconds: a few times per interval so that an idle connection hears
     * a heartbeat promptly; 0 when there is neither a heartbeat nor a write deadline.
     */
    long periodMillis() {
        long shortest = Long.MAX_VALUE;
        if (heartbeat != null) {
            shortest = Math.min(shortest, heartbeat.toMillis());
        }
        if (writeTimeout != null) {
            shortest = Math.min(shortest, writeTimeout.toMillis());
        }
        return shortest == Long.MAX_VALUE ? 0 : Math.max(1, shortest / 4);
    }

    /** Queues a heartbeat to idle connections and closes those whose writes have stalled. */
    @Override
    public void run() {
        long now = nowMillis.getAsLong();
        for (DefaultSseConnection c : rooms.everyone()) {
            long waiting = c.waitingSinceMillis();
            if (writeTimeout != null
                    && waiting != DefaultSseConnection.NOT_WAITING
                    && now - waiting >= writeTimeout.toMillis()) {
                c.close(CloseReason.STALLED);
                continue;
            }
            // A heartbeat goes only to an empty queue: queued frames are traffic enough once written,
            // and a stalled connection is the write deadline's business, so heartbeats never pile up.
            if (heartbeat != null && now - c.lastOfferMillis() >= heartbeat.toMillis() && c.queuedFrames() == 0) {
                if (c.offer(heartbeatFrame, FrameKind.CONTROL, now).queued()) {
                    counters.framesQueued.increment();
                    counters.heartbeats.increment();
                }
                c.kick();
            }
        }
    }
}
