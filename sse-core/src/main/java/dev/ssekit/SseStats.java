package dev.ssekit;

import java.util.Locale;
import java.util.Map;

/**
 * A snapshot of a registry's counters. Immutable; counters count since the registry was built.
 *
 * @param connections connections open now
 * @param rooms rooms that have members now
 * @param eventsPublished events published (to everyone, to a room, or to one connection)
 * @param framesQueued frames accepted into connection queues, heartbeats included
 * @param framesWritten frames handed to transports
 * @param framesDropped frames dropped by {@link SseRegistry.OverflowPolicy#DROP_OLDEST}
 * @param slowConsumersDisconnected connections closed by {@link SseRegistry.OverflowPolicy#DISCONNECT}
 * @param heartbeats heartbeat frames queued
 * @param connectionsOpened connections opened
 * @param connectionsClosed connections closed, by reason (every reason present)
 * @param replayResets {@code reset} events queued to resuming connections, by reason (every reason present)
 * @param relay the relay's health and lag now, or {@code null} if the registry has no
 *     {@linkplain SseRegistry.Builder#relay relay}
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
        Map<ResetReason, Long> replayResets,
        Relay relay) {

    /** Copies the maps, so that a snapshot stays as it was. */
    public SseStats {
        connectionsClosed = Map.copyOf(connectionsClosed);
        replayResets = Map.copyOf(replayResets);
    }

    /**
     * Whether a registry's relay carries events now and how far this server's delivery is behind
     * it, for health checks and metrics. Immutable.
     *
     * @param up whether the relay carries events; while it does not, publishing throws
     *     {@link RelayUnavailableException} at once
     * @param reason why the relay is down, for operators; {@code null} when it is up
     * @param lagMillis how long, in milliseconds, the oldest event appended to the relay's shared
     *     order but not yet delivered here has waited; 0 when this server is caught up (in
     *     milliseconds, so that the snapshot serializes as plain JSON)
     */
    public record Relay(boolean up, String reason, long lagMillis) {

        /**
         * Checks the fields.
         *
         * @throws IllegalArgumentException if a reason is given exactly when the relay is up, or
         *     the lag is negative
         */
        public Relay {
            if (up == (reason != null)) {
                throw new IllegalArgumentException("reason must be given exactly when the relay is down");
            }
            if (lagMillis < 0) {
                throw new IllegalArgumentException("lagMillis must not be negative: " + lagMillis);
            }
        }
    }

    /**
     * Why a connection received a {@code reset} event instead of the events it missed.
     */
    public enum ResetReason {
        /** The last event id the client resumed from is not one this registry or its relay knows. */
        UNKNOWN,
        /** The events after the client's last event id are no longer retained. */
        EXPIRED;

        /** Returns the reason as the {@code reset} event's data names it: {@code unknown} or {@code expired}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
