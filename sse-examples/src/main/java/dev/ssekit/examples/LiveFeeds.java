package dev.ssekit.examples;

import dev.ssekit.Presence;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The example's two server-made streams: a {@code tick} event every second, and the registry's own
 * counters as a {@code stats} event every two seconds.
 *
 * <p><b>Only while someone listens.</b> A client asks for a stream by joining its room:
 * {@value #TICKER_ROOM} for ticks, {@value #STATS_ROOM} for stats, either in the URL
 * ({@code GET /sse?rooms=ticker}) or later on its open connection ({@code POST /sse/subscriptions}).
 * A {@link Presence.Listener} starts a feed when its room becomes occupied and stops it when the
 * room is emptied: while nobody listens, nothing is produced, no timestamp, no event, no counter
 * step, and nothing polls. A room is the cleaner signal than an event type: event types are a
 * filter that defaults to "everything", so a connection that never chose any would count as a tick
 * listener, and "is anyone listening?" would mean "is anyone connected?". Joining a room is an
 * explicit yes, and ends by itself when the connection closes.
 *
 * <p><b>Live, not recorded.</b> The event goes out {@linkplain SseEvent#withRecorded(boolean)
 * marked as not recorded}: a recorded event is kept in the registry's history, and a tick every
 * second would soon push the chat out of it. A tick is worth nothing a second
 * later, so a client that reconnects should not have old ones replayed. Like any publish, it is
 * encoded once for all the room's members.
 *
 * <p>Thread-safe; the feeds run on one daemon thread of their own, which {@link #close()} stops.
 *
 * @since 1.0
 */
public final class LiveFeeds implements AutoCloseable {

    /** The room whose members receive {@code tick} events. */
    public static final String TICKER_ROOM = "ticker";

    /** The room whose members receive {@code stats} events. */
    public static final String STATS_ROOM = "stats";

    /** The data of a {@code tick} event: how many ticks so far, and the server's time (ISO-8601). */
    record Tick(long count, String time) {}

    private final SseRegistry registry;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Feed> feeds = new HashMap<>(); // by room; guarded by itself
    private final Presence.Listener switcher = new Presence.Listener() {
        @Override
        public void occupied(String room) {
            switchFeed(room, true);
        }

        @Override
        public void emptied(String room) {
            switchFeed(room, false);
        }
    };
    private long ticks; // only the scheduler's one thread touches it

    /** One feed: what it does, how often, and its schedule while its room has members. */
    private static final class Feed {
        final Runnable task;
        final long periodMillis;
        ScheduledFuture<?> running; // guarded by the feeds map

        Feed(Runnable task, long periodMillis) {
            this.task = task;
            this.periodMillis = periodMillis;
        }
    }

    private LiveFeeds(SseRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "example-feeds");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the ticker (every {@code tickEvery}) and the stats feed (every {@code statsEvery}) on
     * {@code registry}.
     *
     * @throws IllegalArgumentException if a period is not positive
     */
    public static LiveFeeds start(SseRegistry registry, Duration tickEvery, Duration statsEvery) {
        LiveFeeds feeds = new LiveFeeds(registry);
        feeds.add(TICKER_ROOM, tickEvery, "tickEvery", feeds::tick);
        feeds.add(STATS_ROOM, statsEvery, "statsEvery", feeds::stats);
        registry.addPresenceListener(feeds.switcher);
        // Rooms occupied before the listener was added: looked at once, from then on it is told.
        for (String room : registry.rooms()) {
            feeds.switchFeed(room, true);
        }
        return feeds;
    }

    /** Starts the feeds at their usual pace: a tick every second, stats every two seconds. */
    public static LiveFeeds start(SseRegistry registry) {
        return start(registry, Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    private void add(String room, Duration period, String name, Runnable task) {
        if (period == null || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive: " + period);
        }
        feeds.put(
                room,
                new Feed(
                        () -> {
                            try {
                                task.run();
                            } catch (RuntimeException e) {
                                // A scheduled task that throws is never run again: log and keep the feed alive.
                                System.getLogger(LiveFeeds.class.getName())
                                        .log(System.Logger.Level.WARNING, name + " feed failed once", e);
                            }
                        },
                        period.toMillis()));
    }

    /** Starts or stops the feed of {@code room}, if it has one; harmless if it already is so. */
    private void switchFeed(String room, boolean on) {
        synchronized (feeds) {
            Feed feed = feeds.get(room);
            if (feed == null || scheduler.isShutdown() || on == (feed.running != null)) {
                return;
            }
            if (on) {
                feed.running = scheduler.scheduleAtFixedRate(
                        feed.task, feed.periodMillis, feed.periodMillis, TimeUnit.MILLISECONDS);
            } else {
                feed.running.cancel(false);
                feed.running = null;
            }
        }
    }

    private void tick() {
        ticks++;
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        registry.publish(
                TICKER_ROOM, registry.event("tick", new Tick(ticks, now)).withRecorded(false));
    }

    private void stats() {
        // SseStats is a record: connections, rooms, eventsPublished, framesDropped, and more.
        registry.publish(STATS_ROOM, registry.event("stats", registry.stats()).withRecorded(false));
    }

    /** Stops both feeds; the registry stays open. Idempotent. */
    @Override
    public void close() {
        registry.removePresenceListener(switcher);
        synchronized (feeds) {
            scheduler.shutdownNow();
        }
    }
}
