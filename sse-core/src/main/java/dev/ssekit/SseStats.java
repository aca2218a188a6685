package dev.ssekit;

import java.util.Map;

/**
 * A snapshot of a registry's counters. Immutable; counters count since the registry was built.
 *
 * @param connections connections open now
 * @param rooms rooms that have members now
 * @param eventsPublished events published (broadcast, to a room, or to one connection)
 * @param framesQueued frames accepted into connection queues, heartbeats included
 * @param framesWritten frames handed to transports
 * @param framesDropped frames dropped by {@link OverflowPolicy#DROP_OLDEST}
 * @param slowConsumersDisconnected connections closed by {@link OverflowPolicy#DISCONNECT}
 * @param heartbeats heartbeat frames queued
 * @param connectionsOpened connections opened
 * @param connectionsClosed connections closed, by reason (every reason present)
 * @param replayResets {@code reset} events queued to resuming connections, by reason (every reason present)
 * @since 1.0
 */
public record SseStats(
        int connections,
        int rooms,
        long eventsPublished,
        long framesQueued,
        long framesWritten,
        long framesDropped,
        long slowConsumersDisconnected,
        long heartbeats,
        long connectionsOpened,
        Map<CloseReason, Long> connectionsClosed,
        Map<ResetReason, Long> replayResets) {

    /** Copies the maps, so that a snapshot stays as it was. */
    public SseStats {
        connectionsClosed = Map.copyOf(connectionsClosed);
        replayResets = Map.copyOf(replayResets);
    }
}
