package dev.ssekit.spi;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Shares who is in which room among several servers, so that {@code SseRegistry.presence} and
 * presence events count the owners of every live server; a registry uses one when it is
 * {@linkplain dev.ssekit.SseRegistry.Builder#presenceShare configured with one}.
 *
 * <p>The registry tells the share when an owner arrives in a room on this server (its first
 * connection there) and when it departs (its last one left), in order, from one thread of its own,
 * never under a lock; the share tells the registry when a room's owners changed on another server.
 * An owner connected to several servers counts once, and the owners of a server that stops (or
 * dies) drop out within a bound the implementation states.
 *
 * <p>Implementations are thread-safe. The registry calls {@link #start} once when it is built and
 * {@link #close()} once when it is closed.
 *
 * @since 1.0
 */
public interface PresenceShare extends AutoCloseable {

    /**
     * Starts sharing; from now on, calls {@code changed} with a room's name, from any thread and
     * quickly, whenever another server's owners in that room may have changed.
     */
    void start(Consumer<String> changed);

    /** {@code owner} has arrived in {@code room} on this server. */
    void arrived(String room, String owner);

    /** {@code owner} has departed from {@code room} on this server. */
    void departed(String room, String owner);

    /**
     * Returns the distinct owners in {@code room} on every live server, this one included as far as
     * the share knows it; called outside the registry's locks, from any thread.
     *
     * @throws RuntimeException if the shared store cannot be asked now; the registry then counts
     *     this server's owners only
     */
    Set<String> owners(String room);

    /** Stops sharing: this server's owners drop out, at once or within the stated bound; idempotent. */
    @Override
    void close();
}
