package dev.ssekit;

import dev.ssekit.internal.Hub;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayUnavailableException;
import dev.ssekit.spi.SseTransport;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
 * <pre>{@code
 * SseRegistry registry = SseRegistry.builder()
 *         .heartbeat(Duration.ofSeconds(15))
 *         .history(1_000)
 *         .build();
 *
 * registry.publish("prices", SseEvent.of("tick", "{\"EURUSD\":1.0842}"));
 * registry.publish("prices", "tick", quote);          // quote serialized to JSON once
 * registry.send(connectionId, SseEvent.of("hello"));  // one connection only
 * registry.close();                                   // closes every connection
 * }</pre>
 *
 * <p><b>History.</b> With {@link Builder#history(int)} on, every broadcast and room event gets an id
 * from the registry, {@code <epoch>-<sequence>}, and is recorded. A connection opened with a last
 * event id receives, before any live event, exactly the recorded events after that id that it is
 * entitled to now: broadcasts, and events of the rooms it opens with, of the types it chose. If the
 * id is unknown (malformed, from a restarted server, or ahead of this one) or older than what is
 * retained, it first receives a {@code reset} event whose data is
 * {@code {"reason":"unknown"}} or {@code {"reason":"expired"}}, then everything retained that it
 * is entitled to. The last event id {@code "0"} asks for everything retained, with no {@code reset}
 * even if older events were already forgotten: it claims to have seen nothing, so nothing is
 * skipped. An empty last event id counts as none (browsers never send one). The replay is bounded
 * by the history, not by the connection's queue limits: it never makes the connection look like a
 * slow consumer, and {@link OverflowPolicy#DROP_OLDEST} never drops any of it. (Only replays that
 * pile up behind a reader who takes none of them, as a relay's resyncs can queue them, are bounded:
 * past about one history's worth of bytes, the connection is closed as a slow consumer and its
 * client resumes from its last id.) Direct messages ({@link #send}) are never recorded and get no id from the
 * registry. Without history, last event ids are ignored and events keep the ids they were built
 * with.
 *
 * <p><b>Heartbeats.</b> One sweep on the registry's scheduler queues a {@code :ping} comment to
 * every connection that has had nothing queued for the heartbeat interval and has nothing waiting,
 * and closes with {@link CloseReason#STALLED} every connection whose transport has not taken a
 * write for the write timeout. No thread or task exists per connection.
 *
 * <p><b>Several servers.</b> With {@link Builder#relay(EventRelay)}, every broadcast, room event
 * and direct message goes through the relay, which orders the events of all servers sharing it
 * and delivers each back to every one of them, this one included, exactly once. A recorded event's
 * id is the relay's, the same on every server, and each server's history mirrors the shared order,
 * so a client may resume on any server with the same rules as above. A client resuming from an id
 * this server has not received yet (another server was ahead) gets nothing replayed and no live
 * event up to that id, but everything after it. When the relay has lost events before this server
 * could read them, every open connection receives a {@code reset} event with data
 * {@code {"reason":"expired"}}, then the retained events it is entitled to. A publish waits until
 * the relay has taken the event, then briefly until it has come back here, so that
 * {@link PublishResult#queued()} counts the connections on this server; when the relay cannot take
 * the event, the publish throws {@link RelayUnavailableException} at once and the event reaches no
 * one. Connections stay open through a relay's outage.
 *
 * <p><b>Closing.</b> After {@link #close()} or {@link #shutdown}, every connection is closed and
 * publishing or opening throws {@link IllegalStateException}.
 *
 * @since 1.0
 */
public final class SseRegistry implements AutoCloseable {

    /** The type of the first event on a connection opened with {@link ConnectOptions#announce()}. */
    public static final String CONNECTED_EVENT = Hub.CONNECTED_EVENT;

    /** The type of the event that tells a resuming client that events were lost. */
    public static final String RESET_EVENT = Hub.RESET_EVENT;

    private final Hub hub;

    private SseRegistry(Hub hub) {
        this.hub = hub;
    }

    /** Returns a builder with the defaults listed on {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers a new connection that writes through {@code transport}. Called by adapters.
     *
     * <p>Before this returns, the connection has joined its rooms and has queued, in this order: the
     * {@code retry} field and the {@code connected} event if the options ask for them, then any
     * replay. No live event can come between the replay and the live stream, and none is missed.
     *
     * @throws IllegalArgumentException if the options ask for more rooms or event types than allowed
     * @throws IllegalStateException if the registry is closed
     */
    public SseConnection open(SseTransport transport, ConnectOptions options) {
        return hub.open(transport, options);
    }

    /**
     * Queues {@code event} for every connection whose event types accept it.
     *
     * @return the id the event was sent with and how many connections it was queued to
     * @throws IllegalArgumentException if history is on and the event already has an id
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult broadcast(SseEvent event) {
        return hub.publish(null, event, true);
    }

    /** Serializes {@code data} once and broadcasts it as an event of {@code type}. */
    public PublishResult broadcast(String type, Object data) {
        return broadcast(hub.event(type, data));
    }

    /**
     * Queues {@code event} for every member of {@code room} whose event types accept it. With history
     * on, the event is recorded even when the room has no members now, so that a member who was away
     * gets it on return.
     *
     * @return the id the event was sent with and how many connections it was queued to
     * @throws IllegalArgumentException if the room name is invalid, or history is on and the event
     *     already has an id
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult publish(String room, SseEvent event) {
        return hub.publish(Objects.requireNonNull(room, "room"), event, true);
    }

    /** Serializes {@code data} once and publishes it to {@code room} as an event of {@code type}. */
    public PublishResult publish(String room, String type, Object data) {
        return publish(room, hub.event(type, data));
    }

    /**
     * Queues {@code event} for every connection open now whose event types accept it, without
     * recording it: for events only the present care about (a ticker, live stats), which would
     * otherwise push the events that matter out of the history. The event keeps its own id, if any;
     * it gets none from the registry, so a browser's last event id is left as it was.
     *
     * @return the event's own id and how many connections it was queued to
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult broadcastLive(SseEvent event) {
        return hub.publish(null, event, false);
    }

    /**
     * Queues {@code event} for the members of {@code room} now, without recording it; see
     * {@link #broadcastLive}. The event is encoded once for all of them.
     *
     * @return the event's own id and how many connections it was queued to
     * @throws IllegalArgumentException if the room name is invalid
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult publishLive(String room, SseEvent event) {
        return hub.publish(Objects.requireNonNull(room, "room"), event, false);
    }

    /** Serializes {@code data} once and publishes it live to {@code room}; see {@link #publishLive}. */
    public PublishResult publishLive(String room, String type, Object data) {
        return publishLive(room, hub.event(type, data));
    }

    /**
     * Queues {@code event} for one connection, if it is open here and accepts the event's type; with
     * a relay, on whichever server the connection is open. The event is not recorded in history.
     *
     * @return the event's own id and 1 if it was queued on this server, else 0
     * @throws IllegalStateException if the registry is closed
     * @throws RelayUnavailableException if there is a relay and it cannot take the event now
     */
    public PublishResult send(UUID connectionId, SseEvent event) {
        return hub.send(connectionId, event);
    }

    /** Serializes {@code data} and sends it to one connection as an event of {@code type}. */
    public PublishResult send(UUID connectionId, String type, Object data) {
        return hub.send(connectionId, hub.event(type, data));
    }

    /** Returns the open connection with this id, if it is registered here. */
    public Optional<SseConnection> connection(UUID id) {
        return hub.connection(id);
    }

    /** Returns a snapshot of the open connections. */
    public List<SseConnection> connections() {
        return hub.connections();
    }

    /** Returns the number of open connections. */
    public int connectionCount() {
        return hub.connectionCount();
    }

    /** Returns a snapshot of the rooms that have members. */
    public Set<String> rooms() {
        return hub.rooms();
    }

    /** Returns a snapshot of the members of {@code room}; empty if it has none. */
    public List<SseConnection> members(String room) {
        return hub.members(room);
    }

    /** Returns a snapshot of the counters. */
    public SseStats stats() {
        return hub.stats();
    }

    /** Returns whether this registry publishes through an {@link EventRelay}, shared with other servers. */
    public boolean isRelayed() {
        return hub.isRelayed();
    }

    /** Returns whether {@link #close()} or {@link #shutdown} has been called. */
    public boolean isClosed() {
        return hub.isClosed();
    }

    /**
     * Shuts down gracefully: refuses new connections, queues {@code finalEvent} (if not null) to
     * every connection, waits up to {@code grace} for every stream to be written out and closed,
     * then closes the rest. Every connection closes with {@link CloseReason#SHUTDOWN}. A final event
     * with a {@link SseEvent#retry() retry} tells browsers when to come back.
     *
     * @return whether every connection finished within {@code grace}
     */
    public boolean shutdown(SseEvent finalEvent, Duration grace) {
        return hub.shutdown(finalEvent, Objects.requireNonNull(grace, "grace"));
    }

    /**
     * Closes every connection at once, with {@link CloseReason#SHUTDOWN}, and the relay if any;
     * idempotent. Frames queued but not yet written are dropped: to let streams finish writing, call
     * {@link #shutdown} instead.
     */
    @Override
    public void close() {
        hub.shutdown(null, Duration.ZERO);
    }

    /**
     * Configures an {@link SseRegistry}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: heartbeat every 15 s; write timeout 30 s; no history; queues of 1,024 frames and
     * 4 MiB; {@link OverflowPolicy#DISCONNECT}; 64 rooms and 64 event types per connection; the
     * system clock; a scheduler of one daemon thread and a drain executor of another, both stopped
     * by {@link SseRegistry#close()}; JSON through Jackson.
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
        private InstantSource clock = InstantSource.system();
        private ScheduledExecutorService scheduler;
        private DataSerializer serializer;
        private Executor drainExecutor;
        private EventRelay relay;

        private Builder() {}

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
         * date ({@code retry}, {@code connected}, {@code reset}, a replay) and heartbeats do not count.
         */
        public Builder queueCapacity(int frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1: " + frames);
            }
            this.queueFrames = frames;
            return this;
        }

        /**
         * Bounds each connection's queue to this many bytes of live frames; one frame always fits an
         * empty queue. Replayed frames are bounded by the history's bytes and this, together.
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

        /** Uses {@code clock} for heartbeats, write deadlines and history age; for tests. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Runs the heartbeat sweep on {@code scheduler}, which the registry then does not shut down.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Serializes the {@code Object} data of {@code publish(room, type, data)} and friends. */
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
         * and an executor of several threads spreads a large broadcast over them. {@code
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
         * directly; see "Several servers" on {@link SseRegistry}. The registry starts the relay when
         * it is built and closes it when it is closed. Every server sharing the relay should use the
         * same history settings.
         */
        public Builder relay(EventRelay relay) {
            this.relay = Objects.requireNonNull(relay, "relay");
            return this;
        }

        /** Returns a new registry; it starts its heartbeat sweep, and its relay if any, at once. */
        public SseRegistry build() {
            boolean own = scheduler == null && (heartbeat != null || writeTimeout != null);
            ScheduledExecutorService s = own ? newScheduler() : scheduler;
            boolean ownDrains = drainExecutor == null;
            Hub hub = new Hub(new Hub.Settings(
                    heartbeat, writeTimeout, historyEvents, historyBytes, historyMaxAge,
                    queueFrames, queueBytes, overflow, maxRooms, maxEventTypes, clock, s, own,
                    serializer == null ? DataSerializer.jackson() : serializer,
                    ownDrains ? newDrainExecutor() : drainExecutor, ownDrains, relay));
            if (relay != null) {
                try {
                    relay.start(hub.sink());
                } catch (RuntimeException e) {
                    hub.shutdown(null, Duration.ZERO);
                    throw e;
                }
            }
            return new SseRegistry(hub);
        }

        private static Executor newDrainExecutor() {
            return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "ssekit-drain");
                t.setDaemon(true);
                return t;
            });
        }

        private static ScheduledExecutorService newScheduler() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "ssekit-heartbeat");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            return Executors.unconfigurableScheduledExecutorService(executor);
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
}
