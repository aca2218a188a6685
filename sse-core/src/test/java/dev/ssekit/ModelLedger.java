package dev.ssekit;

import dev.ssekit.WhatwgParser.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The model's side of one schedule: what was published, who is entitled to what, and what each
 * client made of the bytes it received. Confined to the schedule's one thread.
 *
 * <p>Every recorded event has a <em>position</em>: 1 for the first one published, and so on, the
 * order every server delivers them in. A client is entitled to every recorded broadcast and every
 * recorded event of a room it stays in, at positions after its <em>floor</em>: at first, what its
 * server had delivered when the first connection whose {@code connected} event it read opened (a
 * client that never read a byte is new to the server whenever it comes); after a {@code reset}, the position just
 * before what the server retained when it sent the reset. Rooms a client joins and leaves on the
 * way (the churn rooms) may or may not be replayed to it, depending on when it resumes, so their
 * events are neither owed nor forbidden to it; a room it was never in is forbidden. Unrecorded
 * events and direct messages are at most once, and only for a connection that was a member (or
 * the target) when, or after, they were published.
 *
 * <p>Each connection's bytes are parsed when it ends, as a browser parses them, starting from the
 * client's last event id; what that leaves as the last event id is what the client resumes with.
 */
final class ModelLedger {

    /** One recorded event: its position, the id it was published with, its room ({@code null}: broadcast). */
    record Pub(int pos, String id, String room, int step) {}

    /** Whom an unrecorded event or direct message was for. */
    enum Scope {
        ALL,
        ROOM,
        DIRECT
    }

    /** One unrecorded event or direct message. */
    record Live(String token, Scope scope, String room, Conn target, int tick) {}

    /** A violation of one invariant, at one step of the schedule. */
    record Violation(ModelInvariant invariant, int step, String detail) {
        @Override
        public String toString() {
            return invariant + " at step " + step + ": " + detail;
        }
    }

    /** A client: an owner that keeps reconnecting with the last event id it saw. */
    static final class Client {
        final String owner;
        final Set<String> stableRooms; // joined on every connection, never left
        final Set<String> churnRooms = new TreeSet<>(); // joined now
        final Set<String> everChurned = new TreeSet<>();
        final Set<String> liveSeen = new HashSet<>();
        boolean started; // has read a connected event: from then on, events are owed to it
        String lastEventId = "";
        int floor; // positions at or below are not owed in this epoch
        int progress; // highest position received in this epoch, or the floor
        Conn conn; // the open connection, or null
        int connections;

        Client(String owner, Set<String> stableRooms) {
            this.owner = owner;
            this.stableRooms = stableRooms;
        }

        Set<String> rooms() {
            Set<String> all = new TreeSet<>(stableRooms);
            all.addAll(churnRooms);
            return all;
        }

        boolean owed(Pub p) {
            return p.room() == null || stableRooms.contains(p.room());
        }

        boolean forbidden(Pub p) {
            return p.room() != null && !stableRooms.contains(p.room()) && !everChurned.contains(p.room());
        }
    }

    /** One connection of a client, and what the model knows of it. */
    static final class Conn {
        final Client client;
        final int server;
        final String name;
        final SseConnection connection;
        final RecordingTransport transport;
        final String startLastEventId; // the client's last event id when it opened
        final Long retryMillis;
        final int openFloor; // the server's retention floor when it opened
        final int liveAfter; // positions above this reached the connection live, not in its replay
        boolean expectsResumeReset; // its last event id was unknown or expired where it opened
        int serverResyncs; // how often its server had resynced when it opened
        final List<int[]> resyncReplays = new ArrayList<>(); // (floor, newest] replayed after each resync
        int resyncsRead; // resyncs matched to a reset the client read, or passed over
        boolean droppedByPolicy; // its server dropped frames under DROP_OLDEST while it was open
        final Map<String, Integer> memberUntil = new HashMap<>(); // room -> last tick a member
        int closeTick = Integer.MAX_VALUE;
        boolean ended;
        int framesAtEnd;

        Conn(
                Client client,
                int server,
                String name,
                SseConnection connection,
                RecordingTransport transport,
                String startLastEventId,
                Long retryMillis,
                int openFloor,
                int liveAfter) {
            this.client = client;
            this.server = server;
            this.name = name;
            this.connection = connection;
            this.transport = transport;
            this.startLastEventId = startLastEventId;
            this.retryMillis = retryMillis;
            this.openFloor = openFloor;
            this.liveAfter = liveAfter;
            for (String room : client.rooms()) {
                memberUntil.put(room, Integer.MAX_VALUE);
            }
        }

        /**
         * Whether the event at {@code pos}, found missing after the client last read the {@code reset}
         * of the resync at index {@code resync} on this connection (-1: none yet), came as a live
         * frame, which DROP_OLDEST may drop without telling the client, rather than in a replay,
         * which it must not. Only the replay that follows the last reset read is one: a frame
         * queued before a resync's reset was queued live, even when that resync then replays the
         * same event again.
         */
        boolean mayBeDropped(int pos, int resync) {
            if (!droppedByPolicy || pos <= liveAfter) {
                return false;
            }
            if (resync >= 0) {
                int[] r = resyncReplays.get(resync);
                return !(pos > r[0] && pos <= r[1]);
            }
            return true;
        }

        /** Whether a resync whose reset the client has not read yet put it at {@code floor}. */
        boolean resyncPending(int floor) {
            for (int i = resyncsRead; i < resyncReplays.size(); i++) {
                if (resyncReplays.get(i)[0] == floor) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The resync whose {@code reset} the client just read, which put it at {@code floor} (null if
         * the reset's id does not say): the next one not yet read with that floor, since a resync
         * that placed a connection still catching up sends it no reset; else the next one; -1 if none
         * is left.
         */
        int readResync(Integer floor) {
            for (int i = resyncsRead; floor != null && i < resyncReplays.size(); i++) {
                if (resyncReplays.get(i)[0] == floor) {
                    resyncsRead = i + 1;
                    return i;
                }
            }
            return resyncsRead < resyncReplays.size() ? resyncsRead++ : -1;
        }

        boolean memberAtOrAfter(String room, int tick) {
            if (closeTick < tick) {
                return false;
            }
            return room == null || memberUntil.getOrDefault(room, -1) >= tick;
        }
    }

    final List<Pub> pubs = new ArrayList<>();
    final List<Integer> logRecorded = new ArrayList<>(); // relay: each log entry's position, 0 if unrecorded
    final Map<String, Integer> posById = new HashMap<>();
    /**
     * A mirror's local positions (ids that are not the relay's), as clients ended holding them:
     * {server, position, the server's resyncs when the connection that got it opened}.
     */
    final Map<String, int[]> localPositions = new HashMap<>();

    final Map<String, Live> lives = new HashMap<>();
    final List<Client> clients = new ArrayList<>();
    final List<Conn> conns = new ArrayList<>();
    final List<Violation> violations = new ArrayList<>();
    final List<String> trace = new ArrayList<>();
    int step;

    void violation(ModelInvariant invariant, String detail) {
        violations.add(new Violation(invariant, step, detail));
        trace.add(stepLabel() + "   ! " + invariant + ": " + detail);
    }

    void trace(String line) {
        trace.add(stepLabel() + " " + line);
    }

    private String stepLabel() {
        String n = Integer.toString(step);
        return "    ".substring(Math.min(4, n.length())) + n;
    }

    private Pub pubOf(String token) {
        if (!token.startsWith("E")) {
            return null;
        }
        int pos = Integer.parseInt(token.substring(1));
        return pos >= 1 && pos <= pubs.size() ? pubs.get(pos - 1) : null;
    }

    /** Reads what a connection that has ended received, as its client's browser would, and checks it. */
    void end(Conn conn, int tick) {
        conn.ended = true;
        conn.closeTick = tick;
        conn.framesAtEnd = conn.transport.frames().size();
        Client cl = conn.client;
        if (cl.conn == conn) {
            cl.conn = null;
        }
        WhatwgParser.Result parsed = WhatwgParser.parse(conn.transport.bytes(), conn.startLastEventId);
        List<Message> messages = parsed.messages();
        if (conn.retryMillis != null && !messages.isEmpty() && !conn.retryMillis.equals(parsed.reconnectionTime())) {
            violation(ModelInvariant.PRELUDE, conn.name + " dispatched events without the retry field first");
        }
        StringBuilder seen = new StringBuilder();
        boolean preludeResetTaken = false;
        boolean eventSeen = false;
        int resync = -1; // the last resync whose reset was read
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            switch (m.type()) {
                case SseRegistry.CONNECTED_EVENT -> {
                    seen.append(" connected");
                    start(conn);
                    if (i != 0 || !m.data().contains(conn.connection.id().toString())) {
                        violation(ModelInvariant.PRELUDE, conn.name + ": connected event at " + i + ", not first");
                    }
                }
                case SseRegistry.RESET_EVENT -> {
                    // A resync's reset may come first too, when the server had nothing to replay: the
                    // reset's position tells it from the one the model expected on resuming.
                    Integer at = positionAt(m.lastEventId());
                    boolean prelude = conn.expectsResumeReset
                            && !eventSeen
                            && !preludeResetTaken
                            && (at == null || at == conn.openFloor || !conn.resyncPending(at));
                    int floor;
                    if (prelude) {
                        preludeResetTaken = true;
                        floor = conn.openFloor;
                        if (i != 1) {
                            violation(
                                    ModelInvariant.PRELUDE,
                                    conn.name + ": reset at " + i + ", not right after connected");
                        }
                        if (cl.progress > floor) {
                            violation(
                                    ModelInvariant.NEEDLESS_RESET,
                                    conn.name + " resumed from \""
                                            + conn.startLastEventId + "\" having E" + cl.progress
                                            + ", but was reset to E" + floor + ", before what it had");
                        }
                    } else {
                        resync = conn.readResync(positionAt(m.lastEventId()));
                        if (resync < 0) {
                            violation(ModelInvariant.PRELUDE, conn.name + ": a reset nothing asked for, at " + i);
                            floor = cl.progress;
                        } else {
                            floor = conn.resyncReplays.get(resync)[0];
                        }
                    }
                    seen.append(" reset(E")
                            .append(floor)
                            .append(prelude ? ",resume" : ",resync")
                            .append(')');
                    // Whatever the client lacked up to the floor is gone, and it was told.
                    cl.floor = floor;
                    cl.progress = floor;
                }
                case "rec" -> {
                    eventSeen = true;
                    Pub p = pubOf(m.data());
                    seen.append(' ').append(m.data());
                    if (p == null) {
                        violation(ModelInvariant.UNENTITLED, conn.name + ": unknown recorded event " + m.data());
                        continue;
                    }
                    received(conn, p, m, resync);
                }
                case "live", "dm" -> {
                    eventSeen = true;
                    seen.append(' ').append(m.data());
                    receivedLive(conn, m);
                }
                default -> violation(ModelInvariant.UNENTITLED, conn.name + ": unexpected event " + m);
            }
        }
        cl.lastEventId = parsed.lastEventId();
        // A local position belongs to the server that handed it out: a connection that only carried
        // it (it read no id of its own, on whichever server) does not make it that server's.
        if (!cl.lastEventId.isEmpty()
                && !posById.containsKey(cl.lastEventId)
                && !cl.lastEventId.equals(conn.startLastEventId)) {
            localPositions.put(cl.lastEventId, new int[] {conn.server, cl.progress, conn.serverResyncs});
        }
        trace("  " + conn.name + " ended (" + conn.connection.closeReason() + ") after " + conn.framesAtEnd + " frames:"
                + seen + " | last id \"" + cl.lastEventId + "\", has E" + cl.progress);
    }

    /**
     * The client exists for the server from the first thing it read: events are owed to it from
     * where its server stood when that connection opened, however it then goes away.
     */
    private static void start(Conn conn) {
        Client cl = conn.client;
        if (!cl.started) {
            cl.started = true;
            cl.floor = conn.liveAfter;
            cl.progress = conn.liveAfter;
        }
    }

    private void received(Conn conn, Pub p, Message m, int resync) {
        start(conn);
        Client cl = conn.client;
        if (!p.id().equals(m.lastEventId())) {
            violation(
                    ModelInvariant.ID,
                    conn.name + ": E" + p.pos() + " published as \"" + p.id() + "\" was dispatched with last id \""
                            + m.lastEventId() + "\"");
        }
        if (cl.forbidden(p)) {
            violation(
                    ModelInvariant.UNENTITLED,
                    conn.name + ": E" + p.pos() + " of room " + p.room() + ", which " + cl.owner + " was never in");
        }
        if (p.pos() <= cl.progress) {
            violation(
                    ModelInvariant.ORDER,
                    conn.name + ": E" + p.pos() + " after E" + cl.progress
                            + (p.pos() <= cl.floor ? ", at or before its floor E" + cl.floor : ""));
            return;
        }
        List<Integer> skipped = owedBetween(cl, cl.progress, p.pos());
        skipped.removeIf(pos -> conn.mayBeDropped(pos, resync)); // lost by the overflow policy, as documented
        if (!skipped.isEmpty()) {
            violation(
                    ModelInvariant.MISSING,
                    conn.name + ": E" + p.pos() + " came after E" + cl.progress + ", skipping owed " + names(skipped)
                            + hint(conn));
        }
        cl.progress = p.pos();
    }

    private void receivedLive(Conn conn, Message m) {
        Live l = lives.get(m.data());
        if (l == null) {
            violation(ModelInvariant.UNENTITLED, conn.name + ": unknown unrecorded event " + m.data());
            return;
        }
        if (!conn.client.liveSeen.add(l.token())) {
            violation(ModelInvariant.DUPLICATE_LIVE, conn.name + ": " + l.token() + " again");
        }
        boolean entitled = switch (l.scope()) {
            case ALL -> conn.memberAtOrAfter(null, l.tick());
            case ROOM -> conn.memberAtOrAfter(l.room(), l.tick());
            case DIRECT -> l.target() == conn;
        };
        if (!entitled) {
            violation(
                    ModelInvariant.UNENTITLED,
                    conn.name + ": " + l.token() + " (" + l.scope() + (l.room() == null ? "" : " " + l.room())
                            + ") was not for it");
        }
    }

    /**
     * The position a client holding {@code id} has: a recorded event's, or for a relay's id of an
     * unrecorded message, the last recorded one before it; null for any other id.
     */
    Integer positionAt(String id) {
        Integer pos = posById.get(id);
        if (pos != null || !id.matches("1-[0-9]{1,9}")) {
            return pos;
        }
        int index = Integer.parseInt(id.substring(2));
        if (index > logRecorded.size()) {
            return null;
        }
        int before = 0;
        for (int i = 0; i < index; i++) {
            before = Math.max(before, logRecorded.get(i));
        }
        return before;
    }

    /** What the connection went through that may explain a loss, for the reader of a failure. */
    private static String hint(Conn conn) {
        List<String> hints = new ArrayList<>();
        if (conn.startLastEventId.isEmpty() && conn.client.connections > 1) {
            hints.add("resumed with no last event id");
        }
        if (conn.connection.closeReason() == CloseReason.SLOW_CONSUMER) {
            hints.add("closed as a slow consumer");
        }
        if (conn.droppedByPolicy) {
            hints.add("its server dropped frames");
        }
        if (!conn.resyncReplays.isEmpty()) {
            hints.add("resynced");
        }
        return hints.isEmpty() ? "" : " [" + String.join("; ", hints) + "]";
    }

    /** Positions in {@code (from, to)} owed to {@code cl}. */
    private List<Integer> owedBetween(Client cl, int from, int to) {
        List<Integer> owed = new ArrayList<>();
        for (int pos = from + 1; pos < to && pos <= pubs.size(); pos++) {
            if (cl.owed(pubs.get(pos - 1))) {
                owed.add(pos);
            }
        }
        return owed;
    }

    /** After the schedule settled: every client has every event owed to it. */
    void checkComplete() {
        for (Client cl : clients) {
            if (!cl.started) {
                continue;
            }
            List<Integer> missing = owedBetween(cl, cl.progress, pubs.size() + 1);
            if (!missing.isEmpty()) {
                violation(
                        ModelInvariant.MISSING,
                        cl.owner + " (rooms " + cl.stableRooms + ") has E" + cl.progress
                                + " and last id \"" + cl.lastEventId + "\" but never received owed " + names(missing)
                                + (cl.lastEventId.isEmpty() ? " [resumes with no last event id]" : ""));
            }
        }
    }

    private String names(List<Integer> positions) {
        StringBuilder sb = new StringBuilder();
        for (int pos : positions) {
            Pub p = pubs.get(pos - 1);
            sb.append(sb.length() == 0 ? "" : ", ")
                    .append('E')
                    .append(pos)
                    .append(p.room() == null ? "" : "@" + p.room())
                    .append(" (step ")
                    .append(p.step())
                    .append(')');
        }
        return sb.toString();
    }
}
