package dev.ssekit.spring;

import dev.ssekit.SseRegistry.OverflowPolicy;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code ssekit.*} properties. Bound once at startup by Spring Boot; confined to the thread that
 * binds them, and read only while the beans are built.
 *
 * <p>Values are checked where they are used, by the same rules as {@code SseRegistry.Builder},
 * {@code SseServlet.Builder} and {@code RedisRelay.Builder}; a bad value fails startup with a
 * message that names the property.
 *
 * @since 1.0
 */
@ConfigurationProperties(prefix = "ssekit")
public class SseKitProperties {

    /** Whether to serve the stream; false leaves SSEKit out of the application. */
    private boolean enabled = true;

    /** Where the stream is served: GET on this path opens a connection, POST publishes, and the subscription endpoint lives under it. */
    private String path = "/sse";

    /** Idle time after which a connection gets a heartbeat comment; 0 turns heartbeats off. */
    private Duration heartbeat = Duration.ofSeconds(15);

    /** Events recorded for clients that resume with Last-Event-ID; 0 turns replay off. */
    private int history = 0;

    /** Frames each connection's queue holds before the overflow policy applies. */
    private int queueCapacity = 1024;

    /** Bytes each connection's queue holds before the overflow policy applies. */
    private DataSize queueBytes = DataSize.ofMegabytes(4);

    /** What a full queue does: DISCONNECT the slow client, or DROP_OLDEST frames. */
    private OverflowPolicy overflow = OverflowPolicy.DISCONNECT;

    /** Connections this server keeps open; more are refused with 503 and Retry-After. */
    private int maxConnections = 10_000;

    /** Connections one owner keeps open; more are refused with 429 and Retry-After. */
    private int maxConnectionsPerOwner = 64;

    /** Reconnection delay sent first on every connection; unset sends none and browsers use their own. */
    private Duration retry;

    /** Longest life of a connection, jittered down by up to 10%; the client then reconnects and resumes. Unset: no limit. */
    private Duration maxConnectionAge;

    /** What happens to open connections when the application shuts down. */
    private final Shutdown shutdown = new Shutdown();

    /** Relays events, and shares presence, between servers through Redis; on when a URI is set and sse-redis is on the classpath. */
    private final Redis redis = new Redis();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    public int getHistory() {
        return history;
    }

    public void setHistory(int history) {
        this.history = history;
    }

    public int getQueueCapacity() {
        return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
        this.queueCapacity = queueCapacity;
    }

    public DataSize getQueueBytes() {
        return queueBytes;
    }

    public void setQueueBytes(DataSize queueBytes) {
        this.queueBytes = queueBytes;
    }

    public OverflowPolicy getOverflow() {
        return overflow;
    }

    public void setOverflow(OverflowPolicy overflow) {
        this.overflow = overflow;
    }

    public int getMaxConnections() {
        return maxConnections;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public int getMaxConnectionsPerOwner() {
        return maxConnectionsPerOwner;
    }

    public void setMaxConnectionsPerOwner(int maxConnectionsPerOwner) {
        this.maxConnectionsPerOwner = maxConnectionsPerOwner;
    }

    public Duration getRetry() {
        return retry;
    }

    public void setRetry(Duration retry) {
        this.retry = retry;
    }

    public Duration getMaxConnectionAge() {
        return maxConnectionAge;
    }

    public void setMaxConnectionAge(Duration maxConnectionAge) {
        this.maxConnectionAge = maxConnectionAge;
    }

    public Shutdown getShutdown() {
        return shutdown;
    }

    public Redis getRedis() {
        return redis;
    }

    /** The {@code ssekit.shutdown.*} properties. */
    public static class Shutdown {

        /** Reconnection delay the final event tells clients; each connection gets a random delay between this and twice this, so clients do not all come back at once. */
        private Duration retry = Duration.ofSeconds(5);

        /** How long connections may take to write out their final event before they are closed. */
        private Duration grace = Duration.ofSeconds(3);

        public Duration getRetry() {
            return retry;
        }

        public void setRetry(Duration retry) {
            this.retry = retry;
        }

        public Duration getGrace() {
            return grace;
        }

        public void setGrace(Duration grace) {
            this.grace = grace;
        }
    }

    /** The {@code ssekit.redis.*} properties. */
    public static class Redis {

        /** Redis URI, for example redis://localhost:6379/0; setting it switches the relay on. */
        private String uri;

        /** Prefix of the relay's keys in Redis; servers sharing a prefix share their events. */
        private String keyPrefix = "ssekit:";

        /** Entries the Redis Stream keeps, approximately; a server that was away longer resets its clients. */
        private long history = 10_000;

        /** Presence shared through the same Redis, so that counts and presence events cover every server. */
        private final Presence presence = new Presence();

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public long getHistory() {
            return history;
        }

        public void setHistory(long history) {
            this.history = history;
        }

        public Presence getPresence() {
            return presence;
        }
    }

    /** The {@code ssekit.redis.presence.*} properties. */
    public static class Presence {

        /** Whether presence is shared through Redis when the relay is on; false counts this server's owners only. */
        private boolean enabled = true;

        /** How long a server that stopped without closing still counts: the bound within which its owners drop out. */
        private Duration ttl = Duration.ofSeconds(3);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }
    }
}
