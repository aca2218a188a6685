package dev.ssekit.spi;

import java.util.List;

/**
 * Where an {@link EventRelay} delivers the shared order of events on one server; the registry
 * gives it to {@link EventRelay#start}.
 *
 * <p>Thread-safe, but the relay calls it from one thread at a time, in the shared order. Calls
 * return quickly: delivery queues frames and leaves the writing to the registry's drain executor,
 * unless that has fallen far behind, when the calling thread helps it, as a publisher would.
 *
 * @since 1.0
 */
public interface RelaySink {

    /**
     * Delivers the next event of the shared order: records it (if {@link RelayMessage#recorded()})
     * under {@code id}, and queues it to the matching connections on this server.
     *
     * @param id the relay's id for the event, as {@link EventRelay#publish} returned it on the
     *     publishing server
     */
    void deliver(String id, RelayMessage message);

    /**
     * Replaces this server's history with {@code retained}, oldest first, after the relay started,
     * or after it lost its place in the shared order (events were dropped from the store before
     * this server could read them). With {@code gap}, every open connection is told: it receives a
     * {@code reset} event, then the retained events it is entitled to, as a client resuming from an
     * expired id would.
     */
    void resync(List<Delivery> retained, boolean gap);

    /**
     * Like {@link #resync(List, boolean)}, from a relay that also says where the shared order stood
     * before {@code retained}; a relay that knows should call this one.
     *
     * @param after the id of the newest event of the shared order before the first of {@code
     *     retained} (held or not): nothing at or before it is delivered here any more; {@code null}
     *     if the shared order had no event before them, so that every id the relay holds came after
     *     the gap. After a gap with nothing given back, this id is the one place the server can still
     *     give its clients and place theirs against: told nothing, it cannot tell a relay id from
     *     before the gap from one after it, and resets every client that resumes with one until it
     *     records again. The default drops it.
     * @since 1.0
     */
    default void resync(List<Delivery> retained, boolean gap, String after) {
        resync(retained, gap);
    }

    /**
     * One event of the shared order and its id. Immutable.
     *
     * @param id the relay's id
     * @param message the event
     * @since 1.0
     */
    record Delivery(String id, RelayMessage message) {}
}
