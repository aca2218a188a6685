package dev.ssekit.internal;

import dev.ssekit.PublishResult;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.spi.SseFrame;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This server's place in a relay's shared order of events: publishing through the relay and
 * waiting for the message to come back, how far the relay has delivered here, the connections a
 * relayed message is held back from, and the history rebuilt from what a resync gives back.
 *
 * <p>A connection is held back from a message in two cases: it resumed from an id this server has
 * not reached yet (it came from a server that was ahead, so it has the message already), or it
 * opened while this server was behind the relay (the message was published before it opened). Each
 * case is forgotten once the relay's order passes the id in question, so the maps stay as small as
 * the lag.
 *
 * <p>Thread-safety: everything but {@link #publish} and {@link #delivered} is guarded by the hub's
 * lock and called under it. {@code publish} must not hold that lock (it waits for the relay's
 * reader, which takes it); it and {@code delivered} share only a concurrent map of the publishers
 * waiting for their message to come back.
 */
final class RelayMirror {

    /** How long a publisher waits for its own event to come back, to count what it queued here. */
    private static final long RELAY_ECHO_WAIT_MILLIS = 2_000;

    private final EventRelay relay;
    private final Map<DefaultSseConnection, String> catchingUp = new HashMap<>(); // resumed from → that id
    // Connections opened while this server was behind the relay, and the relay's newest id then:
    // unrecorded messages up to it were published before they opened.
    private final Map<DefaultSseConnection, String> openedAt = new HashMap<>();
    private String lastRelayedId; // the relay id of the newest message delivered here
    private final ConcurrentHashMap<String, CompletableFuture<Integer>> awaitingDelivery = new ConcurrentHashMap<>();
    private final String tagPrefix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + ":";
    private final AtomicLong tags = new AtomicLong();

    RelayMirror(EventRelay relay) {
        this.relay = relay;
    }

    // ---- publishing: any thread, never under the hub's lock ---------------------------------------

    /**
     * Hands an event to the relay, then waits (briefly) until the relay has delivered it back here,
     * so that the result counts the connections it was queued to on this server, and a client that
     * connects here after the publish returned replays it. {@code historyOn}: the result carries
     * the relay's id for a recorded event.
     */
    PublishResult publish(
            RelayMessage.Scope scope, String target, SseEvent event, boolean historyOn, Counters counters) {
        String tag = tagPrefix + tags.incrementAndGet();
        CompletableFuture<Integer> delivered = new CompletableFuture<>();
        awaitingDelivery.put(tag, delivered);
        String id;
        boolean record;
        try {
            RelayMessage message = new RelayMessage(scope, target, event, tag);
            record = message.recorded();
            if (event.idempotencyKey() == null) {
                id = relay.publish(message);
            } else {
                EventRelay.Appended appended = relay.publishOnce(message);
                id = appended.id();
                if (!appended.appended()) {
                    // A repeat: delivered when it was first published, and not again.
                    awaitingDelivery.remove(tag);
                    return new PublishResult(record && historyOn ? id : event.id(), 0);
                }
            }
        } catch (RuntimeException e) {
            awaitingDelivery.remove(tag);
            throw e;
        }
        counters.eventsPublished.increment();
        int queued = 0;
        try {
            queued = delivered.get(RELAY_ECHO_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Published, but not back here yet (the relay's reader is behind or reconnecting): it
            // will be delivered here in order when it arrives; nothing was queued here so far.
        } finally {
            awaitingDelivery.remove(tag);
        }
        return new PublishResult(record && historyOn ? id : event.id(), queued);
    }

    /** Tells the publisher of the message tagged {@code tag} (if it still waits) how many connections queued it here. */
    void delivered(String tag, int queued) {
        CompletableFuture<Integer> waiting = tag == null ? null : awaitingDelivery.remove(tag);
        if (waiting != null) {
            waiting.complete(queued);
        }
    }

    // ---- under the hub's lock ----------------------------------------------------------------------

    /** The relay has delivered {@code id} here: what it delivers next comes after it. */
    void passed(String id) {
        lastRelayedId = id;
    }

    /**
     * Notes that {@code c} opened when the relay's newest id was {@code relayNewest} (null: the
     * relay holds nothing): if this server has not delivered that far, what it delivers up to it
     * was published before {@code c} opened.
     */
    void opened(DefaultSseConnection c, String relayNewest) {
        if (relayNewest != null && (lastRelayedId == null || relay.precedes(lastRelayedId, relayNewest))) {
            openedAt.put(c, relayNewest); // this server is behind the relay
        }
    }

    /** Holds live messages up to {@code resumedFrom} back from {@code c}, which has them already. */
    void holdBack(DefaultSseConnection c, String resumedFrom) {
        catchingUp.put(c, resumedFrom);
    }

    /** Stops holding messages back from {@code c}, and returns the id it resumed from, if any. */
    String release(DefaultSseConnection c) {
        return catchingUp.remove(c);
    }

    /** Forgets {@code c}, which has closed. */
    void forget(DefaultSseConnection c) {
        catchingUp.remove(c);
        openedAt.remove(c);
    }

    /**
     * Whether a fan-out of a message ({@code fromRelay}: the relay's, not one of this server's own
     * presence events) may hold it back from anyone: decided once per fan-out, so that with nobody
     * held back a fan-out does no more per recipient than without a relay.
     */
    boolean mayHoldBack(boolean fromRelay) {
        return !catchingUp.isEmpty() || fromRelay && !openedAt.isEmpty();
    }

    /**
     * Whether {@code id} is held back from {@code c}: the connection resumed from an id at or after
     * it, or (unless {@code recorded}, when its position decides) opened after the relay had appended
     * it. Either case forgets {@code c} once the relay's order has passed it.
     */
    boolean isHeldBack(DefaultSseConnection c, String id, boolean fromRelay, boolean recorded) {
        if (!catchingUp.isEmpty() && isCatchingUp(c, id)) {
            return true;
        }
        // Published before c opened: not live to it (what is recorded, its position decides).
        return fromRelay && !openedAt.isEmpty() && openedAfter(c, id) && !recorded;
    }

    /**
     * Whether {@code c} resumed from an id this server has not passed yet, so that {@code id} (at or
     * before it) is one the client already has.
     */
    private boolean isCatchingUp(DefaultSseConnection c, String id) {
        String resumedFrom = catchingUp.get(c);
        if (resumedFrom == null) {
            return false;
        }
        if (relay.precedes(resumedFrom, id)) {
            catchingUp.remove(c);
            return false;
        }
        return true;
    }

    /**
     * Whether {@code c} opened after the relay had appended {@code id} (a message this server
     * delivers late, being behind).
     */
    private boolean openedAfter(DefaultSseConnection c, String id) {
        String newestThen = openedAt.get(c);
        if (newestThen == null) {
            return false;
        }
        if (relay.precedes(newestThen, id)) {
            openedAt.remove(c); // this server has caught up with where the relay stood
            return false;
        }
        return true;
    }

    /**
     * Replaces {@code history} with what the relay gave back after a resync. {@code afterKnown}: the
     * relay said where it stood before {@code retained} ({@code after}, or nothing at all when
     * {@code after} is null).
     */
    void rebuild(
            History history,
            List<RelaySink.Delivery> retained,
            boolean gap,
            String after,
            boolean afterKnown,
            long now) {
        history.clear();
        int first = 0;
        if (gap && !retained.isEmpty()) {
            // Every open connection is about to be reset to just before what is retained:
            // that position must be a relay id, which any server can compare, not a local
            // one, which every other server would reset again, replaying what the client
            // has. So the oldest delivery is not retained but becomes the boundary.
            history.startAfter(retained.get(0).id());
            first = 1;
        } else if (gap && after != null) {
            // Nothing given back, but the relay said where it stood: that relay id is the
            // boundary, so an id before it is expired here and one after it is placed.
            history.startAfter(after);
        } else if (gap && !afterKnown) {
            history.losePlace();
        }
        // (A gap with nothing before it: every id the relay holds came after the gap.)
        for (RelaySink.Delivery d : retained.subList(first, retained.size())) {
            RelayMessage m = d.message();
            if (m.recorded()) {
                history.add(new History.Entry(
                        history.nextSeq(),
                        d.id(),
                        m.target(),
                        m.event().effectiveType(),
                        SseFrame.encode(m.event().withId(d.id())),
                        now));
            }
        }
    }

    /** After a resync: what the relay delivers next comes after {@code retained} (if it did not say, after something). */
    void resynced(List<RelaySink.Delivery> retained, String after) {
        lastRelayedId =
                retained.isEmpty() ? after : retained.get(retained.size() - 1).id();
    }

    /** Closes the relay. */
    void close() {
        relay.close();
    }
}
