package dev.ssekit;

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
        long heartbeats) {}
