package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseEvent;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A Redis that never answers: the port takes connections into its backlog and nothing ever replies,
 * as when packets to a host are dropped rather than refused.
 */
class RedisUnreachableTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void concurrentCallersEachWaitAtMostAboutTheTimeoutNotInTurn() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisRelay relay = RedisRelay.builder()
                    .uri("redis://127.0.0.1:" + silent.getLocalPort())
                    .timeout(TIMEOUT)
                    .readBlock(Duration.ofMillis(200))
                    .build();
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                relay.start(new NoSink());
                List<Callable<Long>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    boolean resume = i % 2 == 0; // what GET /sse does with a stream id as Last-Event-ID
                    calls.add(() -> {
                        long start = System.nanoTime();
                        if (resume) {
                            assertThat(relay.holds("1700000000000-0")).isFalse();
                        } else {
                            try {
                                relay.publish(new RelayMessage(RelayMessage.Scope.ALL, null, SseEvent.of("x"), null));
                                throw new AssertionError("a Redis that never answers took an event");
                            } catch (RelayUnavailableException expected) {
                                // what a publisher is told
                            }
                        }
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    });
                }
                List<Long> waits = new ArrayList<>();
                for (Future<Long> f : callers.invokeAll(calls)) {
                    waits.add(f.get());
                }
                // Each caller is bounded by the timeout (plus scheduling), not queued behind the
                // others' connection attempts, which would make the eighth wait about 8 timeouts.
                assertThat(waits).allSatisfy(w -> assertThat(w).isLessThan(4 * TIMEOUT.toMillis()));
            } finally {
                callers.shutdownNow();
                relay.close();
            }
        }
    }

    private static final class NoSink implements RelaySink {
        @Override
        public void deliver(String id, RelayMessage message) {}

        @Override
        public void resync(List<Delivery> retained, boolean gap) {}
    }
}
