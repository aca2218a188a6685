package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.testing.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The relay's reader thread against a real Redis: idle reads, and failures that are not Redis's. */
class RedisReaderTest {

    private static RedisProcess redis;
    private static RedisClient admin;
    private static StatefulRedisConnection<String, String> adminConnection;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisProcess.start();
        admin = RedisClient.create(redis.uri());
        adminConnection = admin.connect();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (adminConnection != null) {
            adminConnection.close();
            admin.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aReadBlockLongerThanTheTimeoutDoesNotExpireIdleReads() {
        RedisRelay relay = RedisRelay.builder()
                .uri(redis.uri())
                .keyPrefix("idle:")
                .timeout(Duration.ofMillis(300))
                .readBlock(Duration.ofMillis(1_000))
                .build();
        try {
            relay.start(new CountingSink());
            long xreads = stat("commandstats", "cmdstat_xread:calls=(\\d+)");
            long connections = stat("stats", "total_connections_received:(\\d+)");
            // Three idle reads end as Redis ends them, after the block time, on the same connection:
            // none expires on the client, which would make the reader reconnect and resync.
            Await.await("three idle reads to end", Duration.ofSeconds(15),
                    () -> stat("commandstats", "cmdstat_xread:calls=(\\d+)") >= xreads + 3);
            assertThat(stat("stats", "total_connections_received:(\\d+)"))
                    .as("connections Redis received while the reader was idle").isEqualTo(connections);
        } finally {
            relay.close();
        }
    }

    static long stat(String section, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(adminConnection.sync().info(section));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static RelayMessage broadcast(String data) {
        return new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of(data), true, null);
    }

    /** Counts deliveries; throws what it is told to on each. */
    static class CountingSink implements RelaySink {
        final AtomicInteger deliveries = new AtomicInteger();

        @Override
        public void deliver(String id, RelayMessage message) {
            deliveries.incrementAndGet();
        }

        @Override
        public void resync(List<Delivery> retained, boolean gap) {}
    }
}
