package dev.ssekit;

import dev.ssekit.internal.Hub;
import dev.ssekit.internal.Idempotency;
import dev.ssekit.internal.Names;
import dev.ssekit.internal.PresenceTracker;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.PresenceShare;
import dev.ssekit.spi.RelayHealth;
import dev.ssekit.spi.Scheduler;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.Ticker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Who is connected, which rooms exist, what each connection has yet to receive, and what to replay
 * after a reconnect.
 *
 * <p>Thread-safe: any thread may publish, open, join, leave and close at any time. Publishing never
 * blocks on a client: it encodes the event once, queues the same bytes for every recipient, and
 * returns; the {@linkplain Builder#drainExecutor drain executor} then writes each connection's
 * queue to its transport when the transport can take it, all the frames queued meanwhile in one
 * go, flushed once. A slow or dead client costs at most its bounded queue and never delays a
 * publisher or another client.
 *
 * <p>Three methods publish: {@link #publish(SseEvent)} to every connection, {@link #publish(String,
 * SseEvent)} to the members of a room, {@link #send} to one connection. Whether an event is
 * recorded for replay is the event's own {@linkplain SseEvent#recorded() flag}, and
 * {@link #event(String, Object)} makes an event whose data is an object serialized once (JSON by
 * default):
 *
 * <pre>{@code
 * SseRegistry registry = SseRegistry.builder()
 *         .heartbeat(Duration.ofSeconds(15))
 *         .history(1_000)
 *         .build();
 *
 * registry.publish("prices", registry.event("tick", quote));                  // JSON, recorded
 * registry.publish(SseEvent.of("notice", "Deploying at 17:00"));               // text, to everyone
 * registry.publish("ticker", registry.event("tick", now).withRecorded(false)); // only those here now
 * registry.send(connectionId, SseEvent.of("hello", "just you"));               // one connection
 * registry.close();                                                            // closes every connection
 * }</pre>
 *
 * <p>Adapters (such as the servlet module) open connections with
 * {@link Connections#open(SseRegistry, SseTransport, ConnectOptions)}.
 *
 * <p><b>History.</b> With {@link Builder#history(int)} on, every recorded event published to
 * everyone or to a room gets an id from the registry, {@code <epoch>-<sequence>}, and is recorded.
 * A connection opened with a last event id receives, before any live event, exactly the recorded
 * events after that id that it is entitled to now: events published to everyone, and events of the
 * rooms it opens with, of the types it chose. If the id is unknown (malformed, from a restarted
 * server, or ahead of this one) or older than what is retained, it first receives a {@code reset}
 * event whose data is {@code {"reason":"unknown"}} or {@code {"reason":"expired"}}, then everything
 * retained that it is entitled to. The last event id {@code "0"} asks for everything retained, with
 * no {@code reset} even if older events were already forgotten: it claims to have seen nothing, so
 * nothing is skipped. An empty last event id counts as none (browsers never send one). The replay
 * is bounded by the history, not by the connection's queue limits: it never makes the connection
 * look like a slow consumer, and {@link OverflowPolicy#DROP_OLDEST} never drops any of it. (Only
 * replays that pile up behind a reader who takes none of them, as a relay's resyncs can queue them,
 * are bounded: past about one history's worth of bytes, the connection is closed as a slow consumer
 * and its client resumes from its last id.) Direct messages ({@link #send}) are never recorded and
 * get no id from the registry.
 *
 * <p><b>A position from the first event on.</b> With history on, every client holds an id it can
 * resume from, whatever it has received: a client that came without a last event id gets, on its
 * {@code connected} event, the id of the newest recorded event (or {@code <epoch>-0} before the
 * first), so that a browser that drops before its first event of its own resumes with exactly what
 * was published meanwhile, or is told of a gap; a client resuming from an id this registry knows
 * gets that id back; and every {@code reset} carries the id just before what is retained. No event
 * the registry writes has an empty id, which would erase the browser's last event id. For the same
 * reason, while history is on, events that are not recorded ({@linkplain SseEvent#withRecorded
 * unrecorded} ones and direct messages) may not carry an id of their own: it would replace the
 * client's position with one the history does not know, and its next resume would be a reset and
 * duplicates. Without history there is nothing to resume: last event ids are ignored, the
 * {@code connected} event has no id, and events keep the ids they were built with.
 *
 * <p><b>Reserved event types.</b> {@value #CONNECTED_EVENT} and {@value #RESET_EVENT} are the
 * registry's own: publishing or sending an event of either type throws
 * {@link IllegalArgumentException}, so that nobody who may publish can make pages adopt another
 * connection's id or drop their state.
 *
 * <p><b>Heartbeats.</b> One sweep on the registry's scheduler queues a {@code :ping} comment to
 * every connection that has had nothing queued for the heartbeat interval and has nothing waiting,
 * and closes with {@link CloseReason#STALLED} every connection whose transport has not taken a
 * write for the write timeout. No thread or task exists per connection.
 *
 * <p><b>Several servers.</b> With {@link Builder#relay(EventRelay)}, every event published to
 * everyone or to a room, and every direct message, goes through the relay, which orders the events
 * of all servers sharing it and delivers each back to every one of them, this one included, exactly
 * once. A recorded event's id is the relay's, the same on every server, and each server's history
 * mirrors the shared order, so a client may resume on any server with the same rules as above. A
 * client resuming from an id this server has not received yet (another server was ahead) gets
 * nothing replayed and no live event up to that id, but everything after it. When the relay has
 * lost events before this server could read them, every open connection receives a {@code reset}
 * event with data {@code {"reason":"expired"}}, then the retained events it is entitled to. A
 * publish waits until the relay has taken the event, then briefly until it has come back here, so
 * that {@link PublishResult#queued()} counts the connections on this server; when the relay cannot
 * take the event, the publish throws {@link RelayUnavailableException} at once and the event
 * reaches no one. Connections stay open through a relay's outage. {@link SseStats#relay()} tells
 * whether the relay carries events now, and how far this server is behind it.
 *
 * <p><b>Presence.</b> {@link #presence(String)} tells who is in a room: its distinct owners (a
 * user with three tabs counts once), described by the application's
 * {@linkplain Builder#describeOwners owner describer} or, by default, only counted; the owner key
 * itself is never shown. A {@link Presence.Listener} hears each room become occupied and empty and
 * each connection join and leave, on a thread of the registry's own. In the rooms chosen with
 * {@link Builder#presenceEvents}, members receive a {@code presence} event, data
 * {@code {"room":"chat","count":2,"members":[...]}} ({@code members} only when some are
 * described), when an owner arrives or departs (not when an owner opens a second connection);
 * changes within {@linkplain Builder#presenceEventDelay a short delay} become one event with the
 * final count. Presence events are live: never recorded, never replayed. With a
 * {@linkplain Builder#presenceShare presence share}, counts and events cover every live server.
 *
 * <p><b>Closing.</b> After {@link #close()} or {@link #shutdown}, every connection is closed and
 * publishing or opening throws {@link IllegalStateException}.
 *
 * @since 1.0
 */
public final class SseRegistry implements AutoCloseable {

    /**
     * The type of the first event on a connection opened with {@link ConnectOptions#announce()};
     * reserved: applications may not publish it.
     */
    public static final String CONNECTED_EVENT = Hub.CONNECTED_EVENT;

    /** The type of the event that tells a resuming client that events were lost; reserved. */
    public static final String RESET_EVENT = Hub.RESET_EVENT;

    /** The type of the event that tells the members of a room who is in it; see {@link Builder#presenceEvents}. */
    public static final String PRESENCE_EVENT = PresenceTracker.PRESENCE_EVENT;

    private static final int MAX_IDEMPOTENCY_KEYS = 100_000;

    private final Hub hub;
    private final EventRelay relay; // null without one
    private final Idempotency idempotency; // without a relay; a relay keeps its own

    private SseRegistry(Hub hub, EventRelay relay, Idempotency idempotency) {
        this.hub = hub;
        this.relay = relay;
        this.idempotency = idempotency;
    }

    /** Publishes, or, for an event with an idempotency key seen within the window, answers as before. */
    private PublishResult once(SseEvent event, Supplier<PublishResult> publish) {
        if (relay != null || event.idempotencyKey() == null) {
            return publish.get(); // a relay applies the key itself, across servers
        }
        return idempotency.once(event.idempotencyKey(), publish);
    }

    /** Returns a builder with the defaults listed on {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Queues {@code event} for every connection whose event types accept it; with history on and
     * the event {@linkplain SseEvent#recorded() recorded}, records it first, under the next id.
     * An event that is not recorded reaches only the connections open now and keeps its own id
     * (none, with history on), so a browser's last event id is left as it was.
     *
     * @return the id the event was sent with and how many connections it was queued to
     * @throws IllegalArgumentException if the event's type is reserved, or history is on and the
     *     event already has an id
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult publish(SseEvent event) {
        return once(event, () -> hub.publish(null, event));
    }

    /**
     * Queues {@code event} for every member of {@code room} whose event types accept it. With
     * history on, a {@linkplain SseEvent#recorded() recorded} event is recorded even when the room
     * has no members now, so that a member who was away gets it on return; one that is not recorded
     * reaches only the members now, as {@link #publish(SseEvent)} says.
     *
     * @return the id the event was sent with and how many connections it was queued to
     * @throws IllegalArgumentException if the room name is invalid, the event's type is reserved,
     *     or history is on and the event already has an id
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult publish(String room, SseEvent event) {
        Objects.requireNonNull(room, "room");
        return once(event, () -> hub.publish(room, event));
    }

    /**
     * Queues {@code event} for one connection, if it is open here and accepts the event's type;
     * with a relay, on whichever server the connection is open. A direct message is never recorded,
     * whatever the event's {@linkplain SseEvent#recorded() flag} says, and gets no id from the
     * registry.
     *
     * @return the event's own id and 1 if it was queued on this server, else 0
     * @throws IllegalArgumentException if the event's type is reserved, or history is on and the
     *     event has an id
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult send(UUID connectionId, SseEvent event) {
        return once(event, () -> hub.send(connectionId, event));
    }

    /**
     * Returns a recorded event of {@code type} whose data is {@code data} serialized once by the
     * registry's {@linkplain Builder#serializer serializer} (JSON through Jackson by default); a
     * {@code String} is taken as it is. Publish it, or send it, like any other event.
     *
     * @param type the event type, or {@code null} for the default {@code "message"}
     * @throws IllegalArgumentException if {@code data} cannot be serialized, or {@code type} is
     *     invalid
     */
    public SseEvent event(String type, Object data) {
        return hub.event(type, data);
    }

    /**
     * Changes the subscriptions of the open connection {@code connectionId} in one step: leaves the
     * rooms in {@code leave}, then joins those in {@code join} (a room in both ends joined), and,
     * unless {@code eventTypes} is {@code null}, replaces its event types (empty means all). All or
     * nothing: if a name is invalid, or the connection would be in more rooms or choose more event
     * types than the registry allows, nothing changes. A publish meanwhile sees the connection
     * either as it was or as it is after the whole change, never in between.
     *
     * @return whether the connection is open here and was changed; {@code false} if it is not
     *     (closed, unknown, or open on another server)
     * @throws IllegalArgumentException naming the field, if a name is invalid or a limit would be
     *     exceeded
     */
    public boolean changeSubscriptions(
            UUID connectionId, Collection<String> join, Collection<String> leave, Collection<String> eventTypes) {
        Set<String> joining = Names.checkRooms(join == null ? Set.of() : join);
        Set<String> leaving = Names.checkRooms(leave == null ? Set.of() : leave);
        Set<String> types = eventTypes == null ? null : Names.checkEventTypes(eventTypes);
        return hub.changeSubscriptions(Objects.requireNonNull(connectionId, "connectionId"), joining, leaving, types);
    }

    /** Returns the open connection with this id, if it is registered here. */
    public Optional<SseConnection> connection(UUID id) {
        return hub.connection(id);
    }

    /** Returns a snapshot of the open connections; {@code stats().connections()} counts them. */
    public List<SseConnection> connections() {
        return hub.connections();
    }

    /** Returns a snapshot of the rooms that have members. */
    public Set<String> rooms() {
        return hub.rooms();
    }

    /** Returns a snapshot of the members of {@code room}; empty if it has none. */
    public List<SseConnection> members(String room) {
        return hub.members(room);
    }

    /**
     * Returns who is in {@code room}: its distinct owners, with a {@linkplain Builder#presenceShare
     * share} on every live server, each described by the {@linkplain Builder#describeOwners owner
     * describer} if there is one. Calls the describer, and the share, on the calling thread.
     *
     * @throws IllegalArgumentException if the room name is invalid
     */
    public Presence presence(String room) {
        return hub.presence().presence(room);
    }

    /**
     * Adds a listener that hears, from now on, every room of this server become occupied and empty,
     * and every connection join and leave a room; see {@link Presence.Listener} for when and where
     * it is called. A listener added twice is called twice.
     */
    public void addPresenceListener(Presence.Listener listener) {
        hub.presence().addListener(listener);
    }

    /**
     * Removes one registration of {@code listener}; calls already queued for it may still come.
     *
     * @return whether it was registered
     */
    public boolean removePresenceListener(Presence.Listener listener) {
        return hub.presence().removeListener(listener);
    }

    /**
     * Returns a snapshot of the counters, and, with a relay, of its health and lag (asked of the
     * relay now; cheap enough for a health check or a metric).
     */
    public SseStats stats() {
        return hub.stats(relay == null ? null : relayStats(relay.health(), relay.lag()));
    }

    private static SseStats.Relay relayStats(RelayHealth health, Duration lag) {
        return new SseStats.Relay(health.isUp(), health.reason(), lag == null || lag.isNegative() ? 0 : lag.toMillis());
    }

    /** For {@link Connections#open}: opens a connection on {@code transport}. */
    private SseConnection open(SseTransport transport, ConnectOptions options) {
        return hub.open(transport, options);
    }

    /** For {@link Connections#checkSubscriptions}: checks names and counts without changing anything. */
    private void checkSubscriptions(Collection<String> rooms, Collection<String> eventTypes) {
        hub.checkSubscriptions(rooms == null ? Set.of() : rooms, eventTypes == null ? Set.of() : eventTypes);
    }

    /** Returns whether {@link #close()} or {@link #shutdown} has been called. */
    public boolean isClosed() {
        return hub.isClosed();
    }

    /**
     * Shuts down gracefully: refuses new connections, queues {@code finalEvent} (if not null) to
     * every connection, waits up to {@code grace} for every stream to be written out and closed,
     * then closes the rest. Every connection closes with {@link CloseReason#SHUTDOWN}. A final
     * event with a {@link SseEvent#retry() retry} tells browsers when to come back: each connection
     * receives it with a retry between that one and twice it, at random, so that the clients of a
     * stopping server do not all come back at the same moment.
     *
     * @return whether every connection finished within {@code grace}
     * @throws IllegalArgumentException if {@code finalEvent} could not be published: it has one of
     *     the registry's own types, or an id while history is on; the registry then stays open
     */
    public boolean shutdown(SseEvent finalEvent, Duration grace) {
        return hub.shutdown(finalEvent, Objects.requireNonNull(grace, "grace"));
    }

    /**
     * Closes every connection at once, with {@link CloseReason#SHUTDOWN}, and the relay if any;
     * idempotent. Frames queued but not yet written are dropped: to let streams finish writing,
     * call {@link #shutdown} instead.
     */
    @Override
    public void close() {
        hub.shutdown(null, Duration.ZERO);
    }

    /**
     * Configures an {@link SseRegistry}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: heartbeat every 15 s; write timeout 30 s; no history; queues of 1,024 frames and
     * 4 MiB; {@link OverflowPolicy#DISCONNECT}; 64 rooms and 64 event types per connection;
     * {@link Ticker#system()}; a scheduler of one daemon thread and a drain executor of another,
     * both stopped by {@link SseRegistry#close()}; JSON through Jackson.
     */
    public static final class Builder {
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private int historyEvents;
        private long historyBytes = 64L << 20;
        private Duration historyMaxAge;
        private int queueFrames = 1_024;
        private long queueBytes = 4L << 20;
        private OverflowPolicy overflow = OverflowPolicy.DISCONNECT;
        private int maxRooms = 64;
        private int maxEventTypes = 64;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler;
        private DataSerializer serializer;
        private Executor drainExecutor;
        private EventRelay relay;
        private Function<String, ?> describer;
        private Pattern presenceRooms;
        private Duration presenceDelay = Duration.ofMillis(200);
        private PresenceShare presenceShare;
        private Duration idempotencyWindow = Duration.ofMinutes(5);

        private Builder() {}

        /**
         * Sets how long a publish with an {@linkplain SseEvent#idempotencyKey() idempotency key}
         * is remembered without a relay: a repeat within it is delivered no more and answers as the
         * first did. Five minutes by default; at most 100,000 keys are
         * remembered, the oldest forgotten first. With a relay, the relay's window applies.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder idempotencyWindow(Duration window) {
            Objects.requireNonNull(window, "idempotencyWindow");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("idempotencyWindow must be positive: " + window);
            }
            this.idempotencyWindow = window;
            return this;
        }

        /**
         * Sends a heartbeat comment ({@code :ping}) to connections idle this long, so that proxies
         * keep them open and dead ones are found; {@code null} or zero turns heartbeats off.
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positiveOrNull("heartbeat", interval);
            return this;
        }

        /**
         * Closes a connection with {@link CloseReason#STALLED} when its transport has not been able
         * to take a write for this long; {@code null} or zero turns the deadline off.
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = positiveOrNull("writeTimeout", timeout);
            return this;
        }

        /** Records up to {@code maxEvents} events for replay; 0 turns history off. */
        public Builder history(int maxEvents) {
            if (maxEvents < 0) {
                throw new IllegalArgumentException("history must not be negative: " + maxEvents);
            }
            this.historyEvents = maxEvents;
            return this;
        }

        /** Bounds the recorded events' encoded size; the newest event is always kept. */
        public Builder historyBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("historyBytes must be positive: " + maxBytes);
            }
            this.historyBytes = maxBytes;
            return this;
        }

        /** Forgets recorded events older than {@code maxAge}; {@code null} keeps them by count only. */
        public Builder historyMaxAge(Duration maxAge) {
            this.historyMaxAge = positiveOrNull("historyMaxAge", maxAge);
            return this;
        }

        /**
         * Bounds each connection's queue to this many live frames; frames that bring a client up to
         * date ({@code retry}, {@code connected}, {@code reset}, a replay) and heartbeats do not
         * count.
         */
        public Builder queueCapacity(int frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1: " + frames);
            }
            this.queueFrames = frames;
            return this;
        }

        /**
         * Bounds each connection's queue to this many bytes of live frames; one frame always fits
         * an empty queue. Replayed frames are bounded by the history's bytes and this, together.
         */
        public Builder queueBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("queueBytes must be at least 1: " + bytes);
            }
            this.queueBytes = bytes;
            return this;
        }

        /** Chooses what a full queue does. */
        public Builder overflow(OverflowPolicy policy) {
            this.overflow = Objects.requireNonNull(policy, "overflow");
            return this;
        }

        /** Bounds how many rooms one connection may be in. */
        public Builder maxRoomsPerConnection(int max) {
            this.maxRooms = atLeastOne("maxRoomsPerConnection", max);
            return this;
        }

        /** Bounds how many event types one connection may choose. */
        public Builder maxEventTypesPerConnection(int max) {
            this.maxEventTypes = atLeastOne("maxEventTypesPerConnection", max);
            return this;
        }

        /**
         * Measures heartbeats, write deadlines and history age with {@code ticker}, a monotonic
         * clock, instead of {@link System#nanoTime()}; for tests. The registry never reads the wall
         * clock: a step of the machine's date changes none of its intervals.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Runs the heartbeat and write-deadline sweep (which schedules itself again after each run,
         * until the registry closes), and the close callbacks that must not run where the
         * connection closed (see {@link SseConnection#onClose}), on {@code scheduler}; for tests,
         * or to share a thread. The registry does not stop it. By default the registry runs one
         * daemon thread of its own, which {@link SseRegistry#close()} stops.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Serializes the {@code Object} data of {@link SseRegistry#event(String, Object)}. */
        public Builder serializer(DataSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /**
         * Writes queued frames to transports on {@code executor}, which the registry then does not
         * shut down.
         *
         * <p>A publish only queues its frame for each recipient and hands the writing to this
         * executor, a few tasks per publish (one per slice of about a thousand recipients), never
         * one per recipient. Frames queued for a connection while a task waits or runs are written
         * together and flushed once, so under load a client gets several events per write. A
         * transport that was not ready is resumed on the thread that reports it writable, not here.
         * Should the executor fall so far behind that a connection's queue fills before any drain
         * has reached it, the publisher writes that publish's frames itself: the executor's lag
         * never makes a client that keeps up look like a slow consumer, and a publisher faster than
         * the executor is held back.
         *
         * <p>By default the registry runs one daemon thread of its own, which {@link
         * SseRegistry#close()} stops: one thread writes to a great many non-blocking transports,
         * and an executor of several threads spreads a large publish over them. {@code
         * Runnable::run} writes on the publishing thread instead, before publish returns, with no
         * thread and no hand-off, but then a publisher pays for every write its events cause.
         * Tasks rejected by the executor run on the publishing thread.
         */
        public Builder drainExecutor(Executor executor) {
            this.drainExecutor = Objects.requireNonNull(executor, "drainExecutor");
            return this;
        }

        /**
         * Publishes through {@code relay}, shared with other servers, instead of delivering here
         * directly; see "Several servers" on {@link SseRegistry}. The registry starts the relay
         * when it is built and closes it when it is closed. Every server sharing the relay should
         * use the same history settings.
         */
        public Builder relay(EventRelay relay) {
            this.relay = Objects.requireNonNull(relay, "relay");
            return this;
        }

        /**
         * Describes owners in {@link SseRegistry#presence} and presence events: {@code describer}
         * returns the application's public description of an owner key (for example its display
         * name, or a small record that serializes to JSON), or {@code null} to count the owner
         * without listing it. By default every owner is only counted: the owner key (which may be a
         * session id) is never shown. The describer is called for each owner whenever a presence is
         * made, so it should be quick (a lookup); one that throws is logged and counts as
         * {@code null}.
         */
        public Builder describeOwners(Function<String, ?> describer) {
            this.describer = Objects.requireNonNull(describer, "describer");
            return this;
        }

        /**
         * Sends a live {@value SseRegistry#PRESENCE_EVENT} event to the members of every room whose
         * whole name matches {@code rooms} whenever an owner arrives in the room or departs from
         * it, with the room's new presence; see "Presence" on {@link SseRegistry}. The event passes
         * a connection's event-type filter like any other.
         */
        public Builder presenceEvents(Pattern rooms) {
            this.presenceRooms = Objects.requireNonNull(rooms, "rooms");
            return this;
        }

        /**
         * Gathers the changes of a room for this long into one presence event, so that a burst (a
         * reconnect storm) sends one event with the final count; default 200 ms.
         */
        public Builder presenceEventDelay(Duration delay) {
            Objects.requireNonNull(delay, "presenceEventDelay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("presenceEventDelay must not be negative: " + delay);
            }
            this.presenceDelay = delay;
            return this;
        }

        /**
         * Shares presence with other servers through {@code share}, so that {@link
         * SseRegistry#presence} and presence events count the owners of every live server. The
         * registry starts it when it is built and closes it when it is closed.
         */
        public Builder presenceShare(PresenceShare share) {
            this.presenceShare = Objects.requireNonNull(share, "presenceShare");
            return this;
        }

        /** Returns a new registry; it starts its heartbeat sweep, and its relay if any, at once. */
        public SseRegistry build() {
            // heartbeats, write deadlines and deferred close callbacks
            ScheduledThreadPoolExecutor own = scheduler == null ? newScheduler() : null;
            Scheduler s = own == null ? scheduler : Scheduler.of(own);
            boolean ownDrains = drainExecutor == null;
            Hub hub = new Hub(new Hub.Settings(
                    heartbeat,
                    writeTimeout,
                    historyEvents,
                    historyBytes,
                    historyMaxAge,
                    queueFrames,
                    queueBytes,
                    overflow,
                    maxRooms,
                    maxEventTypes,
                    ticker,
                    s,
                    own == null ? null : own::shutdownNow,
                    serializer == null ? DataSerializer.jackson() : serializer,
                    ownDrains ? newDrainExecutor() : drainExecutor,
                    ownDrains,
                    relay,
                    new PresenceTracker.Settings(describer, presenceRooms, presenceDelay, presenceShare)));
            try {
                if (relay != null) {
                    relay.start(hub.sink());
                }
                hub.presence().start();
            } catch (RuntimeException e) {
                hub.shutdown(null, Duration.ZERO);
                throw e;
            }
            return new SseRegistry(
                    hub, relay, new Idempotency(idempotencyWindow.toMillis(), MAX_IDEMPOTENCY_KEYS, ticker));
        }

        private static Executor newDrainExecutor() {
            return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "ssekit-drain");
                t.setDaemon(true);
                return t;
            });
        }

        private static ScheduledThreadPoolExecutor newScheduler() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "ssekit-scheduler");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }

        private static Duration positiveOrNull(String name, Duration d) {
            if (d == null || d.isZero()) {
                return null;
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + d);
            }
            return d;
        }

        private static int atLeastOne(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1: " + value);
            }
            return value;
        }
    }

    /**
     * What a connection does when a frame arrives and its outbound queue is full.
     *
     * <p>A queue is full when it holds its limit of frames or of bytes. Either way the event is
     * counted in {@link SseStats}.
     */
    public enum OverflowPolicy {

        /**
         * Drop the oldest queued live frames until the new one fits. The client misses those events
         * without being told, so use this for streams where only the latest state matters (tickers,
         * stats). What brings a client up to date ({@code retry}, {@code connected}, {@code reset},
         * a replay) never counted against the limits and is never dropped. Counted in {@link
         * SseStats#framesDropped()}.
         */
        DROP_OLDEST,

        /**
         * Close the connection with {@link CloseReason#SLOW_CONSUMER}. From the refused frame on,
         * nothing more is queued or written to it, so the browser reconnects with the id of the
         * last event before the refused one and, when history is on, gets everything it missed.
         * Counted in {@link SseStats#slowConsumersDisconnected()}.
         */
        DISCONNECT
    }
}
