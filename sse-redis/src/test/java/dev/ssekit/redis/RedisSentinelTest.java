package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A primary, a replica and three sentinels on loopback ports; the primary is killed while two
 * servers publish, and the relay follows the promotion by itself.
 */
class RedisSentinelTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PRIMARY = "ssekit-primary";

    private RedisProcess primary;
    private RedisProcess replica;
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        streams.forEach(EventStream::close);
        for (Node n : nodes) {
            n.close();
        }
        for (Process p : sentinels) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void theRelayFollowsAFailoverAndNoStreamMissesAnEventSilently() throws Exception {
        boolean system = RedisBinary.system().isPresent();
        if (!system) {
            System.out.println("[redis tests] skipped: Sentinel needs the system's redis-server; none is on the PATH");
        }
        Assumptions.assumeTrue(system, "Sentinel needs the system's redis-server; none is on the PATH");
        primary = RedisProcess.start();
        replica = RedisProcess.start(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
        StringBuilder uri = new StringBuilder("redis-sentinel://");
        List<Integer> sentinelPorts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int port = RedisProcess.freePort();
            sentinelPorts.add(port);
            sentinels.add(startSentinel(port, primary.port()));
            uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        uri.append("#").append(PRIMARY);
        try (Admin first = new Admin(sentinelPorts.get(0))) {
            Await.await(
                    "the sentinels to know the replica and each other",
                    Duration.ofSeconds(30),
                    () -> first.info("sentinel").contains("slaves=1,sentinels=3"));
        }

        for (int i = 0; i < 2; i++) {
            nodes.add(Node.start(uri.toString(), "sentinel:", 10_000));
        }
        for (Node n : nodes) {
            Await.await("the relay to be up", () -> n.registry.stats().relay().up());
            EventStream s = EventStream.open(HTTP, n.uri);
            assertThat(s.next().type()).isEqualTo("connected");
            streams.add(s);
        }

        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread loop = new Thread(
                () -> {
                    long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                    for (int n = 0; n < 20_000 && publishing.get() && System.nanoTime() < end; n++) {
                        try {
                            nodes.get(n % 2).registry.publish(SseEvent.of("n", Integer.toString(n)));
                            acked.add(n);
                        } catch (RelayUnavailableException e) {
                            refused.incrementAndGet();
                        }
                        LockSupport.parkNanos(10_000_000L); // pacing, not synchronization
                    }
                },
                "publisher");
        loop.start();
        try {
            Await.await("some events published", () -> acked.size() >= 30);
            primary.stop(); // killed, as a crash would
            Await.await("a publish refused while the primary is gone", Duration.ofSeconds(30), () -> refused.get() > 0);
            int before = acked.size();
            Await.await(
                    "publishing to succeed again after the promotion",
                    Duration.ofSeconds(60),
                    () -> acked.size() > before + 30);
        } finally {
            publishing.set(false);
            loop.join(30_000);
        }
        nodes.get(0).registry.publish(SseEvent.of("end", "0"));

        for (EventStream s : streams) {
            List<Integer> received = new ArrayList<>();
            boolean reset = false;
            while (true) {
                EventStream.Event e = s.next();
                if (e.type().equals("end")) {
                    break;
                }
                if (e.type().equals("reset")) {
                    reset = true;
                    received.clear(); // what follows is what the new primary retained, then the rest
                    continue;
                }
                assertThat(e.type()).isEqualTo("n");
                received.add(Integer.valueOf(e.data()));
            }
            assertThat(received).as("in order, none twice").isSorted().doesNotHaveDuplicates();
            if (!reset) {
                // Told nothing: then it received every event that was acknowledged.
                assertThat(received).containsAll(acked);
            }
        }
    }

    private static Process startSentinel(int port, int primaryPort) throws Exception {
        Path dir = Files.createTempDirectory("ssekit-sentinel");
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "dir " + dir,
                        "sentinel monitor " + PRIMARY + " 127.0.0.1 " + primaryPort + " 2",
                        "sentinel down-after-milliseconds " + PRIMARY + " 1000",
                        "sentinel failover-timeout " + PRIMARY + " 10000",
                        "sentinel parallel-syncs " + PRIMARY + " 1",
                        ""));
        Process p = new ProcessBuilder(List.of(RedisBinary.executable().toString(), conf.toString(), "--sentinel"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sentinel.log").toFile())
                .start();
        try (Admin admin = new Admin(port)) {
            Await.await("sentinel on port " + port + " to answer", () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("redis-server --sentinel exited; see " + dir.resolve("sentinel.log"));
                }
                return admin.ping();
            });
        }
        return p;
    }

    /** A plain connection to a server or sentinel, for the test's own questions. */
    private static final class Admin implements AutoCloseable {
        private final RedisClient client;
        private StatefulRedisConnection<String, String> connection;

        Admin(int port) {
            client = RedisClient.create("redis://127.0.0.1:" + port);
        }

        boolean ping() {
            try {
                if (connection == null) {
                    connection = client.connect();
                }
                return "PONG".equals(connection.sync().ping());
            } catch (RuntimeException e) {
                return false;
            }
        }

        String info(String section) {
            if (connection == null) {
                connection = client.connect();
            }
            return connection.sync().info(section);
        }

        @Override
        public void close() {
            if (connection != null) {
                connection.close();
            }
            client.shutdown();
        }
    }
}
