package dev.ssekit.internal;

import dev.ssekit.spi.SseFrame;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiPredicate;

/**
 * The bounded record of published events, kept for replay after a reconnect.
 *
 * <p>Confined to the hub's publish lock: every method is called with it held.
 *
 * <p>Ids are {@code <epoch>-<sequence>}: the epoch (random, in base 36) tells a restarted server's
 * ids from an earlier one's, so a client resuming across a restart is told of
 * the gap instead of being given unrelated events with familiar numbers.
 *
 * <p>A <em>mirror</em> history records events whose ids come from a relay, in the relay's order: the
 * ids are opaque here, so each keeps a local sequence for ordering and is found by a lookup.
 *
 * <p>Every entry's sequence is one more than the previous entry's, so the entries sit in a ring by
 * sequence, and a resume finds where to start by arithmetic: a storm of reconnects against a large
 * history costs each of them only what it is sent, not a scan from the oldest entry under the lock.
 */
final class History {

    /** One recorded event. */
    record Entry(long seq, String id, String room, String type, SseFrame frame, long recordedAtMillis) {}

    /** What a last event id means against this history. */
    enum Resume {
        /** Everything after the id's sequence can be replayed. */
        FROM_SEQ,
        /** The id is not one of this history's: malformed, from a restarted server, or ahead of it. */
        UNKNOWN,
        /** The id is this history's, but events after it were already forgotten. */
        EXPIRED,
        /** A relay's id this mirror has not delivered yet: another server was ahead. */
        AHEAD
    }

    /**
     * The position before everything: a client resuming from it is given whatever is retained, and
     * no {@code reset}. A mirror's position while it has recorded nothing.
     */
    static final String BEFORE_EVERYTHING = "0";

    private static final int MAX_ID_CHARS = 64;

    private static final int INITIAL_RING = 16; // a power of two, as every ring length is

    // The retained entries, oldest at head; grows by doubling up to what maxEvents needs.
    private Entry[] ring = new Entry[INITIAL_RING];
    private int head;
    private int size;
    private final int maxEvents;
    private final long maxBytes;
    private final long maxAgeMillis;
    private final String epoch;
    private final HashMap<String, Long> seqById; // mirror only: the retained entries' ids
    private long bytes;
    private long lastSeq;
    private String lastEvictedId; // mirror only
    private String newestId; // mirror only
    // Mirror only: local positions below this were handed out before the mirror was last cleared,
    // and what followed them may be gone.
    private long clearedAt;
    // Mirror only: cleared with nothing given back after a gap, and nothing recorded since.
    private boolean placeLost;

    History(int maxEvents, long maxBytes, long maxAgeMillis) {
        this(maxEvents, maxBytes, maxAgeMillis, false);
    }

    History(int maxEvents, long maxBytes, long maxAgeMillis, boolean mirror) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
        this.maxAgeMillis = maxAgeMillis;
        this.seqById = mirror ? new HashMap<>() : null;
        // Random, not the start time: two registries started in the same millisecond (a restart, or
        // two servers) must not accept each other's ids.
        this.epoch = Long.toString((ThreadLocalRandom.current().nextLong() >>> 24) | (1L << 39), 36);
    }

    long nextSeq() {
        return ++lastSeq;
    }

    String idOf(long seq) {
        return epoch + "-" + seq;
    }

    /**
     * Records {@code entry}, whose sequence must be {@link #nextSeq()}'s latest: one more than the
     * newest retained entry's.
     */
    void add(Entry entry) {
        if (size > 0 && entry.seq() != newest().seq() + 1) {
            throw new IllegalStateException("sequence " + entry.seq() + " does not follow " + newest().seq());
        }
        if (size == ring.length) {
            grow();
        }
        ring[(head + size) & (ring.length - 1)] = entry;
        size++;
        placeLost = false;
        if (seqById != null) {
            seqById.put(entry.id(), entry.seq());
            newestId = entry.id();
        }
        bytes += entry.frame().size();
        while (size > maxEvents || (bytes > maxBytes && size > 1)) {
            evictFirst();
        }
    }

    private void grow() {
        Entry[] bigger = new Entry[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = at(i);
        }
        ring = bigger;
        head = 0;
    }

    /** The {@code i}th retained entry, oldest first. */
    private Entry at(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    private Entry oldest() {
        return size == 0 ? null : ring[head];
    }

    private Entry newest() {
        return size == 0 ? null : at(size - 1);
    }

    void expire(long nowMillis) {
        if (maxAgeMillis <= 0) {
            return;
        }
        while (size > 0 && nowMillis - oldest().recordedAtMillis() > maxAgeMillis) {
            evictFirst();
        }
    }

    private void evictFirst() {
        Entry e = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        bytes -= e.frame().size();
        if (seqById != null) {
            seqById.remove(e.id());
            lastEvictedId = e.id();
        }
    }

    /** Forgets every entry; a mirror does so when it is filled again from its relay. */
    void clear() {
        Arrays.fill(ring, null);
        head = 0;
        size = 0;
        bytes = 0;
        if (seqById != null) {
            seqById.clear();
            lastEvictedId = null;
            newestId = null;
            placeLost = false; // until told again: a boundary given back places it anew
            // A local position handed out before now may be followed by events the relay no longer
            // gives back: every such position is at or below clearedAt, and every new one above.
            clearedAt = nextSeq();
        }
    }

    /**
     * Makes a cleared mirror's boundary {@code id}, a relay id it does not retain, before everything
     * it records next: the position it hands out, in a {@code reset} or a {@code connected} event,
     * until it records more, and that any server sharing the relay can compare.
     */
    void startAfter(String id) {
        lastEvictedId = id;
        newestId = id;
    }

    /**
     * Notes that this cleared mirror lost its place in the relay and was given nothing back: until
     * it records again, it cannot tell a relay id from before the gap from one after it.
     */
    void losePlace() {
        placeLost = true;
    }

    boolean hasLostPlace() {
        return placeLost;
    }

    /** The oldest retained entry's id, or {@code null} if none is retained. */
    String oldestId() {
        return size == 0 ? null : oldest().id();
    }

    /** A mirror's newest recorded id, retained or not, or {@code null} if it recorded none. */
    String newestId() {
        return newestId;
    }

    int size() {
        return size;
    }

    /**
     * Returns the sequence a client with {@code lastEventId} has seen, or -1 if the id is not one of
     * this history's (foreign epoch, malformed, or ahead of anything published).
     */
    long parse(String lastEventId) {
        if (seqById != null) {
            Long seq = seqById.get(lastEventId);
            if (seq != null) {
                return seq;
            }
            // The two positions this mirror hands out without retaining their event: just before
            // what is retained (a reset's), and the newest when everything has expired.
            if (lastEventId.equals(lastEvictedId) && size > 0) {
                return oldest().seq() - 1;
            }
            if (lastEventId.equals(newestId) && size == 0) {
                return lastSeq;
            }
            // A local position (see positionId), handed out before this mirror had a relay id to
            // give: one from before the last clear is expired, which sequence 0 says to resumeFrom.
            long local = parseLocal(lastEventId);
            return local < 0 ? -1 : local < clearedAt ? 0 : local;
        }
        return parseLocal(lastEventId);
    }

    private long parseLocal(String lastEventId) {
        if (lastEventId.length() > MAX_ID_CHARS) {
            return -1;
        }
        int dash = lastEventId.indexOf('-');
        if (dash < 0 || !lastEventId.regionMatches(0, epoch, 0, dash) || dash != epoch.length()) {
            return -1;
        }
        String digits = lastEventId.substring(dash + 1);
        if (digits.isEmpty() || digits.length() > 18) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        long seq = Long.parseLong(digits);
        return seq > lastSeq ? -1 : seq;
    }

    /** Classifies a sequence from {@link #parse}: can everything after it be replayed? */
    Resume resumeFrom(long seq) {
        if (seq < 0) {
            return Resume.UNKNOWN;
        }
        long oldest = size == 0 ? lastSeq + 1 : oldest().seq();
        return seq < oldest - 1 ? Resume.EXPIRED : Resume.FROM_SEQ;
    }

    /**
     * The id a client should hold once it has been told of a gap: just before what is retained.
     * Never empty, which would erase a browser's last event id and leave it nothing to resume from.
     */
    String resetId() {
        if (seqById != null) {
            String before = size == 0 ? newestId : lastEvictedId;
            if (before != null) {
                return before;
            }
        }
        return idOf(size == 0 ? lastSeq : oldest().seq() - 1);
    }

    /**
     * The position of a client that has everything recorded so far: the newest recorded id, retained
     * or not. A local history's position before its first event is {@code <epoch>-0}, which is
     * still its own, so that resuming from it after the history overflowed, or after a restart, is
     * told of the gap. A mirror's is its newest relay id; before it has one, a local position of
     * the same form, never {@link #BEFORE_EVERYTHING}: "0" cannot tell a client that was here before
     * events the relay has since trimmed from one that was not, so resuming from it would skip them
     * without a {@code reset}, while a local position is known here (and expires with the mirror's
     * entries) and is unknown, so reset, everywhere else.
     */
    String positionId() {
        if (seqById != null && newestId != null) {
            return newestId;
        }
        return idOf(lastSeq);
    }

    /**
     * A mirror's sequence for a relay id it does not retain, which lies between its oldest and newest
     * entries (an unrecorded message's, such as a boundary after a resync): the newest entry before
     * it, found by bisection with the relay's order.
     */
    long seqBefore(String relayId, BiPredicate<String, String> precedes) {
        int lo = 0; // entries before lo precede relayId
        int hi = size; // entries at or after hi do not
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (precedes.test(at(mid).id(), relayId)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == 0 ? (size == 0 ? lastSeq : oldest().seq() - 1) : at(lo - 1).seq();
    }

    /** Entries after {@code seq}, oldest first; where to start is found by arithmetic, not a scan. */
    Iterator<Entry> after(long seq) {
        long skip = size == 0 ? 0 : Math.max(0, seq + 1 - oldest().seq());
        int from = (int) Math.min(size, skip);
        return new Iterator<>() {
            private int next = from;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Entry next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                return at(next++);
            }
        };
    }
}
