package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.SseStats;
import dev.ssekit.SseStats.ResetReason;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.spi.Scheduler;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.Ticker;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine behind {@code SseRegistry}: connections, rooms, history and the heartbeat sweep.
 *
 * <p>Thread-safe. One publish lock orders everything that must agree with history: assigning an
 * id, recording the event, offering it to the members of its room, and, on connect, replaying
 * history and joining the connection's rooms. Offers under the lock are O(1) and do no I/O; the
 * drains they cause run after the lock is released.
 *
 * <p>With an {@link EventRelay}, publishing only hands the event to the relay; recording and
 * offering happen when the relay delivers it back through {@link #sink()}, under the same lock, so
 * the history mirrors the relay's order and the replay boundary stays exact on every server.
 *
 * <p>The hub keeps the lock and the one fan-out that local and relayed events share; the other
 * jobs are helpers it calls: {@link Rooms} (who is in which room), {@link Replay} (what a connection
 * is owed before its live events, from the {@link History}) and {@link RelayMirror} (this
 * server's place in the relay's order) under the lock, {@link DrainDispatch} (who writes what was
 * queued) after it, and {@link Sweep} (heartbeats and write deadlines) on the scheduler.
 */
public final class Hub implements ConnectionContext {

    /** The type of the first event of an announced connection. */
    public static final String CONNECTED_EVENT = "connected";
    /** The type of the event that tells a resuming client its history has a gap. */
    public static final String RESET_EVENT = "reset";

    /** Settings, validated by the registry builder. */
    public record Settings(
            Duration heartbeat,
            Duration writeTimeout,
            int historyEvents,
            long historyBytes,
            Duration historyMaxAge,
            int queueFrames,
            long queueBytes,
            OverflowPolicy overflow,
            int maxRoomsPerConnection,
            int maxEventTypesPerConnection,
            Ticker ticker,
            Scheduler scheduler,
            Runnable stopScheduler,
            DataSerializer serializer,
            Executor drainExecutor,
            boolean ownDrainExecutor,
            EventRelay relay,
            PresenceTracker.Settings presence) {}

    final Counters counters = new Counters();
    private final QueueLimits limits;
    final int maxRoomsPerConnection;
    final int maxEventTypesPerConnection;

    private final Ticker ticker;
    private final DataSerializer serializer;
    private final Scheduler scheduler;
    private final Runnable stopScheduler; // null: the scheduler is not the registry's own
    private final Sweep sweeper;
    private final Duration sweepPeriod; // null: no sweep
    private final DrainDispatch drains;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition emptied = lock.newCondition();
    private final History history; // null when off; guarded by lock
    private final ConcurrentHashMap<UUID, DefaultSseConnection> byId = new ConcurrentHashMap<>();
    private final Rooms rooms = new Rooms(); // changed under lock
    private volatile boolean closed;

    // With a relay: publishing goes through it, and the relay delivers back through the sink.
    private final EventRelay relay; // null for one server on its own
    private final RelayMirror mirror; // null without a relay; guarded by lock but for publishing
    private final Replay replay; // guarded by lock

    private final PresenceTracker presence;

    public Hub(Settings s) {
        this.ticker = s.ticker();
        this.serializer = s.serializer();
        this.limits = QueueLimits.of(
                s.queueFrames(), s.queueBytes(), s.historyEvents() > 0 ? s.historyBytes() : 0, s.overflow());
        this.maxRoomsPerConnection = s.maxRoomsPerConnection();
        this.maxEventTypesPerConnection = s.maxEventTypesPerConnection();
        this.relay = s.relay();
        this.mirror = relay == null ? null : new RelayMirror(relay);
        this.history = s.historyEvents() > 0
                ? new History(
                        s.historyEvents(),
                        s.historyBytes(),
                        s.historyMaxAge() == null ? 0 : s.historyMaxAge().toMillis(),
                        relay != null)
                : null;
        this.replay = new Replay(history, relay, mirror, counters);
        this.scheduler = s.scheduler();
        this.stopScheduler = s.stopScheduler();
        this.drains = new DrainDispatch(s.drainExecutor(), s.ownDrainExecutor(), scheduler, counters);
        this.presence = new PresenceTracker(s.presence(), serializer, this::deliverHere);
        this.sweeper = new Sweep(s.heartbeat(), s.writeTimeout(), rooms, counters, this::nowMillis);
        long period = sweeper.periodMillis();
        this.sweepPeriod = scheduler == null || period <= 0 ? null : Duration.ofMillis(period);
        scheduleSweep();
    }

    /**
     * Schedules the next sweep one period from now: each run schedules the one after it, until the
     * registry closes, so that the scheduler needs nothing but a delay and a task.
     */
    private void scheduleSweep() {
        if (sweepPeriod == null || closed) {
            return;
        }
        try {
            scheduler.schedule(sweepPeriod, this::sweep);
        } catch (RejectedExecutionException e) {
            // The scheduler stopped: an application's own one, shut down before the registry.
        }
    }

    private void sweep() {
        if (closed) {
            return;
        }
        try {
            sweeper.run();
        } finally {
            scheduleSweep();
        }
    }

    // ---- what a connection may ask (ConnectionContext) ------------------------------------------

    @Override
    public QueueLimits limits() {
        return limits;
    }

    @Override
    public int maxEventTypesPerConnection() {
        return maxEventTypesPerConnection;
    }

    @Override
    public Counters counters() {
        return counters;
    }

    /**
     * Monotonic milliseconds, for intervals only (heartbeats, write deadlines, history age): the
     * wall clock would stop heartbeats when stepped back and stall every waiting connection when
     * stepped forward.
     */
    @Override
    public long nowMillis() {
        return Math.floorDiv(ticker.read(), 1_000_000L);
    }

    // ---- connecting ------------------------------------------------------------------------------

    public SseConnection open(SseTransport transport, ConnectOptions options) {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(options, "options");
        // The names are untrusted (a request's): checked here, where they are applied, before any
        // connection exists.
        Set<String> openRooms = Names.checkRooms(options.rooms());
        Set<String> eventTypes = Names.checkEventTypes(options.eventTypes());
        checkCounts(openRooms.size(), eventTypes.size());
        checkOpen();
        String lastEventId =
                options.lastEventId() == null || options.lastEventId().isEmpty() ? null : options.lastEventId();
        boolean heldByRelay = lastEventId != null
                && history != null
                && relay != null
                && isAheadOfMirror(lastEventId)
                && relay.holds(lastEventId);
        String relayNewest = relay == null ? null : relay.newestId();
        DefaultSseConnection c =
                new DefaultSseConnection(UUID.randomUUID(), options.owner(), eventTypes, transport, this);
        transport.start(c);
        if (options.retry() != null) {
            c.offerReplay(
                    SseFrame.encode(SseEvent.builder().retry(options.retry()).build()));
        }
        lock.lock();
        try {
            if (closed) {
                c.close(CloseReason.SHUTDOWN);
                throw new IllegalStateException("registry is closed");
            }
            // The connected event and the start of the replay are decided under the lock that
            // orders publishing, so that the position the client is given is exactly where its
            // live events begin.
            Replay.Start start = history == null
                    ? null
                    : lastEventId == null ? Replay.FRESH : replay.start(lastEventId, heldByRelay, nowMillis());
            if (options.announce()) {
                c.offerReplay(Replay.connectedFrame(c.id(), replay.position(start, lastEventId)));
            }
            if (lastEventId != null && start != null) {
                replay.replay(c, lastEventId, start, openRooms);
            }
            if (c.isOpen()) { // the client may already be gone; then it must not be added
                c.rooms = openRooms;
                for (String room : openRooms) {
                    rooms.addMember(room, c);
                    presence.joined(c, room);
                }
                rooms.add(c);
                byId.put(c.id(), c);
                counters.connectionsOpened.increment();
                if (mirror != null) {
                    mirror.opened(c, relayNewest);
                }
            }
        } finally {
            lock.unlock();
        }
        c.kick();
        return c;
    }

    /** {@link Replay#isAheadOfMirror}, under the lock: called before it is taken to open. */
    private boolean isAheadOfMirror(String lastEventId) {
        lock.lock();
        try {
            return replay.isAheadOfMirror(lastEventId);
        } finally {
            lock.unlock();
        }
    }

    // ---- publishing ------------------------------------------------------------------------------

    /**
     * Offers {@code event} to everyone ({@code room == null}) or to a room's members. With the
     * event {@linkplain SseEvent#recorded() recorded} and history on, it gets the next id and is
     * recorded first, under the same lock, so that a connection opening at the same time either
     * replays it or receives it live, never both and never neither.
     */
    public PublishResult publish(String room, SseEvent event) {
        Objects.requireNonNull(event, "event");
        if (room != null) {
            Names.checkRoom(room);
        }
        checkPublishable(event);
        checkOpen();
        boolean recorded = event.recorded() && history != null;
        if (mirror != null) {
            return mirror.publish(
                    room == null ? RelayMessage.Scope.ALL : RelayMessage.Scope.ROOM,
                    room,
                    event,
                    history != null,
                    counters);
        }
        SseFrame frame = recorded ? null : SseFrame.encode(event);
        String type = event.effectiveType();
        String id = event.id();
        Fanned fanned;
        lock.lock();
        try {
            checkOpen(); // again under the lock: nothing is published after a shutdown's final event
            long now = nowMillis(); // once for every recipient
            if (recorded) {
                long seq = history.nextSeq();
                id = history.idOf(seq);
                frame = SseFrame.encode(event.withId(id));
                history.add(new History.Entry(seq, id, room, type, frame, now));
                history.expire(now);
            }
            fanned = fanOut(
                    room == null ? rooms.everyone() : rooms.members(room), type, frame, now, null, false, recorded);
        } finally {
            lock.unlock();
        }
        counters.eventsPublished.increment();
        drain(fanned);
        return new PublishResult(id, fanned.queued());
    }

    /**
     * What one fan-out did: the connections it offered to (all of them are kicked afterwards, even
     * those that refused: a kick is cheap and finds nothing to do), how many queued the frame, and
     * whether one found the drain executor behind.
     */
    private record Fanned(DefaultSseConnection[] targets, int queued, boolean drainNow) {}

    /**
     * Offers {@code frame} to each of {@code targets} that accepts its type, for a local publish
     * ({@code relayId == null}) and a relayed delivery alike. Called under the lock; the caller
     * drains the result after releasing it. O(1) and no allocation per recipient, and no I/O.
     *
     * <p>With {@code relayId}, the relay mirror may hold the message back from a connection (see
     * {@link RelayMirror#isHeldBack}; {@code fromRelay}: the id is the relay's, not that of one of
     * this server's own presence events).
     */
    private Fanned fanOut(
            DefaultSseConnection[] targets,
            String type,
            SseFrame frame,
            long now,
            String relayId,
            boolean fromRelay,
            boolean recorded) {
        // Decided once: without a relay, or with nobody held back, the loop does what it always did.
        boolean mayHoldBack = relayId != null && mirror != null && mirror.mayHoldBack(fromRelay);
        int queued = 0;
        boolean drainNow = false;
        for (DefaultSseConnection c : targets) {
            if (mayHoldBack && mirror.isHeldBack(c, relayId, fromRelay, recorded)) {
                continue;
            }
            FrameQueue.Offer offered = offerLive(c, type, frame, now);
            if (offered.queued()) {
                queued++;
                drainNow |= offered == FrameQueue.Offer.DRAIN_NOW;
            }
        }
        return new Fanned(targets, queued, drainNow);
    }

    /** Offers a live frame to {@code c}, if it accepts {@code type}: the one step of every fan-out. */
    private static FrameQueue.Offer offerLive(DefaultSseConnection c, String type, SseFrame frame, long now) {
        return c.accepts(type) ? c.offer(frame, FrameKind.LIVE, now) : FrameQueue.Offer.REFUSED;
    }

    /**
     * Refuses what an application may not publish: the registry's own event types, which would make
     * pages adopt a foreign connection id or drop their state; and, with history on, an id of its
     * own, which would replace the client's position with one the history does not know (an empty
     * id would erase it), so that its next resume would be a reset and duplicates.
     */
    private void checkPublishable(SseEvent event) {
        String type = event.type();
        if (CONNECTED_EVENT.equals(type) || RESET_EVENT.equals(type) || PresenceTracker.PRESENCE_EVENT.equals(type)) {
            throw new IllegalArgumentException("type \"" + type + "\" is reserved for the registry's own events");
        }
        if (history != null && event.id() != null) {
            throw new IllegalArgumentException("id must be null when history is on: the registry gives recorded"
                    + " events their ids, and any other id would replace the client's position; was \""
                    + event.id() + "\"");
        }
    }

    public PublishResult send(UUID connectionId, SseEvent event) {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(event, "event");
        checkPublishable(event);
        checkOpen();
        if (mirror != null) {
            // Never recorded, whatever the event says; the relay carries it as it is delivered.
            return mirror.publish(
                    RelayMessage.Scope.CONNECTION,
                    connectionId.toString(),
                    event.withRecorded(false),
                    history != null,
                    counters);
        }
        DefaultSseConnection c = byId.get(connectionId);
        return c == null ? new PublishResult(event.id(), 0) : send(c, event);
    }

    @Override
    public PublishResult send(DefaultSseConnection c, SseEvent event) {
        Objects.requireNonNull(event, "event");
        checkPublishable(event);
        counters.eventsPublished.increment();
        FrameQueue.Offer offered = offerLive(c, event.effectiveType(), SseFrame.encode(event), nowMillis());
        boolean queued = offered.queued();
        if (queued) {
            counters.framesQueued.increment();
        }
        drains.drain(c, offered == FrameQueue.Offer.DRAIN_NOW);
        return new PublishResult(event.id(), queued ? 1 : 0);
    }

    @Override
    public void runCallbacks(Runnable callbacks) {
        drains.runCallbacks(callbacks);
    }

    // ---- draining --------------------------------------------------------------------------------

    /**
     * After a fan-out, outside the lock: counts what was queued and has it written, by the drain
     * executor, or right here when an offer found the executor behind (so this thread helps, and a
     * publisher faster than the drain thread is held back).
     */
    private void drain(Fanned fanned) {
        counters.framesQueued.add(fanned.queued());
        drains.drain(fanned.targets(), fanned.drainNow());
    }

    // ---- publishing through a relay ----------------------------------------------------------------

    /** The sink through which the relay delivers the shared order of events to this server. */
    public RelaySink sink() {
        return new RelaySink() {
            @Override
            public void deliver(String id, RelayMessage message) {
                drains.dispatching(() -> deliverRelayed(id, message, true));
            }

            @Override
            public void resync(List<Delivery> retained, boolean gap) {
                drains.dispatching(() -> resyncRelayed(retained, gap, null, false));
            }

            @Override
            public void resync(List<Delivery> retained, boolean gap, String after) {
                drains.dispatching(() -> resyncRelayed(retained, gap, after, true));
            }
        };
    }

    /**
     * Queues a live event to the members of {@code room} on this server only, even with a relay: a
     * presence event, which each server sends its own members.
     */
    private void deliverHere(String room, SseEvent event) {
        // Not recorded, so the id only matters to a connection still catching up with the relay,
        // which then skips this event.
        deliverRelayed(
                PresenceTracker.PRESENCE_EVENT,
                new RelayMessage(RelayMessage.Scope.ROOM, room, event.withRecorded(false), null),
                false);
    }

    /** Who is in which room, its listeners and its events. */
    public PresenceTracker presence() {
        return presence;
    }

    /**
     * Records and queues one relayed event under the lock, as a publish does here, then has the
     * drain executor write it: the relay's reader only queues frames and moves on. {@code fromRelay}:
     * {@code id} is the relay's (not so for this server's own presence events).
     */
    private void deliverRelayed(String id, RelayMessage m, boolean fromRelay) {
        Objects.requireNonNull(id, "id");
        SseEvent event = m.event();
        boolean recorded = m.recorded() && history != null;
        SseFrame frame = SseFrame.encode(recorded ? event.withId(id) : event);
        String type = event.effectiveType();
        Fanned fanned;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long now = nowMillis();
            if (recorded) {
                history.add(new History.Entry(history.nextSeq(), id, m.target(), type, frame, now));
                history.expire(now);
            }
            if (fromRelay) {
                mirror.passed(id);
            }
            DefaultSseConnection[] targets = switch (m.scope()) {
                case ALL -> rooms.everyone();
                case ROOM -> rooms.members(m.target());
                case CONNECTION -> {
                    DefaultSseConnection c = connectionOrNull(m.target());
                    yield c == null ? Rooms.NONE : new DefaultSseConnection[] {c};
                }
            };
            fanned = fanOut(targets, type, frame, now, id, fromRelay, recorded);
        } finally {
            lock.unlock();
        }
        drain(fanned);
        if (mirror != null) {
            mirror.delivered(m.tag(), fanned.queued());
        }
    }

    private DefaultSseConnection connectionOrNull(String id) {
        try {
            return byId.get(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Replaces the mirror with what the relay gave back and tells the open connections of a gap.
     * {@code afterKnown}: the relay said where it stood before {@code retained} ({@code after}, or
     * nothing at all when {@code after} is null).
     */
    private void resyncRelayed(List<RelaySink.Delivery> retained, boolean gap, String after, boolean afterKnown) {
        DefaultSseConnection[] told;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (history != null) {
                mirror.rebuild(history, retained, gap, after, afterKnown, nowMillis());
            }
            mirror.resynced(retained, after);
            told = rooms.everyone();
            for (DefaultSseConnection c : told) {
                String resumedFrom = mirror.release(c);
                if (history != null && resumedFrom != null) {
                    replay.replay(c, resumedFrom, replay.start(resumedFrom, false, nowMillis()), c.rooms);
                } else if (gap) {
                    c.offerReplay(replay.resetFrame(ResetReason.EXPIRED));
                    if (history != null) {
                        replay.offerRetained(c, 0, c.rooms);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        drains.drainLater(told);
    }

    public SseEvent event(String type, Object data) {
        Objects.requireNonNull(data, "data");
        String text = data instanceof String s ? s : serializer.serialize(data);
        if (text == null) {
            throw new IllegalArgumentException(
                    "data: the serializer returned null for " + data.getClass().getName());
        }
        return new SseEvent(null, type, text, null, null);
    }

    // ---- rooms -----------------------------------------------------------------------------------

    @Override
    public boolean join(DefaultSseConnection c, String room) {
        lock.lock();
        try {
            if (!rooms.join(c, room, maxRoomsPerConnection)) {
                return false;
            }
            presence.joined(c, room);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean leave(DefaultSseConnection c, String room) {
        lock.lock();
        try {
            if (!rooms.leave(c, room)) {
                return false;
            }
            presence.left(c, Set.of(room), null);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks names by the registry's rules and counts by its per-connection limits, without
     * touching any connection: for adapters, before they ask anyone whether the names are allowed.
     */
    public void checkSubscriptions(Collection<String> rooms, Collection<String> eventTypes) {
        checkCounts(
                Names.checkRooms(rooms).size(),
                Names.checkEventTypes(eventTypes).size());
    }

    private void checkCounts(int roomCount, int typeCount) {
        if (roomCount > maxRoomsPerConnection) {
            throw new IllegalArgumentException(
                    "rooms: a connection may join at most " + maxRoomsPerConnection + ", was " + roomCount);
        }
        if (typeCount > maxEventTypesPerConnection) {
            throw new IllegalArgumentException("event types: a connection may choose at most "
                    + maxEventTypesPerConnection + ", was " + typeCount);
        }
    }

    /**
     * Leaves, joins and replaces event types ({@code eventTypes == null}: unchanged) under the
     * lock, so that a publish sees the connection either before or after the whole change. The
     * names are checked; the limits are checked on the result, before anything changes.
     *
     * @return whether the connection is open here, and so was changed
     */
    public boolean changeSubscriptions(UUID id, Set<String> join, Set<String> leave, Set<String> eventTypes) {
        DefaultSseConnection c = byId.get(Objects.requireNonNull(id, "id"));
        if (c == null) {
            return false;
        }
        lock.lock();
        try {
            if (!c.isOpen()) {
                return false;
            }
            Set<String> next = new LinkedHashSet<>(c.rooms);
            next.removeAll(leave);
            next.addAll(join);
            checkCounts(next.size(), eventTypes == null ? 0 : eventTypes.size());
            Set<String> left = new LinkedHashSet<>();
            for (String room : c.rooms) {
                if (!next.contains(room)) {
                    rooms.removeMember(room, c);
                    left.add(room);
                }
            }
            presence.left(c, left, null);
            for (String room : next) {
                if (!c.rooms.contains(room)) {
                    rooms.addMember(room, c);
                    presence.joined(c, room);
                }
            }
            c.rooms = Names.frozen(next);
            if (eventTypes != null) {
                c.setEventTypes(eventTypes);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void countClosed(DefaultSseConnection c) {
        CloseReason reason = c.closeReason();
        counters.connectionsClosed[(reason == null ? CloseReason.CLIENT_GONE : reason).ordinal()].increment();
    }

    /** Removes a closed connection from every room and from the registry. */
    @Override
    public void detach(DefaultSseConnection c) {
        lock.lock();
        try {
            if (mirror != null) {
                mirror.forget(c);
            }
            presence.left(c, c.rooms, c.closeReason());
            if (closed) {
                // Shutting down, every connection leaves: copying the arrays once per connection would
                // make closing n connections cost n^2. Nothing is published any more, so the arrays
                // only have to be right once the last one has left.
                c.rooms = Set.of();
                if (!byId.remove(c.id(), c)) {
                    return;
                }
                countClosed(c);
                if (byId.isEmpty()) {
                    rooms.clear();
                    emptied.signalAll();
                }
                return;
            }
            for (String room : c.rooms) {
                rooms.removeMember(room, c);
            }
            c.rooms = Set.of();
            if (byId.remove(c.id(), c)) {
                rooms.remove(c);
                countClosed(c);
            }
            if (rooms.everyone().length == 0) {
                emptied.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- looking -------------------------------------------------------------------------------

    public Optional<SseConnection> connection(UUID id) {
        return Optional.ofNullable(byId.get(Objects.requireNonNull(id, "id")));
    }

    public List<SseConnection> connections() {
        return closed ? List.copyOf(byId.values()) : List.of(rooms.everyone());
    }

    private int connectionCount() {
        return closed ? byId.size() : rooms.everyone().length;
    }

    public Set<String> rooms() {
        return rooms.names();
    }

    public List<SseConnection> members(String room) {
        List<SseConnection> members = List.of(rooms.members(Objects.requireNonNull(room, "room")));
        return closed ? members.stream().filter(SseConnection::isOpen).toList() : members;
    }

    /** The counters now, with {@code relay} (null without one) as the registry read it. */
    public SseStats stats(SseStats.Relay relay) {
        return new SseStats(
                connectionCount(),
                rooms.count(),
                counters.eventsPublished.sum(),
                counters.framesQueued.sum(),
                counters.framesWritten.sum(),
                counters.framesDropped.sum(),
                counters.slowConsumers.sum(),
                counters.heartbeats.sum(),
                counters.connectionsOpened.sum(),
                Counters.sums(CloseReason.class, counters.connectionsClosed),
                Counters.sums(ResetReason.class, counters.replayResets),
                relay);
    }

    // ---- closing -------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("registry is closed");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops accepting connections, sends {@code finalEvent} (if any) to everyone, lets each stream
     * drain for up to {@code grace}, then closes whatever is left.
     *
     * @return whether every connection drained within the grace period
     */
    public boolean shutdown(SseEvent finalEvent, Duration grace) {
        if (finalEvent != null) {
            checkPublishable(finalEvent); // before anything stops: a refused final event changes nothing
        }
        lock.lock();
        try {
            if (closed) {
                return byId.isEmpty();
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        SseFrame last = finalEvent == null ? null : SseFrame.encode(finalEvent);
        long now = nowMillis();
        for (DefaultSseConnection c : rooms.everyone()) {
            c.seal();
            SseFrame frame = last == null || finalEvent.retry() == null ? last : SseFrame.encode(jittered(finalEvent));
            if (frame != null && c.offer(frame, FrameKind.CONTROL, now).queued()) {
                counters.framesQueued.increment();
            }
            c.finishWhenDrained();
        }
        boolean drained = awaitEmpty(grace);
        for (DefaultSseConnection c : rooms.everyone()) {
            c.close(CloseReason.SHUTDOWN);
        }
        if (stopScheduler != null) {
            stopScheduler.run();
        }
        drains.shutdown();
        if (mirror != null) {
            mirror.close();
        }
        presence.close();
        return drained;
    }

    /**
     * The final event with a retry between its own and twice that, at random, one per connection:
     * so that the clients of a server that stops do not all come back at the same moment.
     */
    private static SseEvent jittered(SseEvent finalEvent) {
        long millis = finalEvent.retry().toMillis();
        long extra = ThreadLocalRandom.current().nextLong(millis + 1);
        return new SseEvent(
                finalEvent.id(),
                finalEvent.type(),
                finalEvent.data(),
                Duration.ofMillis(millis + extra),
                finalEvent.comment(),
                null,
                false);
    }

    private boolean awaitEmpty(Duration grace) {
        long nanos = grace.toNanos();
        lock.lock();
        try {
            while (!byId.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = emptied.awaitNanos(nanos);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
