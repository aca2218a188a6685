package dev.ssekit;

import dev.ssekit.ModelLedger.Client;
import dev.ssekit.ModelLedger.Conn;
import dev.ssekit.ModelLedger.Live;
import dev.ssekit.ModelLedger.Pub;
import dev.ssekit.ModelLedger.Scope;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * One seeded schedule of the core: registries (one on its own, or two sharing an in-memory relay),
 * clients that connect, join and leave rooms, stall, fail, drop and reconnect with the last event id
 * they saw, publishers of recorded and unrecorded events and direct messages, heartbeat sweeps, and
 * drains run when the schedule says so. Everything runs on the calling thread, in an order drawn
 * from the seed, so a seed replays the same schedule. At the end every client comes back once more
 * on a healthy connection, the registries close, and {@link ModelLedger} checks what each client
 * received.
 *
 * <p>Confined to one thread; one instance runs one schedule.
 */
final class CoreModel {

    /** What one schedule found. */
    record Outcome(long seed, String config, List<ModelLedger.Violation> violations, List<String> trace) {

        /** The seed, the configuration, what was violated, and the schedule step by step. */
        String report() {
            StringBuilder sb = new StringBuilder("seed ")
                    .append(seed)
                    .append(" (")
                    .append(config)
                    .append(")\n");
            violations.forEach(v -> sb.append("  ").append(v).append('\n'));
            sb.append("schedule:\n");
            trace.forEach(line -> sb.append(line).append('\n'));
            return sb.toString();
        }
    }

    private static final String[] STABLE_ROOMS = {"r0", "r1", "r2"};
    private static final String[] CHURN_ROOMS = {"c0", "c1"};

    /** A registry and what the model knows of its history. */
    private final class Server {
        final int index;
        final SseRegistry registry;
        final SharedLog.Relay relay;
        boolean paused;
        int delivered; // recorded events this server has delivered (its mirror's newest position)
        int base; // positions at or below were never given to it after its last resync
        int resyncs; // times it lost its place in the relay
        int boundary; // log index (1-based) of its mirror's boundary at its last resync: ids before it are expired here
        long published; // publishes and sends made through it that the core accepted
        long sends; // of which direct messages
        long dropped; // frames dropped under DROP_OLDEST, as last seen

        Server(int index, SharedLog.Relay relay) {
            this.index = index;
            this.relay = relay;
            SseRegistry.Builder b = SseRegistry.builder()
                    .heartbeat(heartbeat)
                    .writeTimeout(writeTimeout)
                    .history(historyEvents)
                    .queueCapacity(queueFrames)
                    .overflow(overflow)
                    .ticker(clock)
                    .scheduler(scheduler)
                    .drainExecutor(drains)
                    .serializer(String::valueOf); // the model publishes text only; skips building a JSON mapper per
            // registry
            if (relay != null) {
                b.relay(relay);
            }
            this.registry = b.build();
        }

        /** Positions at or below this are no longer retained here. */
        int floor() {
            return Math.max(base, delivered - historyEvents);
        }

        String name() {
            return servers.size() == 1 ? "" : index == 0 ? "A" : "B";
        }
    }

    /** Runs tasks only when the schedule says so. */
    private static final class HeldExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }
    }

    private final long seed;
    private final Random rnd;
    private final ModelLedger ledger = new ModelLedger();
    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final HeldExecutor drains = new HeldExecutor();
    private final List<Server> servers = new ArrayList<>();
    private final List<Integer> logRecorded = ledger.logRecorded;

    private final boolean relayed;
    private final OverflowPolicy overflow;
    private final int historyEvents;
    private final int queueFrames;
    private final Duration heartbeat;
    private final Duration writeTimeout;
    private int tick;
    private int liveCount;
    private boolean refuseNext;

    private CoreModel(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.relayed = rnd.nextInt(3) == 0;
        this.overflow = rnd.nextBoolean() ? OverflowPolicy.DISCONNECT : OverflowPolicy.DROP_OLDEST;
        this.historyEvents = 3 + rnd.nextInt(10);
        this.queueFrames = 1 + rnd.nextInt(4);
        this.heartbeat = Duration.ofSeconds(1);
        this.writeTimeout = rnd.nextBoolean() ? Duration.ofSeconds(3) : null;
    }

    /** Runs the schedule of {@code seed}, {@code steps} random steps long, and checks it. */
    static Outcome run(long seed, int steps) {
        CoreModel model = new CoreModel(seed);
        model.play(steps);
        return new Outcome(seed, model.config(), List.copyOf(model.ledger.violations), List.copyOf(model.ledger.trace));
    }

    private String config() {
        return (relayed ? "two servers on a relay" : "one server") + ", " + overflow + ", history "
                + historyEvents + ", queue " + queueFrames + ", write timeout "
                + (writeTimeout == null ? "off" : writeTimeout.toSeconds() + " s") + ", "
                + ledger.clients.size() + " clients";
    }

    private void play(int steps) {
        SharedLog log = relayed ? new SharedLog() : null;
        int serverCount = relayed ? 2 : 1;
        for (int i = 0; i < serverCount; i++) {
            servers.add(new Server(i, log == null ? null : log.join()));
        }
        int clientCount = 2 + rnd.nextInt(3);
        for (int i = 0; i < clientCount; i++) {
            Set<String> rooms = new TreeSet<>();
            for (String room : STABLE_ROOMS) {
                if (rnd.nextBoolean()) {
                    rooms.add(room);
                }
            }
            ledger.clients.add(new Client("u" + i, rooms));
        }
        try {
            for (ledger.step = 1; ledger.step <= steps; ledger.step++) {
                tick++;
                randomStep();
                noticeEnded();
            }
            settle();
        } catch (RuntimeException | AssertionError e) {
            ledger.violation(ModelInvariant.CRASH, e.toString());
            servers.forEach(s -> s.registry.close());
            return;
        }
        checkCounts();
        ledger.checkComplete();
    }

    // ---- the random steps -------------------------------------------------------------------------

    private void randomStep() {
        int k = rnd.nextInt(100);
        boolean done;
        if (k < 22) {
            done = publishRecorded();
        } else if (k < 30) {
            done = publishUnrecorded();
        } else if (k < 34) {
            done = sendDirect();
        } else if (k < 38) {
            done = join();
        } else if (k < 41) {
            done = leave();
        } else if (k < 48) {
            done = withConn(c -> {
                c.transport.setReady(false);
                return "stalls";
            });
        } else if (k < 56) {
            done = withConn(c -> {
                if (rnd.nextBoolean()) {
                    c.transport.setReady(true);
                    return "reads";
                }
                int writes = 1 + rnd.nextInt(3);
                c.transport.readyFor(writes);
                return "reads " + writes + " frames";
            });
        } else if (k < 58) {
            done = withConn(c -> {
                c.transport.failWrites(new IOException("connection reset by peer (model)"));
                return "will fail its next write";
            });
        } else if (k < 65) {
            done = withConn(c -> {
                c.transport.clientGone();
                return "goes away";
            });
        } else if (k < 66) {
            done = withConn(c -> {
                c.connection.close();
                return "is closed by the application";
            });
        } else if (k < 77) {
            done = reconnect();
        } else if (k < 82) {
            long millis = 200 + rnd.nextInt(1800);
            clock.advance(Duration.ofMillis(millis));
            scheduler.runPending();
            ledger.trace("clock +" + millis + " ms, sweep");
            done = true;
        } else if (k < 96 || !relayed) {
            done = false;
        } else {
            done = relayStep();
        }
        if (!done && rnd.nextBoolean()) {
            runDrains(rnd.nextInt(3) == 0 ? 1 : Integer.MAX_VALUE);
        }
    }

    private String pickRoom() {
        int k = rnd.nextInt(10);
        if (k < 2) {
            return null;
        }
        return k < 8 ? STABLE_ROOMS[rnd.nextInt(STABLE_ROOMS.length)] : CHURN_ROOMS[rnd.nextInt(CHURN_ROOMS.length)];
    }

    private Server publisher() {
        Server first = servers.get(0);
        if (servers.size() == 1) {
            return first;
        }
        Server second = servers.get(1);
        return second.paused || rnd.nextBoolean() ? first : second; // only B ever stops reading
    }

    private boolean publishRecorded() {
        String room = pickRoom();
        int pos = ledger.pubs.size() + 1;
        Server s = publisher();
        SseEvent event = SseEvent.of("rec", "E" + pos);
        String where = (room == null ? "everyone" : room) + " via " + s.name();
        try {
            armRefusal(s);
            PublishResult r = room == null ? s.registry.publish(event) : s.registry.publish(room, event);
            ledger.pubs.add(new Pub(pos, r.id(), room, ledger.step));
            ledger.posById.put(r.id(), pos);
            s.published++;
            appended(pos);
            ledger.trace("publish E" + pos + " to " + where + ": id " + r.id() + ", queued " + r.queued());
        } catch (RelayUnavailableException e) {
            ledger.trace("publish to " + where + " refused by the relay");
        } finally {
            disarmRefusal(s);
        }
        return true;
    }

    /** An application id on an unrecorded event: none mostly, else one that could mislead a client. */
    private String appId() {
        int k = rnd.nextInt(10);
        if (k < 6) {
            return null;
        }
        if (k == 6) {
            return "";
        }
        if (k == 7) {
            return "0";
        }
        if (k == 8 && !ledger.pubs.isEmpty()) {
            return ledger.pubs.get(rnd.nextInt(ledger.pubs.size())).id(); // a stale id of the registry's own
        }
        return "app-" + rnd.nextInt(100);
    }

    private boolean publishUnrecorded() {
        String room = pickRoom();
        String token = "L" + (++liveCount);
        Server s = publisher();
        String id = appId();
        SseEvent event = new SseEvent(id, "live", token, null, null);
        String what = token + (id == null ? "" : " with id \"" + id + "\"") + " to "
                + (room == null ? "everyone" : room) + " via " + s.name();
        try {
            armRefusal(s);
            PublishResult r = room == null
                    ? s.registry.publish(event.withRecorded(false))
                    : s.registry.publish(room, event.withRecorded(false));
            ledger.lives.put(token, new Live(token, room == null ? Scope.ALL : Scope.ROOM, room, null, tick));
            s.published++;
            appended(0);
            ledger.trace("publish unrecorded " + what + ": queued " + r.queued());
        } catch (RelayUnavailableException e) {
            ledger.trace("publish unrecorded " + what + " refused by the relay");
        } catch (IllegalArgumentException e) {
            ledger.trace("publish unrecorded " + what + " refused: " + e.getMessage());
        } finally {
            disarmRefusal(s);
        }
        return true;
    }

    private boolean sendDirect() {
        if (ledger.conns.isEmpty()) {
            return false;
        }
        // Mostly an open connection; sometimes one that has ended.
        Conn target = ledger.conns.get(rnd.nextInt(ledger.conns.size()));
        List<Conn> open = ledger.conns.stream().filter(c -> !c.ended).toList();
        if (!open.isEmpty() && rnd.nextInt(4) != 0) {
            target = open.get(rnd.nextInt(open.size()));
        }
        String token = "L" + (++liveCount);
        Server s = publisher();
        String id = appId();
        SseEvent event = new SseEvent(id, "dm", token, null, null);
        String what = token + (id == null ? "" : " with id \"" + id + "\"") + " to " + target.name + " via " + s.name();
        try {
            armRefusal(s);
            PublishResult r = s.registry.send(target.connection.id(), event);
            ledger.lives.put(token, new Live(token, Scope.DIRECT, null, target, tick));
            s.published++;
            s.sends++;
            appended(0);
            ledger.trace("send " + what + ": queued " + r.queued());
        } catch (RelayUnavailableException e) {
            ledger.trace("send " + what + " refused by the relay");
        } catch (IllegalArgumentException e) {
            ledger.trace("send " + what + " refused: " + e.getMessage());
        } finally {
            disarmRefusal(s);
        }
        return true;
    }

    private void armRefusal(Server s) {
        if (refuseNext && s.relay != null) {
            s.relay.refuse(true);
        }
    }

    private void disarmRefusal(Server s) {
        if (refuseNext && s.relay != null) {
            s.relay.refuse(false);
            refuseNext = false;
        }
    }

    /** Notes a message the relay appended ({@code pos} 0: unrecorded) or a recorded publish here. */
    private void appended(int pos) {
        if (relayed) {
            logRecorded.add(pos);
        }
        if (pos > 0) {
            for (Server s : servers) {
                if (!s.paused) {
                    s.delivered = pos;
                }
            }
        }
    }

    private boolean join() {
        Conn c = randomOpenConn();
        if (c == null) {
            return false;
        }
        String room = CHURN_ROOMS[rnd.nextInt(CHURN_ROOMS.length)];
        if (c.connection.join(room)) {
            c.client.churnRooms.add(room);
            c.client.everChurned.add(room);
            c.memberUntil.put(room, Integer.MAX_VALUE);
            ledger.trace(c.name + " joins " + room);
        }
        return true;
    }

    private boolean leave() {
        Conn c = randomOpenConn();
        if (c == null || c.client.churnRooms.isEmpty()) {
            return false;
        }
        String room = c.client.churnRooms.iterator().next();
        if (c.connection.leave(room)) {
            c.client.churnRooms.remove(room);
            c.memberUntil.put(room, tick);
            ledger.trace(c.name + " leaves " + room);
        }
        return true;
    }

    private boolean withConn(Function<Conn, String> action) {
        Conn c = randomOpenConn();
        if (c == null) {
            return false;
        }
        ledger.trace(c.name + " " + action.apply(c));
        return true;
    }

    private Conn randomOpenConn() {
        List<Client> connected = new ArrayList<>(ledger.clients.size());
        for (Client cl : ledger.clients) {
            if (cl.conn != null) {
                connected.add(cl);
            }
        }
        return connected.isEmpty() ? null : connected.get(rnd.nextInt(connected.size())).conn;
    }

    private boolean reconnect() {
        List<Client> away =
                ledger.clients.stream().filter(cl -> cl.conn == null).toList();
        if (away.isEmpty()) {
            return false;
        }
        connect(away.get(rnd.nextInt(away.size())), rnd.nextInt(4) != 0);
        return true;
    }

    /** Opens a connection for {@code cl}, with the last event id its browser holds and its rooms. */
    private void connect(Client cl, boolean ready) {
        Server s = servers.get(rnd.nextInt(servers.size()));
        RecordingTransport t = ready ? new RecordingTransport() : RecordingTransport.notReady();
        Duration retry = rnd.nextBoolean() ? Duration.ofMillis(500 + rnd.nextInt(1000)) : null;
        ConnectOptions options = ConnectOptions.builder(cl.owner)
                .rooms(cl.rooms())
                .lastEventId(cl.lastEventId.isEmpty() ? null : cl.lastEventId)
                .announce(true)
                .retry(retry)
                .build();
        int floor = s.floor();
        SseConnection connection = Connections.open(s.registry, t, options);
        String name = cl.owner + "#" + (++cl.connections) + s.name();
        Conn c = new Conn(
                cl,
                s.index,
                name,
                connection,
                t,
                cl.lastEventId,
                retry == null ? null : retry.toMillis(),
                floor,
                s.delivered);
        c.expectsResumeReset = expectsResumeReset(s, options.lastEventId());
        c.serverResyncs = s.resyncs;
        cl.conn = c;
        ledger.conns.add(c);
        ledger.trace(name + " opens on rooms " + cl.rooms() + " with last id \"" + cl.lastEventId + "\""
                + (ready ? "" : ", not reading yet") + "; server retains after E" + floor);
    }

    /**
     * Whether a client resuming on {@code s} with {@code lastEventId} must first be told
     * {@code reset}: its id is not one of the server's, or what followed it is no longer retained.
     */
    private boolean expectsResumeReset(Server s, String lastEventId) {
        if (lastEventId == null || lastEventId.equals("0")) {
            return false;
        }
        Integer pos = !relayed && lastEventId.endsWith("-0") ? Integer.valueOf(0) : ledger.posById.get(lastEventId);
        if (relayed && lastEventId.matches("1-[0-9]{1,9}") && Integer.parseInt(lastEventId.substring(2)) < s.boundary) {
            // Before the message its mirror kept as the boundary when it lost its place in the
            // relay: what followed the id may have been lost, and the server cannot tell.
            return true;
        }
        if (pos == null
                && relayed
                && lastEventId.matches("1-[0-9]{1,9}")
                && Integer.parseInt(lastEventId.substring(2)) <= logRecorded.size()) {
            // An unrecorded message's relay id (a mirror's boundary after a resync): the client has
            // every recorded event before it.
            pos = 0;
            for (int i = 0; i < Integer.parseInt(lastEventId.substring(2)); i++) {
                pos = Math.max(pos, logRecorded.get(i));
            }
        }
        if (pos == null && relayed) {
            // A mirror's local position, given before it had a relay id: known only to the server
            // that gave it, until that server resyncs or stops retaining what followed it.
            int[] local = ledger.localPositions.get(lastEventId);
            return local == null || local[0] != s.index || local[2] != s.resyncs || local[1] < s.floor();
        }
        if (pos == null) {
            return true;
        }
        if (!relayed) {
            return pos < s.floor();
        }
        if (pos > s.delivered || s.floor() >= s.delivered) {
            return false; // ahead of this server's mirror, or the mirror is empty: held back until it has caught up
        }
        return pos <= s.floor(); // a mirror does not know the id just before what it retains
    }

    private boolean relayStep() {
        int k = rnd.nextInt(3);
        Server b = servers.get(1);
        if (k == 0) {
            if (b.paused) {
                b.paused = false;
                b.relay.resume();
                b.delivered = ledger.pubs.size();
                ledger.trace("B reads the relay again");
            } else {
                b.paused = true;
                b.relay.pause();
                ledger.trace("B stops reading the relay");
            }
        } else if (k == 1) {
            Server s = servers.get(rnd.nextInt(2));
            int keep = rnd.nextInt(logRecorded.size() + 1);
            int base = 0;
            // With a gap, the mirror keeps the oldest message it is given as its boundary, not retained.
            for (int i = 0; i < Math.min(logRecorded.size(), logRecorded.size() - keep + 1); i++) {
                base = Math.max(base, logRecorded.get(i));
            }
            s.relay.resyncWithGap(keep);
            s.base = base;
            s.resyncs++;
            // The relay names the entry before those it gives back (given nothing, the newest), so
            // the mirror never loses its place: that entry is its boundary. With an empty log there is
            // none, and every id the relay holds comes after the gap.
            s.boundary = keep == 0 ? logRecorded.size() : logRecorded.size() - keep + 1;
            s.delivered = ledger.pubs.size();
            for (Conn c : ledger.conns) {
                if (!c.ended && c.server == s.index) {
                    c.resyncReplays.add(new int[] {s.floor(), s.delivered});
                }
            }
            ledger.trace(s.name() + " lost its place in the relay: resynced with the last " + keep
                    + " messages, retains after E" + s.floor());
        } else {
            refuseNext = true;
            ledger.trace("the relay will refuse the next publish");
        }
        return true;
    }

    private void runDrains(int max) {
        int ran = 0;
        while (ran < max && !drains.tasks.isEmpty() && ran < 100_000) {
            drains.tasks.poll().run();
            ran++;
        }
        if (ran > 0) {
            ledger.trace("drain executor runs " + ran + " task" + (ran == 1 ? "" : "s"));
        }
    }

    /** Ends, in the ledger, every connection whose transport the registry has closed. */
    private void noticeEnded() {
        for (Server s : servers) {
            if (overflow != OverflowPolicy.DROP_OLDEST) {
                break;
            }
            long dropped = s.registry.stats().framesDropped();
            if (dropped != s.dropped) {
                s.dropped = dropped;
                for (Conn c : ledger.conns) {
                    if (c.server == s.index && !c.ended) {
                        c.droppedByPolicy = true;
                    }
                }
            }
        }
        for (Conn c : ledger.conns) {
            if (!c.ended && c.transport.isClosed()) {
                ledger.end(c, tick);
            }
        }
        for (Server s : servers) {
            int open = 0;
            for (Conn c : ledger.conns) {
                if (!c.ended && c.server == s.index) {
                    open++;
                }
            }
            if (s.registry.stats().connections() != open) {
                ledger.violation(
                        ModelInvariant.COUNTS,
                        s.name() + " counts " + s.registry.stats().connections() + " open connections, the model "
                                + open);
            }
        }
    }

    // ---- the end of a schedule --------------------------------------------------------------------

    /**
     * Lets every client catch up: the relay delivers everything, every connection reads what is
     * queued, then every client goes away and comes back once on a healthy connection, reads its
     * replay, and the registries close.
     */
    private void settle() {
        ledger.step++;
        ledger.trace("-- settle --");
        tick++;
        for (Server s : servers) {
            if (s.paused) {
                s.paused = false;
                s.relay.resume();
                s.delivered = ledger.pubs.size();
            }
        }
        for (Conn c : ledger.conns) {
            if (!c.ended) {
                c.transport.setReady(true);
            }
        }
        runDrains(Integer.MAX_VALUE);
        noticeEnded();
        for (Client cl : ledger.clients) {
            if (cl.conn != null) {
                cl.conn.transport.clientGone();
            }
        }
        noticeEnded();
        tick++;
        for (Client cl : ledger.clients) {
            connect(cl, true);
        }
        runDrains(Integer.MAX_VALUE);
        noticeEnded();
        tick++;
        servers.forEach(s -> s.registry.close());
        runDrains(Integer.MAX_VALUE);
        noticeEnded();
    }

    private void checkCounts() {
        for (Conn c : ledger.conns) {
            List<String> violations = c.transport.violations();
            if (!violations.isEmpty()) {
                ledger.violation(ModelInvariant.TRANSPORT, c.name + ": " + violations);
            }
            if (c.transport.frames().size() != c.framesAtEnd) {
                ledger.violation(
                        ModelInvariant.TRANSPORT,
                        c.name + ": " + (c.transport.frames().size() - c.framesAtEnd)
                                + " frames written after the connection ended");
            }
        }
        for (Server s : servers) {
            SseStats st = s.registry.stats();
            List<Conn> mine =
                    ledger.conns.stream().filter(c -> c.server == s.index).toList();
            long written =
                    mine.stream().mapToLong(c -> c.transport.frames().size()).sum();
            long pings = mine.stream()
                    .flatMap(c -> c.transport.frames().stream())
                    .filter(":ping\n\n"::equals)
                    .count();
            long slow = mine.stream()
                    .filter(c -> c.connection.closeReason() == CloseReason.SLOW_CONSUMER)
                    .count();
            String name = s.name().isEmpty() ? "the server" : s.name();
            check(
                    st.framesWritten() == written,
                    name + " counts " + st.framesWritten() + " frames written, its transports took " + written);
            check(
                    st.slowConsumersDisconnected() == slow,
                    name + " counts " + st.slowConsumersDisconnected() + " slow consumers disconnected, " + slow
                            + " connections closed so");
            check(
                    overflow != OverflowPolicy.DISCONNECT || st.framesDropped() == 0,
                    name + " dropped " + st.framesDropped() + " frames under DISCONNECT");
            check(
                    st.framesQueued() >= st.framesWritten() + st.framesDropped(),
                    name + " queued " + st.framesQueued() + " frames, fewer than written " + st.framesWritten()
                            + " plus dropped " + st.framesDropped());
            check(
                    st.heartbeats() >= pings,
                    name + " counts " + st.heartbeats() + " heartbeats, " + pings + " were written");
            check(st.connections() == 0, name + " counts " + st.connections() + " connections after closing");
            check(
                    st.eventsPublished() >= s.published - s.sends && st.eventsPublished() <= s.published,
                    name + " counts " + st.eventsPublished() + " events published, the model " + s.published
                            + " of which " + s.sends + " direct messages");
        }
    }

    private void check(boolean ok, String detail) {
        if (!ok) {
            ledger.violation(ModelInvariant.COUNTS, detail);
        }
    }
}
