package dev.ssekit.redis;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayHealth;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link EventRelay} on one Redis Stream: several servers that share a Redis share rooms, direct
 * messages and replay.
 *
 * <pre>{@code
 * SseRegistry registry = SseRegistry.builder()
 *         .history(1_000)
 *         .relay(RedisRelay.builder()
 *                 .uri("redis://127.0.0.1:6379")
 *                 .keyPrefix("ssekit:")
 *                 .history(10_000)
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p><b>How.</b> Every published event, from any server, is appended with {@code XADD} to the
 * stream {@code <keyPrefix>events}, trimmed to about {@link Builder#history} entries
 * ({@code MAXLEN ~}). The entry id Redis assigns is the event's id on every server. Each server runs
 * one reader thread that follows the stream with {@code XREAD BLOCK} from the last id it delivered,
 * and hands every entry, in stream order, to its registry: so each server delivers each event once,
 * the publishing server included, and all of them in the same order. Direct messages and events
 * that are not recorded travel in the same stream, marked as not recorded: the server that holds the connection
 * delivers a direct message, and no server replays them. When it starts, a server fills its history
 * from the newest entries of the stream.
 *
 * <p><b>When Redis is down or unreachable.</b> Publishing fails at once, or after at most
 * {@link Builder#timeout} when Redis stops answering, with {@link RelayUnavailableException}; the
 * event reaches no server (the servlet answers {@code 503}). Open streams stay open and keep their
 * heartbeats. The relay reconnects by itself, retrying every fraction of a second up to once a
 * second. Its reader then carries on from the last entry it delivered: if that entry is still in
 * the stream, nothing was lost and every entry after it is delivered in order; if it is not (the
 * stream was trimmed past it meanwhile, or Redis restarted without persistence and lost it), the
 * server's history is filled again from the stream and every open stream is told with a
 * {@code reset} event. A server that dies takes only its own connections with it.
 *
 * <p><b>Health.</b> {@link #health()} (and the registry's {@code stats().relay()}) is up while the
 * reader follows the stream, and down, with the reason, while it does not: Redis unreachable, the
 * reader reconnecting, or the reader failed for any other reason, after which it backs off and tries
 * again like after losing Redis. While it is down, publishing fails at once with
 * {@link RelayUnavailableException}, since the event would not come back to this server.
 *
 * <p>Thread-safe. The registry starts and closes the relay; a relay serves one registry.
 *
 * @since 1.0
 */
public final class RedisRelay implements EventRelay {

    private static final System.Logger LOG = System.getLogger(RedisRelay.class.getName());

    // Field names of a stream entry: short, since every entry carries them.
    private static final String SCOPE = "s";
    private static final String TARGET = "t";
    private static final String RECORDED = "r";
    private static final String TAG = "g";
    private static final String ID = "i";
    private static final String TYPE = "e";
    private static final String DATA = "d";
    private static final String RETRY = "y";
    private static final String COMMENT = "c";

    // KEYS: the stream, the idempotency key. ARGV: the stream's bound, the window in ms, then the
    // entry's fields and values. Answers the entry's id, and 1 if this call added it, 0 if the key
    // was known (and nothing was added).
    private static final String PUBLISH_ONCE = """
            local known = redis.call('GET', KEYS[2])
            if known then
                return {known, 0}
            end
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
            redis.call('SET', KEYS[2], id, 'PX', ARGV[2])
            return {id, 1}
            """;

    private static final String WHY_NOT_CLUSTER =
            "the relay keeps one stream, which a cluster would" + " hold on one node anyway";

    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 1_000;
    private static final int READ_BATCH = 512;

    private final RedisURI uri;
    private final String streamKey;
    private final String idempotencyPrefix;
    private final Duration idempotencyWindow;
    private final long maxLength;
    private final Duration timeout;
    private final Duration block;
    private final RedisClient client;
    // At most the stream's length: a reader that fell behind by more than the stream holds then
    // always reads a full batch, which is when it checks for a gap.
    private final int readBatch;

    private final ReentrantLock publishLock = new ReentrantLock(); // guards the two below
    private CompletableFuture<StatefulRedisConnection<String, String>> connecting; // publisher's
    private volatile StatefulRedisConnection<String, String> publisher;
    private volatile StatefulRedisConnection<String, String> reader; // the reader thread's own
    private volatile boolean closed;
    // The question newestId() asks Redis, asked once for every caller meanwhile.
    private final ReentrantLock newestLock = new ReentrantLock(); // guards the two below
    private CompletableFuture<String> newestAsked; // sent to Redis, not answered yet
    private CompletableFuture<String> newestNext; // for callers who came after it was sent
    // Up while the reader follows the stream: only then does a publish come back to this server.
    private volatile RelayHealth health = RelayHealth.down("not connected to Redis yet");
    private volatile Thread readerThread;
    private RelaySink sink;
    private final ReaderLag lag = new ReaderLag();

    // The reader thread's state.
    private String lastId; // the last entry delivered, or null before the first sync
    private boolean synced;
    private boolean faulted; // the last failure was not Redis's

    private RedisRelay(Builder b) {
        this.uri = RedisURI.create(b.uri);
        this.uri.setTimeout(b.timeout);
        this.streamKey = b.keyPrefix + "events";
        this.idempotencyPrefix = b.keyPrefix + "idempotency:";
        this.idempotencyWindow = b.idempotencyWindow;
        this.maxLength = b.history;
        this.timeout = b.timeout;
        this.block = b.block;
        this.readBatch = (int) Math.min(READ_BATCH, b.history);
        this.client = RedisClient.create(uri);
        ClientOptions.Builder options = ClientOptions.builder();
        if (b.trustedCertificates != null) {
            options.sslOptions(SslOptions.builder()
                    .jdkSslProvider()
                    .trustManager(b.trustedCertificates.toFile())
                    .build());
        }
        client.setOptions(options.autoReconnect(true)
                // Fail fast instead of queueing commands while disconnected: a publisher learns at
                // once that Redis is not there, and nothing piles up in memory meanwhile.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(b.timeout).build())
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutSource(new CommandTimeout(
                                b.timeout.toMillis(), b.timeout.plus(b.block).toMillis()))
                        .build())
                .build());
    }

    /**
     * Every command may take the timeout, except a read of the stream, which waits up to the block
     * time by design and may take that much longer: so no timeout and block time can conflict.
     */
    private static final class CommandTimeout extends TimeoutOptions.TimeoutSource {
        private final long commandMillis;
        private final long readMillis;

        CommandTimeout(long commandMillis, long readMillis) {
            this.commandMillis = commandMillis;
            this.readMillis = readMillis;
        }

        @Override
        public long getTimeout(RedisCommand<?, ?, ?> command) {
            return command.getType() == CommandType.XREAD ? readMillis : commandMillis;
        }

        @Override
        public TimeUnit getTimeUnit() {
            return TimeUnit.MILLISECONDS;
        }
    }

    /** Returns a builder with the defaults listed on {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the key of the stream this relay uses. */
    public String streamKey() {
        return streamKey;
    }

    // ---- EventRelay ----------------------------------------------------------------------------

    /**
     * Fills the registry's history from the stream if Redis answers within the timeout, then starts
     * the reader thread; returns without waiting for a Redis that is down.
     *
     * @throws IllegalStateException if the relay was started or closed before
     */
    @Override
    public void start(RelaySink sink) {
        Objects.requireNonNull(sink, "sink");
        if (this.sink != null || closed) {
            throw new IllegalStateException("a relay is started once, by one registry");
        }
        this.sink = sink;
        try {
            readOnce(true); // the first sync, without a gap: nobody is connected yet
        } catch (RedisException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Redis at {0} is not reachable yet ({1}); this server"
                            + " delivers nothing until it is, and keeps trying",
                    redacted(),
                    describe(e));
            health = RelayHealth.down("Redis at " + redacted() + " is not reachable: " + describe(e));
            dropReader();
        } catch (IllegalStateException e) {
            dropReader();
            client.shutdown(Duration.ZERO, timeout);
            closed = true;
            throw e; // a Redis this relay cannot use: refuse at once
        }
        readerThread = new Thread(this::readLoop, "ssekit-redis-reader");
        readerThread.setDaemon(true);
        readerThread.start();
    }

    @Override
    public String publish(RelayMessage message) {
        Objects.requireNonNull(message, "message");
        checkPublishable();
        try {
            return publisher()
                    .sync()
                    .xadd(streamKey, XAddArgs.Builder.maxlen(maxLength).approximateTrimming(), encode(message));
        } catch (RedisException e) {
            throw new RelayUnavailableException(
                    "Redis at " + redacted() + " did not take the event: " + describe(e), e);
        }
    }

    /**
     * Up while the reader follows the stream; down, with the reason, while Redis is unreachable,
     * while the reader reconnects, or after it failed (it keeps trying, backing off up to a second).
     */
    @Override
    public RelayHealth health() {
        return health;
    }

    /**
     * How long the oldest entry this server has read from the stream but not yet delivered has
     * been there, by the entry's id (Redis's clock) against this server's clock; zero once the
     * reader has delivered every entry of a read that reached the end of the stream. During a read
     * that filled a whole batch, it counts from the last entry delivered until the next read.
     */
    @Override
    public Duration lag() {
        return lag.at(System.currentTimeMillis());
    }

    /**
     * Appends the event and remembers its idempotency key for the window, in one Lua script, unless
     * the key is already remembered: then appends nothing and returns the id the key was first given.
     * So a publish retried after a timeout (when Redis may have applied it) is delivered once, and
     * two servers publishing the same key at once append it once.
     */
    @Override
    public Appended publishOnce(RelayMessage message) {
        Objects.requireNonNull(message, "message");
        String key = message.event().idempotencyKey();
        if (key == null) {
            return new Appended(publish(message), true);
        }
        checkPublishable();
        Map<String, String> fields = encode(message);
        String[] args = new String[2 + 2 * fields.size()];
        args[0] = Long.toString(maxLength);
        args[1] = Long.toString(idempotencyWindow.toMillis());
        int i = 2;
        for (Map.Entry<String, String> f : fields.entrySet()) {
            args[i++] = f.getKey();
            args[i++] = f.getValue();
        }
        try {
            List<Object> answer = publisher()
                    .sync()
                    .eval(
                            PUBLISH_ONCE,
                            ScriptOutputType.MULTI,
                            new String[] {streamKey, idempotencyPrefix + key},
                            args);
            return new Appended((String) answer.get(0), ((Long) answer.get(1)) == 1L);
        } catch (RedisException e) {
            throw new RelayUnavailableException(
                    "Redis at " + redacted() + " did not take the event: " + describe(e), e);
        }
    }

    @Override
    public boolean precedes(String first, String second) {
        long[] a = parseId(first);
        long[] b = parseId(second);
        if (a == null || b == null) {
            return false;
        }
        return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
    }

    @Override
    public boolean holds(String id) {
        if (parseId(id) == null || closed) {
            return false;
        }
        try {
            return !publisher().sync().xrange(streamKey, Range.create(id, id)).isEmpty();
        } catch (RedisException | RelayUnavailableException e) {
            return false;
        }
    }

    /**
     * The id of the stream's newest entry, asked of Redis ({@code XREVRANGE <key> + - COUNT 1}), or
     * {@code null} if the stream is empty, the relay is closed or not up, or Redis does not answer
     * within the timeout. Not what this server's reader has read: the registry asks so as to tell
     * whether this server is behind the stream, and a reader's own position cannot say that, since
     * the entries it has not read yet are exactly what it does not know of.
     *
     * <p>Asked on every connection opened, so asked once for many: callers that come while the
     * question is with Redis wait for the next one, sent as soon as it is answered, and share its
     * answer; so a storm of reconnections makes one round trip at a time. They do not take the one
     * in flight: it may have been answered before an event published just before they came, which
     * would then reach their connection from a server behind. Waits at most the timeout in all; with
     * the relay down (Redis unreachable, the reader reconnecting), answers at once.
     */
    @Override
    public String newestId() {
        if (closed || !health.isUp()) {
            return null; // the reader cannot reach Redis: no request waits for it to fail
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            StatefulRedisConnection<String, String> p = publisher(); // opened once, shared, bounded
            CompletableFuture<String> answer;
            boolean ask = false;
            newestLock.lock();
            try {
                if (newestAsked == null) {
                    answer = newestAsked = new CompletableFuture<>();
                    ask = true;
                } else {
                    if (newestNext == null) {
                        newestNext = new CompletableFuture<>();
                    }
                    answer = newestNext;
                }
            } finally {
                newestLock.unlock();
            }
            if (ask) {
                askNewest(p, answer);
            }
            return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return null; // cannot tell at once: the registry then treats the connection as before
        }
    }

    /** Asks Redis for the newest entry's id into {@code answer}; once answered, asks for who came meanwhile. */
    private void askNewest(StatefulRedisConnection<String, String> p, CompletableFuture<String> answer) {
        CompletionStage<List<StreamMessage<String, String>>> reply;
        try {
            reply = p.async().xrevrange(streamKey, Range.unbounded(), Limit.from(1));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        // Lettuce ends every command within the timeout, or when the client shuts down: each
        // question is answered, and the next one asked.
        reply.whenComplete((newest, failure) -> {
            CompletableFuture<String> next;
            newestLock.lock();
            try {
                next = newestNext;
                newestNext = null;
                newestAsked = next;
            } finally {
                newestLock.unlock();
            }
            if (next != null) {
                askNewest(p, next);
            }
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(newest.isEmpty() ? null : newest.get(0).getId());
            }
        });
    }

    /** Stops the reader, closes the connections and releases the client's threads; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        health = RelayHealth.down("the relay is closed");
        Thread t = readerThread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(timeout.toMillis() + block.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        StatefulRedisConnection<String, String> p = publisher;
        if (p != null) {
            p.close();
        }
        dropReader();
        client.shutdown(Duration.ZERO, timeout);
    }

    // ---- publishing ----------------------------------------------------------------------------

    private void checkPublishable() {
        if (closed) {
            throw new IllegalStateException("the relay is closed");
        }
        RelayHealth h = health;
        if (!h.isUp()) {
            // The event would not come back to this server: refuse it at once rather than let the
            // publisher wait for it.
            throw new RelayUnavailableException(h.reason(), null);
        }
    }

    /**
     * The publisher connection, opened on first use. Opening happens outside any lock: callers that
     * arrive while it is being opened share that one attempt, and each waits for it at most the
     * timeout, so a Redis that never answers costs every caller about one timeout, not one each.
     */
    private StatefulRedisConnection<String, String> publisher() {
        StatefulRedisConnection<String, String> p = publisher;
        if (p != null) {
            return p; // reconnects by itself; commands fail fast while it is disconnected
        }
        CompletableFuture<StatefulRedisConnection<String, String>> attempt;
        publishLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the relay is closed");
            }
            if (publisher != null) {
                return publisher;
            }
            attempt = connecting;
            if (attempt == null) {
                CompletableFuture<StatefulRedisConnection<String, String>> started =
                        client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
                connecting = started;
                // An attempt already over runs opened() here, at once, and clears connecting:
                // this caller waits on its own attempt, not on the field.
                started.whenComplete((c, failure) -> opened(started, c));
                attempt = started;
            }
        } finally {
            publishLock.unlock();
        }
        try {
            return attempt.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RelayUnavailableException(
                    "Redis at " + redacted() + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new RelayUnavailableException(
                    "Redis at " + redacted() + " is not reachable: " + describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayUnavailableException("interrupted while connecting to Redis at " + redacted(), e);
        }
    }

    /** Ends a connection attempt: keeps the connection, or lets the next caller try again. */
    private void opened(
            CompletableFuture<StatefulRedisConnection<String, String>> attempt,
            StatefulRedisConnection<String, String> c) {
        publishLock.lock();
        try {
            if (connecting == attempt) {
                connecting = null;
            }
            if (c != null) {
                publisher = c;
            }
        } finally {
            publishLock.unlock();
        }
        if (c != null && closed) {
            c.closeAsync(); // the relay was closed meanwhile
        }
    }

    static Map<String, String> encode(RelayMessage m) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(
                SCOPE,
                switch (m.scope()) {
                    case ALL -> "a";
                    case ROOM -> "r";
                    case CONNECTION -> "c";
                });
        put(fields, TARGET, m.target());
        fields.put(RECORDED, m.recorded() ? "1" : "0");
        put(fields, TAG, m.tag());
        SseEvent e = m.event();
        put(fields, ID, e.id());
        put(fields, TYPE, e.type());
        put(fields, DATA, e.data());
        put(fields, RETRY, e.retry() == null ? null : Long.toString(e.retry().toMillis()));
        put(fields, COMMENT, e.comment());
        return fields;
    }

    private static void put(Map<String, String> fields, String name, String value) {
        if (value != null) {
            fields.put(name, value);
        }
    }

    /**
     * Rebuilds a message from a stream entry, validating it like any event.
     *
     * @throws IllegalArgumentException if the entry is not one this relay wrote
     */
    static RelayMessage decode(Map<String, String> fields) {
        String scope = fields.get(SCOPE);
        if (scope == null) {
            throw new IllegalArgumentException("scope: missing");
        }
        RelayMessage.Scope s = switch (scope) {
            case "a" -> RelayMessage.Scope.ALL;
            case "r" -> RelayMessage.Scope.ROOM;
            case "c" -> RelayMessage.Scope.CONNECTION;
            default -> throw new IllegalArgumentException("scope: unknown \"" + scope + "\"");
        };
        String retry = fields.get(RETRY);
        SseEvent event;
        try {
            event = new SseEvent(
                    fields.get(ID),
                    fields.get(TYPE),
                    fields.get(DATA),
                    retry == null ? null : Duration.ofMillis(Long.parseLong(retry)),
                    fields.get(COMMENT),
                    null,
                    "1".equals(fields.get(RECORDED)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("retry: not a number", e);
        }
        return new RelayMessage(s, fields.get(TARGET), event, fields.get(TAG));
    }

    // ---- reading -------------------------------------------------------------------------------

    private void readLoop() {
        long backoff = MIN_BACKOFF_MILLIS;
        try {
            while (!closed) {
                try {
                    readOnce(false);
                    backoff = MIN_BACKOFF_MILLIS;
                    if (faulted) {
                        faulted = false;
                        health = RelayHealth.UP;
                    }
                    continue;
                } catch (RedisException e) {
                    if (closed) {
                        break;
                    }
                    if (synced) {
                        LOG.log(
                                System.Logger.Level.WARNING,
                                "lost Redis at {0} ({1}); reconnecting",
                                redacted(),
                                describe(e));
                    }
                    health = RelayHealth.down("lost Redis at " + redacted() + ": " + describe(e));
                } catch (RuntimeException | Error e) {
                    // Not Redis's doing: a defect, or the JVM short of something. The reader backs
                    // off and carries on all the same; meanwhile the relay is down, visibly.
                    if (closed) {
                        break;
                    }
                    if (health.isUp()) {
                        LOG.log(System.Logger.Level.ERROR, "the Redis reader failed; retrying", e);
                    } else {
                        LOG.log(System.Logger.Level.DEBUG, "the Redis reader failed again", e);
                    }
                    health = RelayHealth.down("the reader of Redis at " + redacted() + " failed: " + e);
                    faulted = true;
                }
                synced = false;
                dropReader();
                try {
                    Thread.sleep(backoff); // a pause between reconnection attempts, not a handshake
                } catch (InterruptedException ie) {
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        } finally {
            health = RelayHealth.down(
                    closed ? "the relay is closed" : "the reader of Redis at " + redacted() + " stopped");
        }
    }

    /** Syncs if needed, then reads and delivers one batch (waiting up to the block time for it). */
    private void readOnce(boolean starting) {
        StatefulRedisConnection<String, String> c = reader;
        if (c == null) {
            c = client.connect();
            c.setTimeout(timeout.plus(block));
            reader = c;
            if (c.sync().info("cluster").contains("cluster_enabled:1")) {
                throw new IllegalStateException("Redis Cluster is not supported: " + WHY_NOT_CLUSTER
                        + "; use one primary (with replicas and Sentinel for failover), not "
                        + redacted() + ": it is a cluster node");
            }
        }
        RedisCommands<String, String> redis = c.sync();
        if (!synced) {
            sync(redis, starting);
            synced = true;
            if (!faulted) {
                health = RelayHealth.UP; // after a fault, only once a read went through
            }
            if (starting) {
                return;
            }
        }
        String after = lastId;
        List<StreamMessage<String, String>> batch = xreadAfter(redis, after);
        if (batch == null || batch.isEmpty()) {
            lag.caughtUp();
            return;
        }
        lag.waitingFrom(batch.get(0).getId());
        if (batch.size() == readBatch
                && !after.equals("0-0")
                && redis.xrange(streamKey, Range.create(after, after)).isEmpty()) {
            // A full batch means this server is behind. If the entry it read last is gone, the
            // stream was trimmed past it: entries between it and this batch may be lost. (If it is
            // still there, it was there when the batch was read, and nothing between was trimmed.)
            synced = false;
            lastId = null;
            sync(redis, false);
            synced = true;
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (closed) {
                return;
            }
            StreamMessage<String, String> m = batch.get(i);
            lastId = m.getId();
            RelayMessage message = decodeOrNull(m);
            if (message != null) {
                sink.deliver(m.getId(), message);
            }
            if (i + 1 < batch.size()) {
                lag.waitingFrom(batch.get(i + 1).getId());
            }
        }
        if (batch.size() < readBatch) {
            lag.caughtUp(); // the read reached the end of the stream, and all of it is delivered
        }
    }

    @SuppressWarnings("unchecked") // Lettuce takes the one stream offset as a generic varargs array
    private List<StreamMessage<String, String>> xreadAfter(RedisCommands<String, String> redis, String id) {
        return redis.xread(
                XReadArgs.Builder.block(block.toMillis()).count(readBatch), XReadArgs.StreamOffset.from(streamKey, id));
    }

    /**
     * Finds this server's place in the stream: after a reconnect, the last entry it delivered, if
     * the stream still holds it; otherwise (first start, or a gap) the newest entries, which replace
     * the history, and the id of the entry before them: where the stream stood before what is given
     * back.
     */
    private void sync(RedisCommands<String, String> redis, boolean starting) {
        // Nothing was lost if the last entry delivered is still there; or, for a server that had
        // delivered none, if the stream is shorter than its bound, so that nothing was trimmed.
        if (lastId != null
                && (lastId.equals("0-0")
                        ? redis.xlen(streamKey) < maxLength
                        : !redis.xrange(streamKey, Range.create(lastId, lastId)).isEmpty())) {
            LOG.log(System.Logger.Level.INFO, "Redis at {0} is back; nothing was lost", redacted());
            return;
        }
        // One entry more than is given back, in the same command, so that the relay can say where
        // the stream stood before what it gives back: the entry just before the oldest one given
        // (the newest of all when none is), still in the stream or not, if there is one; trimming
        // with MAXLEN ~ usually leaves more than the bound. Given nothing, the registry keeps its
        // place by it. With none, every id the stream holds, now or later, came after the gap: the
        // stream was emptied, or never held more.
        int given = (int) Math.min(maxLength, Integer.MAX_VALUE - 1);
        List<StreamMessage<String, String>> read =
                redis.xrevrange(streamKey, Range.unbounded(), Limit.from(given + 1L));
        List<StreamMessage<String, String>> newest = read.subList(0, Math.min(given, read.size()));
        List<RelaySink.Delivery> retained = new ArrayList<>(newest.size());
        int before = 0; // index in read of the entry before the oldest given back
        for (int i = 0; i < newest.size(); i++) {
            StreamMessage<String, String> m = newest.get(i);
            RelayMessage message = decodeOrNull(m);
            if (message != null) {
                retained.add(new RelaySink.Delivery(m.getId(), message));
                before = i + 1;
            }
        }
        String after = before < read.size() ? read.get(before).getId() : null;
        Collections.reverse(retained);
        boolean gap = !starting;
        if (gap) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "events this server had not read are gone from Redis at"
                            + " {0} (it restarted empty, or trimmed them while this server was away or behind);"
                            + " its streams are told with a reset event",
                    redacted());
        }
        sink.resync(retained, gap, after);
        lag.caughtUp();
        lastId = newest.isEmpty() ? "0-0" : newest.get(0).getId();
    }

    private RelayMessage decodeOrNull(StreamMessage<String, String> m) {
        try {
            return decode(m.getBody());
        } catch (IllegalArgumentException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "skipping stream entry {0} of {1}: {2}",
                    m.getId(),
                    streamKey,
                    e.getMessage());
            return null;
        }
    }

    private void dropReader() {
        StatefulRedisConnection<String, String> c = reader;
        reader = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the reader connection failed", e);
            }
        }
    }

    /** A stream id's two numbers, or {@code null} if {@code id} is not of the form {@code <ms>-<seq>}. */
    private static long[] parseId(String id) {
        if (id == null || id.length() > 41) {
            return null;
        }
        int dash = id.indexOf('-');
        if (dash <= 0 || dash == id.length() - 1 || dash > 20) {
            return null;
        }
        try {
            long ms = Long.parseUnsignedLong(id.substring(0, dash));
            long seq = Long.parseUnsignedLong(id.substring(dash + 1));
            if (ms < 0 || seq < 0) {
                return null; // beyond what a signed comparison orders; Redis will not get there
            }
            return new long[] {ms, seq};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A failure's message and its root cause's, which Lettuce keeps out of its own ("Unable to
     * connect"): what an operator needs to tell a refused connection from a certificate or a
     * password problem.
     */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(e.getMessage());
        if (root == e || root.getMessage() == null || message.contains(root.getMessage())) {
            return message;
        }
        return message + ": " + root.getMessage();
    }

    /** The URI without a password, for messages. */
    private String redacted() {
        if (!uri.getSentinels().isEmpty()) {
            StringBuilder sb = new StringBuilder(uri.getSentinelMasterId()).append(" via sentinels ");
            for (RedisURI sentinel : uri.getSentinels()) {
                if (sb.charAt(sb.length() - 1) != ' ') {
                    sb.append(',');
                }
                sb.append(sentinel.getHost()).append(':').append(sentinel.getPort());
            }
            return sb.toString();
        }
        return uri.getHost() + ":" + uri.getPort();
    }

    /**
     * Configures a {@link RedisRelay}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: {@code redis://127.0.0.1:6379}; key prefix {@code ssekit:}; about 10,000 entries
     * kept in the stream; a timeout of 2 s; the reader blocks up to 1 s per read; idempotency keys
     * remembered for 5 minutes.
     *
     * @since 1.0
     */
    public static final class Builder {
        private String uri = "redis://127.0.0.1:6379";
        private String keyPrefix = "ssekit:";
        private long history = 10_000;
        private Duration timeout = Duration.ofSeconds(2);
        private Duration block = Duration.ofSeconds(1);
        private Duration idempotencyWindow = Duration.ofMinutes(5);
        private Path trustedCertificates;

        private Builder() {}

        /**
         * Trusts the certificates in this PEM file (a private CA, for example) when connecting over
         * TLS ({@code rediss://}), instead of the JVM's default trust store. The server's name or
         * address must match its certificate.
         *
         * @throws IllegalArgumentException if the file cannot be read
         */
        public Builder trustedCertificates(Path pemFile) {
            Objects.requireNonNull(pemFile, "trustedCertificates");
            if (!Files.isReadable(pemFile)) {
                throw new IllegalArgumentException("trustedCertificates: cannot read " + pemFile);
            }
            this.trustedCertificates = pemFile;
            return this;
        }

        /**
         * Sets how long the idempotency key of a published event is remembered in Redis (under
         * {@code <keyPrefix>idempotency:<key>}): a publish with the same key within it, from any
         * server, is delivered no more and answers the first one's id. Five minutes by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder idempotencyWindow(Duration window) {
            this.idempotencyWindow = positive("idempotencyWindow", window);
            return this;
        }

        /**
         * Sets the Redis to use, as a Redis URI: {@code redis://[[user:]password@]host[:port][/database]},
         * {@code rediss://} for TLS (see {@link #trustedCertificates}), or
         * {@code redis-sentinel://[[user:]password@]host:port[,host:port...]/[database]#primaryName}
         * to follow a primary through Sentinel's failovers. Redis Cluster is not supported: a
         * {@code redis-cluster://} URI is refused here, and a cluster node when the relay starts.
         *
         * @throws IllegalArgumentException if the URI is malformed
         */
        public Builder uri(String uri) {
            this.uri = RedisSettings.singleRedisUri(uri, WHY_NOT_CLUSTER);
            return this;
        }

        /**
         * Sets the prefix of the keys this relay uses; servers that share events use the same one,
         * and separate applications on one Redis use different ones.
         *
         * @throws IllegalArgumentException if the prefix is empty
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = RedisSettings.keyPrefix(keyPrefix);
            return this;
        }

        /**
         * Keeps about this many entries in the stream (at least this many), the bound of what any
         * server can replay or fill its history from; keep it at least the registries' history.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder history(long entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("history must be at least 1: " + entries);
            }
            this.history = entries;
            return this;
        }

        /**
         * Sets how long a command to Redis may take before it fails, which bounds how long a publish
         * waits on a Redis that stopped answering.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive("timeout", timeout);
            return this;
        }

        /**
         * Sets how long one read of the stream waits for new entries. A read may take this plus the
         * {@linkplain #timeout timeout}, so any block time goes with any timeout.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder readBlock(Duration block) {
            this.block = positive("readBlock", block);
            return this;
        }

        /** Returns the relay; it connects when a registry starts it. */
        public RedisRelay build() {
            return new RedisRelay(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
