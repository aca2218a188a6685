package dev.ssekit.internal;

import dev.ssekit.PublishResult;
import dev.ssekit.SseEvent;

/**
 * What a connection may ask of the registry it belongs to: its limits, the shared counters, the
 * clock, and the few things only the registry can do for it. Implemented by {@link Hub}; every
 * method is thread-safe.
 */
interface ConnectionContext {

    /** The bounds of every connection's queue. */
    QueueLimits limits();

    /** How many event types one connection may choose. */
    int maxEventTypesPerConnection();

    /** The registry's counters. */
    Counters counters();

    /** The registry's clock, in milliseconds. */
    long nowMillis();

    /** Adds {@code c} to {@code room} (a checked name), under the publish lock. */
    boolean join(DefaultSseConnection c, String room);

    /** Removes {@code c} from {@code room}, under the publish lock. */
    boolean leave(DefaultSseConnection c, String room);

    /** Queues {@code event} for {@code c} alone and has it drained. */
    PublishResult send(DefaultSseConnection c, SseEvent event);

    /** Forgets {@code c}, which has closed: it leaves every room and the registry. Called once. */
    void detach(DefaultSseConnection c);

    /**
     * Runs a closed connection's callbacks: here, or on the registry's scheduler when this thread
     * is a publisher's or the relay reader's, which user code must never hold up.
     */
    void runCallbacks(Runnable callbacks);
}
