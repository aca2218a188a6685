package dev.ssekit.redis;

import dev.ssekit.spi.PresenceShare;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link PresenceShare} in Redis: several servers that share a Redis count the owners of every
 * live server in a room, each once.
 *
 * <pre>{@code
 * SseRegistry registry = SseRegistry.builder()
 *         .relay(RedisRelay.builder().uri(redisUri).build())
 *         .presenceShare(RedisPresence.builder().uri(redisUri).ttl(Duration.ofSeconds(3)).build())
 *         .presenceEvents(Pattern.compile("chat\\..*"))
 *         .build();
 * }</pre>
 *
 * <p><b>How.</b> Each server has a random id and keeps, in the hash {@code <keyPrefix>presence:<room>},
 * one field {@code <server id>:<owner>} per owner it has in the room, written when the owner
 * arrives on it and deleted when the owner departs. It proves it is alive with the key
 * {@code <keyPrefix>presence-server:<server id>}, which expires after {@link Builder#ttl} and which
 * it refreshes three times per ttl. The owners of a room are the distinct owners of the fields whose
 * server is alive: an owner connected to two servers counts once, and the fields of a server that
 * died stop counting when its key expires, and are then deleted by whoever reads them. Each change
 * is announced on the channel {@code <keyPrefix>presence}, so that the other servers send their
 * members a presence event; they also look again at their rooms every second.
 *
 * <p><b>The bound.</b> A server that stops without closing (killed, or cut off from Redis) drops out
 * of every count within the ttl, and out of the presence events of the other servers within the
 * ttl, one second and the registry's presence event delay. A server that closes drops out at once.
 *
 * <p><b>When Redis is down.</b> Counts fall back to this server's own owners, and changes that
 * could not be written are written again, in full, by the next refresh that reaches Redis; a Redis
 * that lost its data (restarted without persistence) is filled again the same way.
 *
 * <p>Thread-safe. The registry starts and closes it; a share serves one registry.
 *
 * @since 1.0
 */
public final class RedisPresence implements PresenceShare {

    private static final System.Logger LOG = System.getLogger(RedisPresence.class.getName());

    private final RedisURI uri;
    private final String prefix;
    private final String channel;
    private final Duration ttl;
    private final String serverId = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
    private final RedisClient client;
    private final ScheduledExecutorService refresher;

    private final Map<String, Set<String>> mine = new HashMap<>(); // room → owners here; guarded by itself
    private final Set<String> unwritten =
            new HashSet<>(); // rooms whose last change did not reach Redis; guarded by mine
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> subscription;
    private volatile boolean closed;

    private RedisPresence(Builder b) {
        this.uri = RedisURI.create(b.uri);
        this.uri.setTimeout(b.timeout);
        this.prefix = b.keyPrefix;
        this.channel = b.keyPrefix + "presence";
        this.ttl = b.ttl;
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(b.timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.timeout))
                .build());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ssekit-redis-presence");
            t.setDaemon(true);
            return t;
        });
    }

    /** Returns a builder with the defaults listed on {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- PresenceShare -------------------------------------------------------------------------

    /** Subscribes to the other servers' changes and starts refreshing; returns without waiting for a Redis that is down. */
    @Override
    public void start(Consumer<String> changed) {
        Objects.requireNonNull(changed, "changed");
        subscribe(changed);
        long period = Math.max(1, ttl.toMillis() / 3);
        refresher.scheduleWithFixedDelay(() -> refresh(changed), 0, period, TimeUnit.MILLISECONDS);
    }

    private void subscribe(Consumer<String> changed) {
        try {
            StatefulRedisPubSubConnection<String, String> s = client.connectPubSub();
            s.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String room) {
                    changed.accept(room);
                }
            });
            s.sync().subscribe(channel);
            subscription = s;
        } catch (RedisException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Redis at {0} is not reachable yet ({1}); presence counts" + " this server only until it is",
                    redacted(),
                    e.getMessage());
        }
    }

    @Override
    public void arrived(String room, String owner) {
        synchronized (mine) {
            mine.computeIfAbsent(room, r -> new HashSet<>()).add(owner);
        }
        write(room, () -> {
            RedisCommands<String, String> redis = commands().sync();
            redis.hset(roomKey(room), field(owner), "1");
            redis.publish(channel, room);
        });
    }

    @Override
    public void departed(String room, String owner) {
        synchronized (mine) {
            Set<String> owners = mine.get(room);
            if (owners != null && owners.remove(owner) && owners.isEmpty()) {
                mine.remove(room);
            }
        }
        write(room, () -> {
            RedisCommands<String, String> redis = commands().sync();
            redis.hdel(roomKey(room), field(owner));
            redis.publish(channel, room);
        });
    }

    /**
     * Writes a change on this share's own thread, in order, so that a slow or absent Redis never
     * holds up the registry's presence listeners; if Redis does not take it, the next refresh
     * writes the room again in full.
     */
    private void write(String room, Runnable change) {
        try {
            refresher.execute(() -> {
                try {
                    change.run();
                } catch (RedisException | IllegalStateException e) {
                    synchronized (mine) {
                        unwritten.add(room);
                    }
                    LOG.log(
                            System.Logger.Level.DEBUG,
                            "presence change in {0} not written yet ({1})",
                            room,
                            e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: close() has withdrawn this server's owners.
        }
    }

    @Override
    public Set<String> owners(String room) {
        RedisCommands<String, String> redis = commands().sync();
        String key = roomKey(room);
        Map<String, List<String>> byServer = new HashMap<>();
        for (String f : redis.hkeys(key)) {
            int colon = f.indexOf(':');
            if (colon > 0) {
                byServer.computeIfAbsent(f.substring(0, colon), s -> new ArrayList<>())
                        .add(f);
            }
        }
        Set<String> owners = new HashSet<>();
        if (byServer.isEmpty()) {
            return owners;
        }
        List<String> servers = new ArrayList<>(byServer.keySet());
        List<KeyValue<String, String>> alive =
                redis.mget(servers.stream().map(this::aliveKey).toArray(String[]::new));
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            List<String> fields = byServer.get(servers.get(i));
            if (servers.get(i).equals(serverId) || alive.get(i).hasValue()) {
                for (String f : fields) {
                    owners.add(f.substring(f.indexOf(':') + 1));
                }
            } else {
                dead.addAll(fields);
            }
        }
        if (!dead.isEmpty()) {
            redis.hdel(key, dead.toArray(String[]::new)); // the owners of servers that died
        }
        return owners;
    }

    /**
     * Deletes this server's key and fields, so that its owners drop out at once, and releases the
     * connections; idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        refresher.shutdownNow();
        Map<String, Set<String>> rooms;
        synchronized (mine) {
            rooms = new HashMap<>(mine);
            mine.clear();
        }
        try {
            RedisCommands<String, String> redis = commands().sync();
            redis.del(aliveKey(serverId));
            for (Map.Entry<String, Set<String>> e : rooms.entrySet()) {
                redis.hdel(
                        roomKey(e.getKey()),
                        e.getValue().stream().map(this::field).toArray(String[]::new));
                redis.publish(channel, e.getKey());
            }
        } catch (RedisException | IllegalStateException e) {
            LOG.log(System.Logger.Level.DEBUG, "presence not withdrawn from Redis ({0}); it expires", e.getMessage());
        }
        StatefulRedisPubSubConnection<String, String> s = subscription;
        if (s != null) {
            s.close();
        }
        StatefulRedisConnection<String, String> c = commands;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    // ---- refreshing ----------------------------------------------------------------------------

    /**
     * Keeps this server's key alive; when the key was gone (first time, a Redis that lost its data,
     * or this server was taken for dead) or a change did not reach Redis, writes this server's
     * fields again in full.
     */
    private void refresh(Consumer<String> changed) {
        try {
            if (subscription == null) {
                subscribe(changed); // Redis was down when the registry started
                if (subscription == null) {
                    return;
                }
            }
            RedisCommands<String, String> redis = commands().sync();
            boolean wasGone = "OK"
                    .equals(redis.set(
                            aliveKey(serverId), "1", SetArgs.Builder.nx().px(ttl.toMillis())));
            if (!wasGone) {
                redis.pexpire(aliveKey(serverId), ttl.toMillis());
            }
            Map<String, Set<String>> rewrite = new HashMap<>();
            synchronized (mine) {
                Set<String> rooms = wasGone ? new HashSet<>(mine.keySet()) : new HashSet<>();
                rooms.addAll(unwritten);
                unwritten.clear();
                for (String room : rooms) {
                    rewrite.put(room, new HashSet<>(mine.getOrDefault(room, Set.of())));
                }
            }
            for (Map.Entry<String, Set<String>> e : rewrite.entrySet()) {
                rewrite(redis, e.getKey(), e.getValue());
            }
        } catch (RedisException e) {
            LOG.log(System.Logger.Level.DEBUG, "presence refresh failed ({0}); trying again", e.getMessage());
            synchronized (mine) {
                unwritten.addAll(mine.keySet());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "presence refresh failed", e);
        }
    }

    /** Makes this server's fields of {@code room} exactly {@code owners}. */
    private void rewrite(RedisCommands<String, String> redis, String room, Set<String> owners) {
        String key = roomKey(room);
        List<String> stale = new ArrayList<>();
        for (String f : redis.hkeys(key)) {
            if (f.startsWith(serverId + ":") && !owners.contains(f.substring(serverId.length() + 1))) {
                stale.add(f);
            }
        }
        if (!stale.isEmpty()) {
            redis.hdel(key, stale.toArray(String[]::new));
        }
        for (String owner : owners) {
            redis.hset(key, field(owner), "1");
        }
        redis.publish(channel, room);
    }

    // ---- keys and connections ------------------------------------------------------------------

    private String roomKey(String room) {
        return prefix + "presence:" + room;
    }

    private String aliveKey(String server) {
        return prefix + "presence-server:" + server;
    }

    private String field(String owner) {
        return serverId + ":" + owner;
    }

    private StatefulRedisConnection<String, String> commands() {
        StatefulRedisConnection<String, String> c = commands;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (commands == null) {
                if (closed) {
                    throw new IllegalStateException("the presence share is closed");
                }
                commands = client.connect();
            }
            return commands;
        }
    }

    private String redacted() {
        return uri.getHost() + ":" + uri.getPort();
    }

    /**
     * Configures a {@link RedisPresence}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: {@code redis://127.0.0.1:6379}; key prefix {@code ssekit:}; a ttl of 3 s; a
     * timeout of 1 s.
     *
     * @since 1.0
     */
    public static final class Builder {
        private String uri = "redis://127.0.0.1:6379";
        private String keyPrefix = "ssekit:";
        private Duration ttl = Duration.ofSeconds(3);
        private Duration timeout = Duration.ofSeconds(1);

        private Builder() {}

        /**
         * Sets the Redis to use, as a Redis URI, usually the relay's. Redis Cluster is not
         * supported: a {@code redis-cluster://} URI is refused here.
         *
         * @throws IllegalArgumentException if the URI is malformed or a Redis Cluster URI
         */
        public Builder uri(String uri) {
            this.uri = RedisSettings.singleRedisUri(
                    uri,
                    "presence reads every server's key in one" + " MGET, which a cluster refuses across its slots");
            return this;
        }

        /**
         * Sets the prefix of the keys; servers that share presence use the same one.
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = RedisSettings.keyPrefix(keyPrefix);
            return this;
        }

        /**
         * Sets how long a server that stopped without closing still counts: the bound within which
         * its owners drop out. Refreshed three times per ttl, so at least 300 ms.
         *
         * @throws IllegalArgumentException if shorter than 300 ms
         */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.toMillis() < 300) {
                throw new IllegalArgumentException("ttl must be at least 300 ms: " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * Sets how long a command to Redis may take before it fails.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Returns the share; it connects when a registry starts it. */
        public RedisPresence build() {
            return new RedisPresence(this);
        }
    }
}
