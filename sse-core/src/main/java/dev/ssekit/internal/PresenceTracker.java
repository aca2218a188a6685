package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import dev.ssekit.Presence;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.PresenceShare;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Who is in which room, by owner: counts each owner's connections per room on this server, tells
 * the {@link Presence.Listener}s of each change, sends the coalesced {@code presence} events, and
 * shares this server's owners through a {@link PresenceShare} if there is one.
 *
 * <p>Thread-safe. The hub calls {@link #joined} and {@link #left} under its publish lock, so the
 * changes reach this class in the order they happened; they only update counts and queue work.
 * Everything else (listeners, the owner describer's calls for events, the share's I/O, the
 * events) runs on one thread of this class's own, started with the first work, in the order it
 * was queued, outside every lock.
 */
public final class PresenceTracker {

    /** The type of the event that tells a room's members who is in it. */
    public static final String PRESENCE_EVENT = "presence";

    /**
     * How often, with a share, each room with presence events here is looked at again for changes
     * no server announced: the owners of a server that died drop out of the share by expiry.
     */
    static final long RECHECK_MILLIS = 1_000;

    /**
     * Presence settings, validated by the registry builder.
     *
     * @param describer the application's description of an owner, or {@code null} for anonymous
     * @param eventRooms the rooms whose members receive presence events, or {@code null} for none
     * @param eventDelay how long changes are gathered into one presence event
     * @param share the presence shared with other servers, or {@code null}
     */
    public record Settings(
            Function<String, ?> describer, Pattern eventRooms, Duration eventDelay, PresenceShare share) {}

    private static final System.Logger LOG = System.getLogger(PresenceTracker.class.getName());
    private static final Presence.Listener[] NONE = new Presence.Listener[0];

    private final Function<String, ?> describer;
    private final Pattern eventRooms;
    private final long eventDelayMillis;
    private final PresenceShare share;
    private final DataSerializer serializer;
    private final BiConsumer<String, SseEvent> deliverHere;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Map<String, Integer>> rooms = new HashMap<>(); // room → owner → connections; guarded
    private final Set<String> pendingEvents = new HashSet<>(); // guarded by lock
    private ScheduledThreadPoolExecutor thread; // guarded by lock; made with the first work
    private boolean closed; // guarded by lock
    private volatile Presence.Listener[] listeners = NONE; // written under lock

    private final Map<String, Presence> lastSent = new HashMap<>(); // confined to the presence thread

    /**
     * @param deliverHere queues a live event to the members of a room on this server only
     */
    public PresenceTracker(Settings s, DataSerializer serializer, BiConsumer<String, SseEvent> deliverHere) {
        this.describer = s.describer();
        this.eventRooms = s.eventRooms();
        this.eventDelayMillis = s.eventDelay().toMillis();
        this.share = s.share();
        this.serializer = serializer;
        this.deliverHere = deliverHere;
    }

    /** Starts the share, if any, and the periodic look at rooms its other servers may have changed. */
    public void start() {
        if (share == null) {
            return;
        }
        share.start(this::changedElsewhere);
        if (eventRooms != null) {
            lock.lock();
            try {
                thread().scheduleWithFixedDelay(this::recheck, RECHECK_MILLIS, RECHECK_MILLIS, TimeUnit.MILLISECONDS);
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- listeners -------------------------------------------------------------------------------

    public void addListener(Presence.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        lock.lock();
        try {
            Presence.Listener[] current = listeners;
            Presence.Listener[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = listener;
            listeners = next;
        } finally {
            lock.unlock();
        }
    }

    public boolean removeListener(Presence.Listener listener) {
        lock.lock();
        try {
            List<Presence.Listener> rest = new ArrayList<>(Arrays.asList(listeners));
            boolean removed = rest.remove(listener);
            listeners = rest.toArray(NONE);
            return removed;
        } finally {
            lock.unlock();
        }
    }

    // ---- membership, called by the hub under its lock ----------------------------------------------

    /** {@code c} has joined {@code room}. */
    void joined(DefaultSseConnection c, String room) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            Map<String, Integer> owners = rooms.computeIfAbsent(room, r -> new HashMap<>());
            boolean occupied = owners.isEmpty();
            boolean arrived = owners.merge(c.owner(), 1, Integer::sum) == 1;
            if (listeners.length > 0) {
                if (occupied) {
                    tell(room, l -> l.occupied(room));
                }
                tell(room, l -> l.joined(c, room));
            }
            if (arrived) {
                ownerChanged(room, c.owner(), true);
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code c} has left {@code rooms}, closing for {@code reason} ({@code null}: it stays open). */
    void left(DefaultSseConnection c, Set<String> rooms, CloseReason reason) {
        if (rooms.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (String room : rooms) {
                left(c, room, reason);
            }
        } finally {
            lock.unlock();
        }
    }

    private void left(SseConnection c, String room, CloseReason reason) {
        if (closed) {
            return;
        }
        Map<String, Integer> owners = this.rooms.get(room);
        if (owners == null || !owners.containsKey(c.owner())) {
            return;
        }
        boolean departed = owners.merge(c.owner(), -1, (a, b) -> a + b == 0 ? null : a + b) == null;
        boolean emptied = owners.isEmpty();
        if (emptied) {
            this.rooms.remove(room);
        }
        if (listeners.length > 0) {
            tell(room, l -> l.left(c, room, reason));
            if (emptied) {
                tell(room, l -> l.emptied(room));
            }
        }
        if (departed) {
            ownerChanged(room, c.owner(), false);
        }
    }

    /** An owner arrived in or departed from a room here. Called under the lock. */
    private void ownerChanged(String room, String owner, boolean arrived) {
        if (share != null) {
            run(() -> {
                try {
                    if (arrived) {
                        share.arrived(room, owner);
                    } else {
                        share.departed(room, owner);
                    }
                } catch (RuntimeException e) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "sharing presence in room {0} failed: {1}",
                            room,
                            e.toString());
                }
            });
        }
        scheduleEvent(room);
    }

    // ---- presence ----------------------------------------------------------------------------------

    /** Returns who is in {@code room}: here, and on every live server of the share if there is one. */
    public Presence presence(String room) {
        Names.checkRoom(room);
        Set<String> owners = new TreeSet<>(); // sorted, so that equal presences list members alike
        lock.lock();
        try {
            owners.addAll(rooms.getOrDefault(room, Map.of()).keySet());
        } finally {
            lock.unlock();
        }
        if (share != null) {
            try {
                owners.addAll(share.owners(room));
            } catch (RuntimeException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the shared presence of room {0} cannot be read ({1});" + " counting this server's owners only",
                        room,
                        e.toString());
            }
        }
        List<Object> members = new ArrayList<>();
        if (describer != null) {
            for (String owner : owners) {
                Object description = describe(owner);
                if (description != null) {
                    members.add(description);
                }
            }
        }
        return new Presence(room, owners.size(), members);
    }

    private Object describe(String owner) {
        try {
            return describer.apply(owner);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the owner describer failed; the owner is listed as anonymous", e);
            return null;
        }
    }

    // ---- presence events -----------------------------------------------------------------------

    /** Sends the room's presence event after the delay, unless one is already on its way. Under the lock. */
    private void scheduleEvent(String room) {
        if (eventRooms == null || closed || !eventRooms.matcher(room).matches() || !pendingEvents.add(room)) {
            return;
        }
        try {
            thread().schedule(() -> sendEvent(room), eventDelayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            pendingEvents.remove(room); // shutting down
        }
    }

    /** On the presence thread: sends the room's presence now, if it changed since the last one sent. */
    private void sendEvent(String room) {
        lock.lock();
        try {
            pendingEvents.remove(room); // changes from now on schedule the next event
        } finally {
            lock.unlock();
        }
        Presence now = presence(room);
        Presence before = lastSent.get(room);
        if (now.equals(before) || (before == null && now.count() == 0)) {
            return; // arrivals and departures that cancelled out within the delay
        }
        if (now.count() == 0) {
            lastSent.remove(room);
        } else {
            lastSent.put(room, now);
        }
        try {
            deliverHere.accept(room, new SseEvent(null, PRESENCE_EVENT, serializer.serialize(json(now)), null, null));
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the presence event of room {0} could not be sent: {1}",
                    room,
                    e.toString());
        }
    }

    /** The JSON of a presence: {@code {"room":...,"count":n}}, and {@code "members"} when some are described. */
    public static Map<String, Object> json(Presence p) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("room", p.room());
        json.put("count", p.count());
        if (!p.members().isEmpty()) {
            json.put("members", p.members());
        }
        return json;
    }

    /** Another server's owners in {@code room} may have changed. Any thread. */
    private void changedElsewhere(String room) {
        lock.lock();
        try {
            if (rooms.containsKey(room)) { // only this server's members receive its events
                scheduleEvent(room);
            }
        } finally {
            lock.unlock();
        }
    }

    /** With a share: looks again at every event room with members here, for a server that died. */
    private void recheck() {
        lock.lock();
        try {
            for (String room : rooms.keySet()) {
                scheduleEvent(room);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the presence thread -------------------------------------------------------------------

    /** Queues a call to every listener. Under the lock, so calls keep the order of the changes. */
    private void tell(String room, Consumer<Presence.Listener> call) {
        run(() -> {
            for (Presence.Listener l : listeners) {
                try {
                    call.accept(l);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a presence listener failed in room \"" + room + "\"", e);
                }
            }
        });
    }

    private void run(Runnable task) {
        try {
            thread().execute(task);
        } catch (RejectedExecutionException e) {
            // Shut down: the registry is closed and nobody is listening any more.
        }
    }

    /** Under the lock. */
    private ScheduledThreadPoolExecutor thread() {
        if (thread == null) {
            thread = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "ssekit-presence");
                t.setDaemon(true);
                return t;
            });
            thread.setRemoveOnCancelPolicy(true);
            thread.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        }
        return thread;
    }

    /**
     * Stops: what is queued (the last departures, as every connection closed) still runs, then the
     * share is closed and the thread ends. Called once, when the registry is closed.
     */
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (share != null) {
                run(() -> {
                    try {
                        share.close();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "closing the presence share failed", e);
                    }
                });
            }
            if (thread != null) {
                thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                thread.shutdown();
            }
        } finally {
            lock.unlock();
        }
    }
}
