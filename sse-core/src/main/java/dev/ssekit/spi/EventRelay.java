package dev.ssekit.spi;

import java.time.Duration;

/**
 * A total order of published events shared by several servers, through which a registry publishes
 * when it is {@linkplain dev.ssekit.SseRegistry.Builder#relay configured with one}.
 *
 * <p>With a relay, the registry delivers nothing on its own: {@code publish} and {@code send} hand
 * the event to {@link #publish}, and the relay hands every event, from every server, back to every
 * server's {@link RelaySink} in one order that all servers agree on, once per server, the publishing
 * server included. So no event is delivered twice on a server, none loops back, and each server's
 * history mirrors the same sequence with the same ids, which is what lets a client resume on any
 * server.
 *
 * <p>Implementations are thread-safe: {@link #publish} is called from any thread, concurrently.
 * The sink is called from one thread at a time. The registry calls {@link #start} once, when it is
 * built, and {@link #close()} once, when it is closed.
 *
 * @since 1.0
 */
public interface EventRelay extends AutoCloseable {

    /**
     * Starts delivering into {@code sink}: first a {@link RelaySink#resync} with the recent retained
     * events, if the relay can reach its store in time, then every event from then on, in order.
     * Returns without waiting for a store that is down; the relay keeps trying on its own.
     */
    void start(RelaySink sink);

    /**
     * Appends {@code message} to the shared order and returns the id it was given there; fails fast
     * when that is not possible now.
     *
     * @return the relay's id for the event: a valid SSE id (no CR, LF or NUL), unique and the same
     *     on every server
     * @throws dev.ssekit.RelayUnavailableException if the event could not be appended; it then reaches no one
     */
    String publish(RelayMessage message);

    /**
     * Like {@link #publish}, for an event with an {@linkplain dev.ssekit.SseEvent#idempotencyKey()
     * idempotency key}: appends {@code message} unless an event with the same key was appended
     * within the relay's idempotency window, by any server sharing the relay, and returns the id
     * the first one was given. The check and the append are one step, so that two servers publishing
     * the same key at once append it once. Without an override, appends every time.
     *
     * @return the id, and whether this call appended the event
     * @throws dev.ssekit.RelayUnavailableException if the event could not be appended; it then reaches no one
     */
    default Appended publishOnce(RelayMessage message) {
        return new Appended(publish(message), true);
    }

    /**
     * What {@link #publishOnce} did. Immutable.
     *
     * @param id the relay's id for the event
     * @param appended {@code true} if this call appended it, {@code false} if it was a repeat
     * @since 1.0
     */
    record Appended(String id, boolean appended) {}

    /**
     * Returns whether the relay's id {@code first} was given before {@code second}; {@code false}
     * if either is not an id this relay could have given. Lets a registry tell an id that fell out
     * of its history (expired) from one it never knew (unknown).
     */
    boolean precedes(String first, String second);

    /**
     * Returns whether {@code id} names an event the relay still holds. A registry asks, outside its
     * locks, when a client resumes from an id it has not received yet itself (another server was
     * ahead); {@code false} when the store cannot be asked now.
     */
    boolean holds(String id);

    /**
     * Returns the id of the newest event appended to the shared order, delivered here yet or not, or
     * {@code null} if there is none or the relay cannot tell at once. A registry asks, outside its
     * locks, when a connection opens: a server behind the relay then gives that connection none of
     * the unrecorded events and direct messages up to that id when it delivers them, since they were
     * published before the connection opened (a client that resumes here may have had them on
     * another server). Without an override, {@code null}: such events reach every connection open
     * when they are delivered.
     */
    default String newestId() {
        return null;
    }

    /**
     * Returns whether the relay carries events now; a relay that is {@linkplain RelayHealth.State#DOWN
     * down} refuses publishing at once. Cheap enough to call from a health check or a metric.
     * Without an override, always {@link RelayHealth#UP}.
     */
    default RelayHealth health() {
        return RelayHealth.UP;
    }

    /**
     * Returns how far this server's delivery is behind the shared order: how long the oldest event
     * appended to it but not yet delivered here has been waiting, or {@link Duration#ZERO} when
     * every event the relay has seen is delivered. It grows while this server's reader falls behind
     * (a burst, a slow sink) and says nothing of a relay that is down, which {@link #health()}
     * reports. Cheap enough to call from a metric. Without an override, always zero.
     */
    default Duration lag() {
        return Duration.ZERO;
    }

    /** Stops delivering and releases the relay's connections; idempotent. */
    @Override
    void close();
}
