package dev.ssekit.internal;

import dev.ssekit.SseEvent;
import dev.ssekit.SseStats.ResetReason;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.SseFrame;
import java.util.Iterator;
import java.util.Set;
import java.util.UUID;

/**
 * What a connection is owed before its live events: where a client resuming after a last event id
 * starts in the history (with a relay, also whether it came from a server that was ahead of this
 * one), the position its {@code connected} event gives it, and the {@code reset} and retained events
 * it is queued.
 *
 * <p>Guarded by the hub's lock: every method is called under it, since the history it reads and
 * the relay mirror it tells are guarded by that lock too. Without history, it only makes resets.
 */
final class Replay {

    private final History history; // null when off
    private final EventRelay relay; // null for one server on its own
    private final RelayMirror mirror; // null without a relay
    private final Counters counters;

    Replay(History history, EventRelay relay, RelayMirror mirror, Counters counters) {
        this.history = history;
        this.relay = relay;
        this.mirror = mirror;
        this.counters = counters;
    }

    /**
     * Where a client resuming after an id starts: after {@code seq} ({@link History.Resume#FROM_SEQ}),
     * after a {@code reset} ({@code UNKNOWN}, {@code EXPIRED}), or held back until the mirror has
     * passed its id ({@code AHEAD}).
     */
    record Start(History.Resume resume, long seq, boolean holdBack) {
        Start(History.Resume resume, long seq) {
            this(resume, seq, false);
        }
    }

    /** Where a client that came without an id starts: with live events, and nothing replayed. */
    static final Start FRESH = new Start(History.Resume.FROM_SEQ, -1);

    /**
     * Whether a relayed id is neither in this server's mirror nor older than it: another server may
     * have delivered it before this one has.
     */
    boolean isAheadOfMirror(String lastEventId) {
        if (lastEventId.equals("0")) {
            return false;
        }
        String oldest = history.oldestId();
        return history.parse(lastEventId) < 0 && (oldest == null || !relay.precedes(lastEventId, oldest));
    }

    /**
     * Classifies {@code lastEventId} against the history, expired up to {@code now} first.
     *
     * <p>With a relay, an id this server has not delivered yet but the relay holds ({@code
     * heldByRelay}) means the client came from a server that was ahead: nothing is replayed, and live
     * events are held back from the connection until the mirror has passed that id.
     */
    Start start(String lastEventId, boolean heldByRelay, long now) {
        history.expire(now);
        if (lastEventId.equals(History.BEFORE_EVERYTHING)) {
            // "0" claims to have seen nothing and asks for whatever is retained: nothing it had
            // is being skipped, so there is no gap to signal.
            return new Start(History.Resume.FROM_SEQ, 0);
        }
        long seq = history.parse(lastEventId);
        if (relay == null) {
            return new Start(history.resumeFrom(seq), seq);
        }
        if (seq >= 0) {
            return new Start(history.resumeFrom(seq), seq);
        }
        String oldest = history.oldestId();
        String newest = history.newestId();
        if (oldest != null
                ? relay.precedes(lastEventId, oldest)
                : newest != null && relay.precedes(lastEventId, newest)) {
            return new Start(History.Resume.EXPIRED, 0);
        }
        if (oldest != null && relay.precedes(oldest, lastEventId) && relay.precedes(lastEventId, newest)) {
            // A relay id within what is retained, of a message this mirror does not record: the
            // client has everything up to it.
            return new Start(History.Resume.FROM_SEQ, history.seqBefore(lastEventId, relay::precedes));
        }
        if (heldByRelay && history.hasLostPlace()) {
            // Since losing its place with nothing given back by a relay that did not say where it
            // stood, this mirror cannot tell an id from before the gap (what followed may be gone)
            // from one after it: the client is told of a gap, and live events up to its id are
            // still held back, in case it was after.
            return new Start(History.Resume.UNKNOWN, 0, true);
        }
        if (heldByRelay && (newest == null || relay.precedes(newest, lastEventId))) {
            return new Start(History.Resume.AHEAD, 0);
        }
        return new Start(History.Resume.UNKNOWN, 0);
    }

    /**
     * The id a new connection's {@code connected} event carries: the position the client holds
     * once it has it. A client that came without an id is given the newest position, so that it can
     * resume from its first event on; one resuming from a position this server knows keeps it
     * (should the stream drop before the replay arrives, it resumes from the same place); one whose
     * id is unknown or expired gets none here, and its position from the {@code reset} that
     * follows. Without history there is nothing to resume, and no id.
     */
    String position(Start start, String lastEventId) {
        if (start == null) {
            return null;
        }
        if (lastEventId == null) {
            return history.positionId();
        }
        return start.resume() == History.Resume.FROM_SEQ || start.resume() == History.Resume.AHEAD ? lastEventId : null;
    }

    static SseFrame connectedFrame(UUID id, String position) {
        return SseFrame.encode(SseEvent.builder()
                .id(position)
                .type(Hub.CONNECTED_EVENT)
                .data("{\"connectionId\":\"" + id + "\"}")
                .build());
    }

    /**
     * Queues what a client resuming after {@code lastEventId} missed, as the prelude of a new
     * connection or, after a relay's resync, on an open one.
     */
    void replay(DefaultSseConnection c, String lastEventId, Start start, Set<String> memberOf) {
        switch (start.resume()) {
            case AHEAD -> mirror.holdBack(c, lastEventId);
            case FROM_SEQ -> offerRetained(c, start.seq(), memberOf);
            case UNKNOWN, EXPIRED -> {
                c.offerReplay(resetFrame(
                        start.resume() == History.Resume.UNKNOWN ? ResetReason.UNKNOWN : ResetReason.EXPIRED));
                offerRetained(c, 0, memberOf);
                if (start.holdBack()) {
                    mirror.holdBack(c, lastEventId);
                }
            }
        }
    }

    /** Queues the retained events after {@code seq} that {@code c} is entitled to. */
    void offerRetained(DefaultSseConnection c, long seq, Set<String> memberOf) {
        for (Iterator<History.Entry> it = history.after(seq); it.hasNext(); ) {
            History.Entry e = it.next();
            if ((e.room() == null || memberOf.contains(e.room())) && c.accepts(e.type())) {
                c.offerReplay(e.frame());
            }
        }
    }

    /** Returns a {@code reset} for one connection, and counts it: called once per connection reset. */
    SseFrame resetFrame(ResetReason reason) {
        counters.replayResets[reason.ordinal()].increment();
        return SseFrame.encode(SseEvent.builder()
                .id(history == null ? null : history.resetId())
                .type(Hub.RESET_EVENT)
                .data("{\"reason\":\"" + reason.wireName() + "\"}")
                .build());
    }
}
